package ai.talia.webchat.webhook;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.ConsentRecord;
import ai.talia.webchat.store.Database;
import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.PersistenceVerticle;
import ai.talia.webchat.store.SessionRecord;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox's SQL on each database: rows written with their events, claims that never hand one row
 * to two claimants while its lease holds, and one session's rows released in order.
 */
abstract class WebhookOutboxContract {
  private Vertx vertx;
  private StoreClient store;
  private Pool pool;
  private WebhookOutbox outbox;

  abstract TestDatabases.Kind kind();

  @BeforeEach
  void start() {
    TaliaConfig config = RunningGateway.baseConfig();
    config =
        kind() == TestDatabases.Kind.POSTGRES
            ? config.with(ConfigKeys.DB_URL, TestDatabases.freshPostgres())
            : config.with(ConfigKeys.DB_DATA_DIR, TestDatabases.freshDataDir().toString());
    vertx = Vertx.vertx();
    // "a" wants every event, "b" only webchat_started.
    await(
        vertx.deployVerticle(
            new PersistenceVerticle(
                config,
                type ->
                    type.equals(DomainEvent.WEBCHAT_STARTED) ? List.of("a", "b") : List.of("a"))));
    store = new StoreClient(vertx);
    pool = Database.fromConfig(config).createPool(vertx, 4, "test-outbox");
    outbox = new WebhookOutbox(pool);
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private String session() {
    String id = UUID.randomUUID().toString();
    Instant at = Instant.now();
    await(store.createSession(new SessionRecord(id, "h", null, "es", null, null, at, at, 0, 0)));
    await(
        store.recordConsent(
            new ConsentRecord(UUID.randomUUID().toString(), id, "2026-11", true, at, null, null)));
    return id;
  }

  private List<WebhookOutbox.Claimed> claim(String endpoint, String claim, Instant now, int limit) {
    return await(outbox.claim(endpoint, claim, now, now.plusSeconds(10), limit));
  }

  private static Instant soon() {
    return Instant.now().plusSeconds(1);
  }

  private void deliver(WebhookOutbox.Claimed row, String claim) {
    Instant now = Instant.now();
    assertThat(
            await(
                outbox.record(
                    row,
                    claim,
                    now,
                    new AttemptResult(200, null, Duration.ofMillis(3), null),
                    new WebhookOutbox.Outcome(WebhookOutbox.DELIVERED, 1, now, now))))
        .isTrue();
  }

  @Test
  void each_event_gets_a_row_per_endpoint_that_wants_it() {
    String s = session();
    List<WebhookOutbox.Claimed> a = claim("a", "c1", soon(), 10);
    List<WebhookOutbox.Claimed> b = claim("b", "c2", soon(), 10);
    // a has two rows but only the session's first is due: the second waits behind it.
    assertThat(a).extracting(WebhookOutbox.Claimed::eventType).containsExactly("webchat_started");
    assertThat(b).extracting(WebhookOutbox.Claimed::eventType).containsExactly("webchat_started");
    assertThat(a.get(0).sessionId()).isEqualTo(s);
    assertThat(a.get(0).eventId()).isEqualTo(b.get(0).eventId());
    assertThat(await(outbox.backlog()).get("a").pending()).isEqualTo(2);
    assertThat(await(outbox.backlog()).get("b").pending()).isEqualTo(1);
  }

  @Test
  void a_claimed_row_is_not_claimed_again_until_its_lease_runs_out() {
    session();
    Instant now = soon();
    List<WebhookOutbox.Claimed> first = claim("a", "c1", now, 10);
    assertThat(first).hasSize(1);
    assertThat(claim("a", "c2", now, 10)).isEmpty();
    assertThat(claim("a", "c3", now.plusSeconds(9), 10)).isEmpty();
    // The first claimant died: after the lease another one takes it.
    List<WebhookOutbox.Claimed> again = claim("a", "c4", now.plusSeconds(11), 10);
    assertThat(again).extracting(WebhookOutbox.Claimed::id).containsExactly(first.get(0).id());
    // The dead claimant's late answer is recorded as an attempt, but the row stays the new one's.
    Instant at = Instant.now();
    assertThat(
            await(
                outbox.record(
                    first.get(0),
                    "c1",
                    at,
                    new AttemptResult(200, null, Duration.ofMillis(1), null),
                    new WebhookOutbox.Outcome(WebhookOutbox.DELIVERED, 1, at, at))))
        .isFalse();
    deliver(again.get(0), "c4");
    assertThat(claim("a", "c5", now.plusSeconds(11), 10))
        .extracting(WebhookOutbox.Claimed::eventType)
        .containsExactly("consent_granted");
  }

  @Test
  void a_sessions_later_row_waits_for_the_earlier_but_other_sessions_do_not() {
    String s1 = session();
    String s2 = session();
    List<WebhookOutbox.Claimed> heads = claim("a", "c1", soon(), 10);
    assertThat(heads).extracting(WebhookOutbox.Claimed::sessionId).containsExactly(s1, s2);
    assertThat(heads).extracting(WebhookOutbox.Claimed::eventType).containsOnly("webchat_started");
    deliver(heads.get(1), "c1");
    // s2's consent is due now; s1's still waits behind its webchat_started in flight.
    List<WebhookOutbox.Claimed> next = claim("a", "c2", soon(), 10);
    assertThat(next).extracting(WebhookOutbox.Claimed::sessionId).containsExactly(s2);
    assertThat(next.get(0).eventType()).isEqualTo("consent_granted");
    String body = next.get(0).body();
    assertThat(new io.vertx.core.json.JsonObject(body).fieldNames())
        .containsExactlyInAnyOrder("id", "type", "session_id", "occurred_at", "data");
  }

  @Test
  void concurrent_claims_never_share_a_row() {
    for (int i = 0; i < 30; i++) session();
    Instant now = soon();
    List<Future<List<WebhookOutbox.Claimed>>> claims = new ArrayList<>();
    for (int i = 0; i < 6; i++) claims.add(outbox.claim("a", "c" + i, now, now.plusSeconds(10), 8));
    await(Future.join(new ArrayList<>(claims)));
    Set<String> ids = new HashSet<>();
    int total = 0;
    for (Future<List<WebhookOutbox.Claimed>> f : claims) {
      for (WebhookOutbox.Claimed c : f.result()) ids.add(c.id());
      total += f.result().size();
    }
    assertThat(ids).as("no row in two claims").hasSize(total);
    // A claim skips the rows another one has locked: what they left, a last claim takes.
    List<WebhookOutbox.Claimed> rest = claim("a", "last", now, 30);
    for (WebhookOutbox.Claimed c : rest) assertThat(ids.add(c.id())).isTrue();
    assertThat(ids).hasSize(30);
  }
}
