package ai.talia.webchat.store;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Store} contract, run unchanged on the embedded store and on Postgres, through the
 * persistence verticle as the gateway uses it.
 */
abstract class StoreContract {
  private Vertx vertx;
  Store store;
  private TaliaConfig config;
  private final List<JsonObject> published = new CopyOnWriteArrayList<>();

  abstract TestDatabases.Kind kind();

  @BeforeEach
  void start() {
    // One connection: a failed write must hand it back clean (its transaction ended) for the next
    // one.
    config = RunningGateway.baseConfig().with(ConfigKeys.DB_POOL_SIZE, 1);
    config =
        kind() == TestDatabases.Kind.POSTGRES
            ? config.with(ConfigKeys.DB_URL, TestDatabases.freshPostgres())
            : config.with(ConfigKeys.DB_DATA_DIR, TestDatabases.freshDataDir().toString());
    vertx = Vertx.vertx();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> published.add(m.body()));
    await(vertx.deployVerticle(new PersistenceVerticle(config)));
    store = new StoreClient(vertx);
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  /** The owner epoch of a session no actor has claimed yet. */
  static final long UNCLAIMED = 0;

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  SessionRecord session(String id) {
    Instant at = now();
    return await(
        store.createSession(
            new SessionRecord(
                id,
                "hash-" + id,
                null,
                "es",
                "https://landing.example/",
                new JsonObject().put("utm_source", "ads"),
                at,
                at,
                0,
                0)));
  }

  static StoredMessage user(String sessionId, long seq, String cmid) {
    return new StoredMessage(
        UUID.randomUUID().toString(),
        sessionId,
        seq,
        StoredMessage.ROLE_USER,
        "hola " + seq,
        now(),
        cmid,
        MessageStatus.PENDING,
        null,
        null,
        0,
        0);
  }

  static StoredMessage reply(String sessionId, long seq, String replyTo) {
    return new StoredMessage(
        UUID.randomUUID().toString(),
        sessionId,
        seq,
        StoredMessage.ROLE_ASSISTANT,
        "respuesta " + seq,
        now(),
        null,
        MessageStatus.COMPLETED,
        replyTo,
        null,
        10,
        5);
  }

  private ConsentRecord consent(String sessionId, boolean granted) {
    return await(
        store.recordConsent(
            new ConsentRecord(
                UUID.randomUUID().toString(),
                sessionId,
                "2026-11",
                granted,
                now(),
                "iphash",
                "JUnit")));
  }

  @Test
  void sessions_round_trip_and_ids_are_unique() {
    SessionRecord created = session("s-round-trip");
    SessionRecord found = await(store.findSession("s-round-trip"));
    assertThat(found).isEqualTo(created);
    assertThat(await(store.findSession("nobody-here"))).isNull();
    assertThatThrownBy(() -> session("s-round-trip")).isInstanceOf(DuplicateKeyException.class);
    await(store.setAssistantThread("s-round-trip", "conv_123", UNCLAIMED));
    assertThat(await(store.findSession("s-round-trip")).assistantThreadId()).isEqualTo("conv_123");
  }

  @Test
  void messages_keep_seq_and_client_message_id_unique_per_session() {
    session("s-messages");
    session("s-other");
    StoredMessage first = await(store.appendUserMessage(user("s-messages", 1, "c-1"), UNCLAIMED));
    assertThat(await(store.recentHistory("s-messages", 10)))
        .extracting(StoredMessage::seq)
        .containsExactly(1L);
    assertThat(await(store.recentHistory("s-other", 10))).isEmpty();
    assertThatThrownBy(
            () -> await(store.appendUserMessage(user("s-messages", 1, "c-2"), UNCLAIMED)))
        .isInstanceOf(DuplicateKeyException.class);
    assertThatThrownBy(
            () -> await(store.appendUserMessage(user("s-messages", 2, "c-1"), UNCLAIMED)))
        .isInstanceOf(DuplicateKeyException.class);
    // The same ids are free in another session.
    await(store.appendUserMessage(user("s-other", 1, "c-1"), UNCLAIMED));
    assertThat(await(store.findMessageByClientId("s-messages", "c-1"))).isEqualTo(first);
    assertThat(await(store.findMessageByClientId("s-messages", "c-404"))).isNull();
  }

