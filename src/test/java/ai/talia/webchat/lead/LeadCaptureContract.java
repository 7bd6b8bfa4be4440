package ai.talia.webchat.lead;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.ConsentRecord;
import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.PersistenceVerticle;
import ai.talia.webchat.store.SessionRecord;
import ai.talia.webchat.store.Store;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lead rules on a real store: consent first, each field validated, one lead merged as fields
 * arrive.
 */
abstract class LeadCaptureContract {
  private Vertx vertx;
  private Store store;
  private LeadService leads;

  abstract TestDatabases.Kind kind();

  @BeforeEach
  void start() {
    TaliaConfig config = RunningGateway.baseConfig();
    config =
        kind() == TestDatabases.Kind.POSTGRES
            ? config.with(ConfigKeys.DB_URL, TestDatabases.freshPostgres())
            : config.with(ConfigKeys.DB_DATA_DIR, TestDatabases.freshDataDir().toString());
    vertx = Vertx.vertx();
    await(vertx.deployVerticle(new PersistenceVerticle(config)));
    store = new StoreClient(vertx);
    leads = new LeadService(store, LeadSettings.fromConfig(config));
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private String session(Boolean consent) {
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    await(store.createSession(new SessionRecord(id, "h", null, "es", null, null, now, now, 0, 0)));
    if (consent != null) {
      await(
          store.recordConsent(
              new ConsentRecord(
                  UUID.randomUUID().toString(), id, "2026-11", consent, now, null, null)));
    }
    return id;
  }

  @Test
  void without_a_granted_consent_nothing_is_stored() {
    for (Boolean consent : new Boolean[] {null, false}) {
      String id = session(consent);
      LeadOutcome outcome =
          await(
              leads.capture(id, new LeadFields("Ana Pérez", "ana@example.com", "+34 612 345 678")));
      assertThat(outcome.status()).isEqualTo(LeadOutcome.Status.CONSENT_MISSING);
      assertThat(await(store.findLead(id))).isNull();
      assertThat(await(store.events(id)))
          .extracting(DomainEvent::type)
          .doesNotContain(DomainEvent.LEAD_CAPTURED);
    }
  }

  @Test
  void fields_are_validated_normalized_and_merged_into_one_lead() {
    String id = session(true);
    LeadOutcome first =
        await(leads.capture(id, new LeadFields("  José  Ñúñez-O'Neil ", "not-an-email", null)));
    assertThat(first.status()).isEqualTo(LeadOutcome.Status.INVALID);
    assertThat(first.invalid()).containsEntry("email", "not_an_email");
    assertThat(first.storedFields()).containsExactly("name");
    assertThat(await(store.findLead(id)).name()).isEqualTo("José Ñúñez-O'Neil");

    LeadOutcome second =
        await(leads.capture(id, new LeadFields(null, "Ana.Perez@EXAMPLE.com", "612 345 678")));
    assertThat(second.status()).isEqualTo(LeadOutcome.Status.STORED);
    assertThat(second.lead().email()).isEqualTo("Ana.Perez@example.com");
    assertThat(second.lead().phone()).isEqualTo("+34612345678");
    assertThat(second.lead().complete()).isTrue();
    assertThat(second.lead().id()).isEqualTo(first.lead().id());

    LeadOutcome bad = await(leads.capture(id, new LeadFields("R2D2", null, "12")));
    assertThat(bad.invalid())
        .containsEntry("name", "contains_digits")
        .containsEntry("phone", "not_a_valid_phone");
    assertThat(bad.storedFields()).isEmpty();
    assertThat(await(store.findLead(id)).name()).isEqualTo("José Ñúñez-O'Neil");
    assertThat(
            await(store.events(id)).stream()
                .filter(e -> e.type().equals(DomainEvent.LEAD_CAPTURED))
                .count())
        .isEqualTo(2);
  }

  /**
   * A capture and a withdrawal of the same session, started together many times with a varying head
   * start. After the withdrawal's commit is acknowledged the lead is read; if the capture later
   * changes it, the lead was written after the withdrawal committed: that must never happen.
   * Whatever wins, the capture answers stored or consent_missing, never a failure.
   */
  @Test
  void a_lead_is_never_written_after_a_withdrawal_that_races_it() {
    int rounds = 120;
    int written = 0;
    int refused = 0;
    int violations = 0;
    List<String> examples = new ArrayList<>();
    Random random = new Random(42);
    for (int i = 0; i < rounds; i++) {
      String id = session(true);
      if (i % 2 == 1) await(leads.capture(id, new LeadFields("Ana Pérez", null, null)));
      Future<LeadOutcome> capture =
          leads.capture(id, new LeadFields(null, "ana" + i + "@example.com", "+34 612 345 678"));
      spin(random.nextInt(4_000_000));
      Future<ConsentRecord> withdrawal =
          store.recordConsent(
              new ConsentRecord(
                  UUID.randomUUID().toString(),
                  id,
                  "2026-11",
                  false,
                  Instant.now().plusMillis(1),
                  null,
                  null));
      await(withdrawal);
      LeadRecord afterWithdrawal = await(store.findLead(id));
      LeadOutcome outcome = await(capture);
      LeadRecord atEnd = await(store.findLead(id));
      if (!Objects.equals(afterWithdrawal, atEnd)) {
        violations++;
        if (examples.size() < 3) examples.add(afterWithdrawal + " -> " + atEnd);
      }
      assertThat(outcome.status())
          .isIn(LeadOutcome.Status.STORED, LeadOutcome.Status.CONSENT_MISSING);
      if (outcome.status() == LeadOutcome.Status.STORED) written++;
      else refused++;
      if (outcome.status() == LeadOutcome.Status.CONSENT_MISSING) {
        assertThat(outcome.storedFields()).isEmpty();
        assertThat(atEnd == null ? null : atEnd.email()).isNull();
      }
    }
    assertThat(violations)
        .as("leads written after the withdrawal committed, e.g. %s", examples)
        .isZero();
    // Both orders happened, so the race was really run.
    assertThat(written).as("captures that won").isPositive();
    assertThat(refused).as("captures that lost").isPositive();
  }

  private static void spin(long nanos) {
    long until = System.nanoTime() + nanos;
    while (System.nanoTime() < until) Thread.onSpinWait();
  }

  @Test
  void masking_keeps_emails_and_phones_out_of_logs() {
    assertThat(Masking.email("ana.perez@example.com")).isEqualTo("a***@example.com");
    assertThat(Masking.phone("+34612345678")).isEqualTo("+34******678");
  }
}