  @Test
  void a_reply_completes_its_user_message_and_counts_the_turn_atomically() {
    session("s-reply");
    StoredMessage question = await(store.appendUserMessage(user("s-reply", 1, "c-1"), UNCLAIMED));
    StoredMessage answer =
        await(store.appendReply(reply("s-reply", 2, question.id()), 15, UNCLAIMED));
    assertThat(await(store.findReply("s-reply", question.id()))).isEqualTo(answer);
    assertThat(await(store.findMessageByClientId("s-reply", "c-1")).status())
        .isEqualTo(MessageStatus.COMPLETED);
    SessionRecord s = await(store.findSession("s-reply"));
    assertThat(s.turns()).isEqualTo(1);
    assertThat(s.tokensUsed()).isEqualTo(15);
    assertThat(s.lastActivity()).isEqualTo(answer.createdAt());

    // A reply that cannot be written (its seq is taken) changes nothing: no count, no event.
    int eventsBefore = await(store.events("s-reply")).size();
    StoredMessage q2 = await(store.appendUserMessage(user("s-reply", 3, "c-2"), UNCLAIMED));
    assertThatThrownBy(() -> await(store.appendReply(reply("s-reply", 2, q2.id()), 99, UNCLAIMED)))
        .isInstanceOf(DuplicateKeyException.class);
    assertThat(await(store.findSession("s-reply")).turns()).isEqualTo(1);
    assertThat(await(store.findMessageByClientId("s-reply", "c-2")).status())
        .isEqualTo(MessageStatus.PENDING);
    assertThat(await(store.events("s-reply"))).hasSize(eventsBefore + 1);

    // The store's one connection writes the next reply as if nothing had failed.
    await(store.appendReply(reply("s-reply", 4, q2.id()), 5, UNCLAIMED));
    assertThat(await(store.findSession("s-reply")).turns()).isEqualTo(2);
    assertThat(await(store.findMessageByClientId("s-reply", "c-2")).status())
        .isEqualTo(MessageStatus.COMPLETED);
  }

  @Test
  void failed_and_interrupted_messages_stay_stored() throws Exception {
    session("s-failed");
    StoredMessage a = await(store.appendUserMessage(user("s-failed", 1, "c-1"), UNCLAIMED));
    await(store.appendUserMessage(user("s-failed", 2, "c-2"), UNCLAIMED));
    Instant before = await(store.findSession("s-failed")).lastActivity();
    Thread.sleep(5);
    await(store.markFailed("s-failed", a.id(), "assistant_unavailable", 42, UNCLAIMED));
    assertThat(await(store.findMessageByClientId("s-failed", "c-1")).errorCode())
        .isEqualTo("assistant_unavailable");
    assertThat(await(store.findSession("s-failed")).lastActivity()).isAfter(before);
    assertThat(await(store.findSession("s-failed")).tokensUsed()).isEqualTo(42);
    assertThat(await(store.failPendingMessages("s-failed", "interrupted"))).isEqualTo(1);
    assertThat(await(store.history("s-failed", 0, 10)))
        .extracting(StoredMessage::status)
        .containsExactly(MessageStatus.FAILED, MessageStatus.FAILED);
  }

  @Test
  void a_claim_fences_every_write_of_the_previous_owner_and_fails_its_pending_messages() {
    session("s-fence");
    StoredMessage cut = await(store.appendUserMessage(user("s-fence", 1, "c-1"), UNCLAIMED));
    int eventsBefore = await(store.events("s-fence")).size();

    SessionClaim claim = await(store.claimSession("s-fence", "interrupted"));
    long epoch = claim.epoch();
    assertThat(epoch).isEqualTo(UNCLAIMED + 1);
    assertThat(claim.interrupted()).isEqualTo(1);
    assertThat(await(store.findMessageByClientId("s-fence", "c-1")).errorCode())
        .isEqualTo("interrupted");

    // The previous owner (epoch 0) writes nothing more: no message, no reply, no status, no event.
    assertThatThrownBy(() -> await(store.appendUserMessage(user("s-fence", 2, "c-2"), UNCLAIMED)))
        .isInstanceOf(FencedException.class);
    assertThatThrownBy(() -> await(store.appendReply(reply("s-fence", 2, cut.id()), 7, UNCLAIMED)))
        .isInstanceOf(FencedException.class);
    assertThatThrownBy(
            () ->
                await(store.markFailed("s-fence", cut.id(), "assistant_unavailable", 3, UNCLAIMED)))
        .isInstanceOf(FencedException.class);
    assertThatThrownBy(() -> await(store.setAssistantThread("s-fence", "conv_old", UNCLAIMED)))
        .isInstanceOf(FencedException.class);
    assertThat(await(store.history("s-fence", 0, 10))).hasSize(1);
    assertThat(await(store.events("s-fence"))).hasSize(eventsBefore);
    SessionRecord s = await(store.findSession("s-fence"));
    assertThat(s.tokensUsed()).isZero();
    assertThat(s.assistantThreadId()).isNull();

    // The new owner's writes go through; a later claim fences it in turn.
    await(store.appendReply(reply("s-fence", 2, cut.id()), 7, epoch));
    assertThat(await(store.findSession("s-fence")).turns()).isEqualTo(1);
    assertThat(await(store.claimSession("s-fence", "interrupted")))
        .isEqualTo(new SessionClaim(epoch + 1, 0));
    assertThatThrownBy(() -> await(store.appendUserMessage(user("s-fence", 3, "c-3"), epoch)))
        .isInstanceOf(FencedException.class);
  }

  @Test
  void a_user_message_gets_at_most_one_stored_reply() {
    session("s-one-reply");
    StoredMessage q = await(store.appendUserMessage(user("s-one-reply", 1, "c-1"), UNCLAIMED));
    await(store.appendReply(reply("s-one-reply", 2, q.id()), 5, UNCLAIMED));
    assertThatThrownBy(
            () -> await(store.appendReply(reply("s-one-reply", 3, q.id()), 5, UNCLAIMED)))
        .isInstanceOfSatisfying(
            DuplicateKeyException.class,
            e -> assertThat(e.on(DuplicateKeyException.MESSAGE_REPLY_TO)).isTrue());
    assertThat(await(store.history("s-one-reply", 0, 10))).hasSize(2);
    assertThat(await(store.findSession("s-one-reply")).turns()).isEqualTo(1);
    // The keys a stale actor meets are told apart.
    assertThatThrownBy(
            () -> await(store.appendUserMessage(user("s-one-reply", 2, "c-2"), UNCLAIMED)))
        .isInstanceOfSatisfying(
            DuplicateKeyException.class,
            e -> assertThat(e.on(DuplicateKeyException.MESSAGE_SEQ)).isTrue());
    assertThatThrownBy(
            () -> await(store.appendUserMessage(user("s-one-reply", 3, "c-1"), UNCLAIMED)))
        .isInstanceOfSatisfying(
            DuplicateKeyException.class,
            e -> assertThat(e.on(DuplicateKeyException.MESSAGE_CLIENT_ID)).isTrue());
  }

  @Test
  void history_pages_in_seq_order_and_recent_history_keeps_the_last_ones() {
    session("s-history");
    for (int seq = 1; seq <= 7; seq++)
      await(store.appendUserMessage(user("s-history", seq, "c-" + seq), UNCLAIMED));
    assertThat(await(store.history("s-history", 2, 3)))
        .extracting(StoredMessage::seq)
        .containsExactly(3L, 4L, 5L);
    assertThat(await(store.recentHistory("s-history", 3)))
        .extracting(StoredMessage::seq)
        .containsExactly(5L, 6L, 7L);
  }

  @Test
  void the_latest_consent_is_in_force() throws Exception {
    session("s-consent");
    assertThat(await(store.latestConsent("s-consent"))).isNull();
    consent("s-consent", true);
    Thread.sleep(5);
    ConsentRecord withdrawn = consent("s-consent", false);
    assertThat(await(store.latestConsent("s-consent"))).isEqualTo(withdrawn);
  }

  @Test
  void the_consent_recorded_last_is_in_force_even_if_the_clock_stepped_back() {
    session("s-clock");
    Instant at = now();
    ConsentRecord granted =
        await(
            store.recordConsent(
                new ConsentRecord(
                    UUID.randomUUID().toString(), "s-clock", "2026-11", true, at, null, null)));
    // The withdrawal's clock reads a second earlier (an NTP step), then one reads the same instant.
    ConsentRecord withdrawn =
        await(
            store.recordConsent(
                new ConsentRecord(
                    UUID.randomUUID().toString(),
                    "s-clock",
                    "2026-11",
                    false,
                    at.minusSeconds(1),
                    null,
                    null)));
    assertThat(withdrawn.createdAt()).isAfter(granted.createdAt());
    assertThat(await(store.latestConsent("s-clock"))).isEqualTo(withdrawn);
    ConsentRecord again =
        await(
            store.recordConsent(
                new ConsentRecord(
                    UUID.randomUUID().toString(), "s-clock", "2026-11", true, at, null, null)));
    assertThat(await(store.latestConsent("s-clock"))).isEqualTo(again);
    assertThat(await(store.events("s-clock")))
        .extracting(e -> e.data().getString("consent_id"))
        .containsExactly(null, granted.id(), withdrawn.id(), again.id());
  }

  @Test
  void events_at_one_instant_come_back_in_the_order_they_were_written() {
    session("s-order");
    Instant at = now();
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      DomainEvent e =
          DomainEvent.of("webchat_message_sent", "s-order", at, new JsonObject().put("i", i));
      await(store.recordEvent(e));
      written.add(e.id());
    }
    List<String> read =
        await(store.events("s-order")).stream()
            .filter(e -> e.occurredAt().equals(at))
            .map(DomainEvent::id)
            .toList();
    assertThat(read).containsExactlyElementsOf(written);
  }

  @Test
  void one_lead_per_session_updated_as_fields_arrive_and_never_without_a_consent() {
    session("s-lead");
    ConsentRecord granted = consent("s-lead", true);
    Instant at = now();
    LeadRecord lead =
        new LeadRecord(
            UUID.randomUUID().toString(),
            "s-lead",
            "Ana Pérez",
            null,
            null,
            "webchat",
            granted.id(),
            at,
            at);
    await(store.saveLead(lead, List.of("name")));
    LeadRecord more =
        new LeadRecord(
            lead.id(),
            "s-lead",
            "Ana Pérez",
            "ana@example.com",
            "+34612345678",
            "webchat",
            granted.id(),
            at,
            now());
    await(store.saveLead(more, List.of("email", "phone")));
    LeadRecord stored = await(store.findLead("s-lead"));
    assertThat(stored.email()).isEqualTo("ana@example.com");
    assertThat(stored.phone()).isEqualTo("+34612345678");
    assertThat(stored.consentId()).isEqualTo(granted.id());
    assertThat(stored.complete()).isTrue();

    session("s-no-consent");
    LeadRecord orphan =
        new LeadRecord(
            UUID.randomUUID().toString(),
            "s-no-consent",
            "Eve",
            null,
            null,
            "webchat",
            "no-such-consent",
            at,
            at);
    assertThatThrownBy(() -> await(store.saveLead(orphan, List.of("name")))).isNotNull();
    assertThat(await(store.findLead("s-no-consent"))).isNull();
    assertThat(await(store.events("s-no-consent")))
        .extracting(DomainEvent::type)
        .containsExactly(DomainEvent.WEBCHAT_STARTED);
  }

  @Test
  void a_lead_write_after_a_withdrawal_committed_is_refused_and_writes_nothing() throws Exception {
    session("s-withdrawn");
    ConsentRecord granted = consent("s-withdrawn", true);
    Instant at = now();
    LeadRecord name =
        new LeadRecord(
            UUID.randomUUID().toString(),
            "s-withdrawn",
            "Ana Pérez",
            null,
            null,
            "webchat",
            granted.id(),
            at,
            at);
    await(store.saveLead(name, List.of("name")));
    Thread.sleep(5);
    consent("s-withdrawn", false);

    // The caller checked the consent before the withdrawal and writes after it: the write itself
    // reads the consent in force and refuses, whatever consent id the caller brings.
    LeadRecord email =
        new LeadRecord(
            name.id(),
            "s-withdrawn",
            "Ana Pérez",
            "ana@example.com",
            null,
            "webchat",
            granted.id(),
            at,
            now());
    assertThatThrownBy(() -> await(store.saveLead(email, List.of("email"))))
        .isInstanceOf(ConsentNotGrantedException.class);
    assertThat(await(store.findLead("s-withdrawn"))).isEqualTo(name);
    assertThat(await(store.events("s-withdrawn")))
        .extracting(DomainEvent::type)
        .containsExactly(
            DomainEvent.WEBCHAT_STARTED,
            DomainEvent.CONSENT_GRANTED,
            DomainEvent.LEAD_CAPTURED,
            DomainEvent.CONSENT_WITHDRAWN);

    // Granted again, the lead is written, under the new grant.
    Thread.sleep(5);
    ConsentRecord again = consent("s-withdrawn", true);
    LeadRecord saved = await(store.saveLead(email, List.of("email")));
    assertThat(saved.consentId()).isEqualTo(again.id());
    assertThat(await(store.findLead("s-withdrawn")).email()).isEqualTo("ana@example.com");
    assertThat(await(store.findLead("s-withdrawn")).consentId()).isEqualTo(again.id());
  }

  @Test
  void every_change_writes_its_event_in_the_same_transaction_and_publishes_it_after_commit()
      throws Exception {
    session("s-events");
    consent("s-events", true);
    StoredMessage q = await(store.appendUserMessage(user("s-events", 1, "c-1"), UNCLAIMED));
    await(store.appendReply(reply("s-events", 2, q.id()), 3, UNCLAIMED));
    List<DomainEvent> events = await(store.events("s-events"));
    assertThat(events)
        .extracting(DomainEvent::type)
        .containsExactly(
            DomainEvent.WEBCHAT_STARTED,
            DomainEvent.CONSENT_GRANTED,
            DomainEvent.MESSAGE_SENT,
            DomainEvent.MESSAGE_RECEIVED);
    assertThat(events.get(2).data().getString("message_id")).isEqualTo(q.id());
    for (int i = 0; i < 50 && published.size() < 4; i++) Thread.sleep(20);
    assertThat(published)
        .extracting(e -> e.getString("type"))
        .containsExactly(
            "webchat_started",
            "consent_granted",
            "webchat_message_sent",
            "webchat_message_received");
    assertThat(published.get(0).fieldNames())
        .containsExactlyInAnyOrder("id", "type", "session_id", "occurred_at", "data");
  }

  @Test
  void every_text_limit_fits_its_column_on_this_store() {
    // FieldLimits counts UTF-16 units, which H2's VARCHAR(n) counts too, and Postgres' counts code
    // points (never more): a limit no larger than its column fits on both.
    Map<String, Integer> limits = new LinkedHashMap<>();
    limits.put("webchat_sessions.session_id", FieldLimits.SESSION_ID);
    limits.put("messages.session_id", FieldLimits.SESSION_ID);
    limits.put("consents.session_id", FieldLimits.SESSION_ID);
    limits.put("leads.session_id", FieldLimits.SESSION_ID);
    limits.put("events.session_id", FieldLimits.SESSION_ID);
    limits.put("messages.client_message_id", FieldLimits.CLIENT_MESSAGE_ID);
    limits.put("messages.content", FieldLimits.MESSAGE_CONTENT);
    limits.put("webchat_sessions.page_url", FieldLimits.PAGE_URL);
    limits.put("webchat_sessions.utm", FieldLimits.UTM_JSON);
    limits.put("webchat_sessions.locale", FieldLimits.LOCALE);
    limits.put("webchat_sessions.assistant_thread_id", FieldLimits.ASSISTANT_THREAD_ID);
    limits.put("consents.policy_version", FieldLimits.POLICY_VERSION);
    limits.put("consents.user_agent", FieldLimits.USER_AGENT);
    limits.put("leads.name", FieldLimits.LEAD_NAME);
    limits.put("leads.email", FieldLimits.LEAD_EMAIL);
    limits.put("leads.phone", FieldLimits.LEAD_PHONE);
    Pool pool = Database.fromConfig(config).createPool(vertx, 1);
    try {
      for (Map.Entry<String, Integer> limit : limits.entrySet()) {
        String[] column = limit.getKey().split("\\.", -1);
        RowSet<Row> rows =
            await(
                pool.preparedQuery(
                        "SELECT character_maximum_length FROM information_schema.columns "
                            + "WHERE lower(table_name) = $1 AND lower(column_name) = $2")
                    .execute(Tuple.of(column[0], column[1])));
        assertThat(rows.size()).as(limit.getKey()).isEqualTo(1);
        Number length = (Number) rows.iterator().next().getValue(0);
        assertThat(length.intValue()).as(limit.getKey()).isGreaterThanOrEqualTo(limit.getValue());
      }
    } finally {
      await(pool.close());
    }
  }

  @Test
  void values_at_their_limits_in_four_byte_characters_round_trip() {
    String emoji = "😀";
    String id = "s-limits";
    Instant at = now();
    String pageUrl = emoji.repeat(FieldLimits.PAGE_URL / 2);
    JsonObject utm = new JsonObject().put("c", emoji.repeat((FieldLimits.UTM_JSON - 8) / 2));
    await(
        store.createSession(new SessionRecord(id, "hash", null, "es", pageUrl, utm, at, at, 0, 0)));
    SessionRecord session = await(store.findSession(id));
    assertThat(session.pageUrl()).isEqualTo(pageUrl);
    assertThat(session.utm()).isEqualTo(utm);
    StoredMessage m =
        new StoredMessage(
            UUID.randomUUID().toString(),
            id,
            1,
            StoredMessage.ROLE_USER,
            emoji.repeat(FieldLimits.MESSAGE_CONTENT / 2),
            now(),
            emoji.repeat(FieldLimits.CLIENT_MESSAGE_ID / 2),
            MessageStatus.PENDING,
            null,
            null,
            0,
            0);
    await(store.appendUserMessage(m, UNCLAIMED));
    assertThat(await(store.history(id, 0, 1)).get(0)).isEqualTo(m);
    ConsentRecord c =
        new ConsentRecord(
            UUID.randomUUID().toString(),
            id,
            emoji.repeat(FieldLimits.POLICY_VERSION / 2),
            true,
            now(),
            "iphash",
            "é".repeat(FieldLimits.USER_AGENT));
    await(store.recordConsent(c));
    assertThat(await(store.latestConsent(id))).isEqualTo(c);
    String name = "𝐀".repeat(FieldLimits.LEAD_NAME / 2);
    LeadRecord lead =
        new LeadRecord(
            UUID.randomUUID().toString(), id, name, null, null, "webchat", c.id(), now(), now());
    await(store.saveLead(lead, List.of("name")));
    assertThat(await(store.findLead(id)).name()).isEqualTo(name);
  }

  /**
   * A real deadlock between the reply's write and another transaction: the database breaks it by
   * rolling back the reply's write (Postgres: its deadlock check fires first; H2: it is the
   * younger), and the store runs that write again. The turn is counted once.
   */
  @Test
  void a_write_the_database_rolls_back_as_a_deadlock_is_run_again() throws Exception {
    session("s-deadlock");
    StoredMessage question =
        await(store.appendUserMessage(user("s-deadlock", 1, "c-1"), UNCLAIMED));
    try (Connection other = otherConnection();
        Connection watcher = otherConnection()) {
      if (kind() == TestDatabases.Kind.POSTGRES) {
        // The backend whose deadlock check runs first is the victim: make it the reply's write
        // (1 s by default) whatever the load on the machine.
        try (var set = other.createStatement()) {
          set.execute("SET deadlock_timeout = '20s'");
        }
      }
      other.setAutoCommit(false);
      execute(other, "UPDATE messages SET status = status WHERE id = ?", question.id());
      // The reply's write takes the session row first, then waits for the message…
      Future<StoredMessage> written =
          store.appendReply(reply("s-deadlock", 2, question.id()), 15, UNCLAIMED);
      awaitBlockedTransaction(watcher);
      // …and the other transaction asks for the session row: a cycle.
      execute(
          other, "UPDATE webchat_sessions SET turns = turns WHERE session_id = ?", "s-deadlock");
      other.rollback();
      StoredMessage answer = await(written);
      assertThat(await(store.findReply("s-deadlock", question.id()))).isEqualTo(answer);
    }
    assertThat(await(store.findSession("s-deadlock")).turns()).isEqualTo(1);
    assertThat(await(store.findMessageByClientId("s-deadlock", "c-1")).status())
        .isEqualTo(MessageStatus.COMPLETED);
    assertThat(await(store.events("s-deadlock")))
        .extracting(DomainEvent::type)
        .containsOnlyOnce(DomainEvent.MESSAGE_RECEIVED);
  }

  /** A JDBC connection of its own to this test's database. */
  Connection otherConnection() throws Exception {
    Database db = Database.fromConfig(config);
    return db.postgres() != null
        ? DriverManager.getConnection(TestDatabases.jdbc(config.string(ConfigKeys.DB_URL)))
        : DriverManager.getConnection(db.h2Url(), "sa", "");
  }

  private static void execute(Connection c, String sql, String param) throws Exception {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, param);
      s.executeUpdate();
    }
  }

  private void awaitBlockedTransaction(Connection watcher) throws Exception {
    String sql =
        kind() == TestDatabases.Kind.POSTGRES
            ? "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                + "WHERE NOT l.granted AND a.datname = current_database()"
            : "SELECT count(*) FROM information_schema.sessions WHERE blocker_id IS NOT NULL";
    for (int i = 0; i < 200; i++) {
      try (PreparedStatement s = watcher.prepareStatement(sql);
          ResultSet r = s.executeQuery()) {
        r.next();
        if (r.getInt(1) > 0) return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("the reply's write never waited for the other transaction");
  }
}
