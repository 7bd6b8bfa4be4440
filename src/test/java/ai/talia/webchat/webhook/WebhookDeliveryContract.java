package ai.talia.webchat.webhook;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.DuplicateKeyException;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.MessageStatus;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.store.StoredMessage;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import ai.talia.webchat.support.TestSql;
import ai.talia.webchat.support.WebhookReceiver;
import ai.talia.webchat.support.WebhookReceiver.Answer;
import ai.talia.webchat.support.WebhookReceiver.Received;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Webhook delivery end to end, on the embedded store and on Postgres: the real gateway, real HTTP
 * receivers on loopback, signatures checked with the Standard Webhooks reference library.
 */
abstract class WebhookDeliveryContract {
  static final String ADMIN_TOKEN = "admin-test-token-0123456789";
  static final Duration WAIT = Duration.ofSeconds(20);

  private final List<AutoCloseable> open = new ArrayList<>();

  abstract TestDatabases.Kind kind();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
  }

  private WebhookReceiver receiver() {
    WebhookReceiver r = WebhookReceiver.start();
    open.add(r);
    return r;
  }

  private RunningGateway gateway(UnaryOperator<TaliaConfig> config) {
    RunningGateway g =
        RunningGateway.start(
            kind(),
            c ->
                config.apply(
                    c.with(ConfigKeys.ADMIN_TOKEN, ADMIN_TOKEN)
                        .with(ConfigKeys.WEBHOOK_RETRY_BASE_DELAY_MS, 50)
                        .with(ConfigKeys.WEBHOOK_RETRY_MAX_DELAY_MS, 200)
                        // Long: deliveries must start from the committed event's nudge, not a poll.
                        .with(ConfigKeys.WEBHOOK_POLL_INTERVAL_MS, 60_000)));
    open.add(g);
    return g;
  }

  private static UnaryOperator<TaliaConfig> endpoint(
      WebhookReceiver receiver, String secret, String... events) {
    return c ->
        c.with(ConfigKeys.WEBHOOK_URL, receiver.url())
            .with(ConfigKeys.WEBHOOK_SECRET, secret)
            .with(ConfigKeys.WEBHOOK_EVENTS, new JsonArray(List.of((Object[]) events)));
  }

  private static Api.Session landingSession(Api api) {
    return api.landingSession(
        "https://landing.example/precios?ref=ads",
        new JsonObject().put("utm_source", "google").put("utm_campaign", "otono"));
  }

  private static Api.Reply admin(Api api, String method, String path) {
    return api.request(method, path).bearer(ADMIN_TOKEN).send();
  }

  private static JsonObject onlyDelivery(Api api) {
    Api.Reply list = admin(api, "GET", "/api/admin/webhooks/deliveries");
    assertThat(list.status()).as(list.body()).isEqualTo(200);
    JsonArray deliveries = list.json().getJsonArray("deliveries");
    assertThat(deliveries).hasSize(1);
    return deliveries.getJsonObject(0);
  }

  private static JsonObject awaitDelivery(Api api, String status, int attempts) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonObject d = onlyDelivery(api);
    while (!(status.equals(d.getString("status"))
        && d.getJsonArray("attempts").size() == attempts)) {
      if (System.nanoTime() > deadline)
        throw new AssertionError(
            "delivery never became " + status + " after " + attempts + ": " + d);
      sleep(50);
      d = onlyDelivery(api);
    }
    return d;
  }

  @Test
  void the_base_conversation_reaches_the_receiver_in_order_and_signed() throws Exception {
    WebhookReceiver receiver = receiver();
    String secret = WebhookReceiver.newSecret();
    RunningGateway gateway = gateway(endpoint(receiver, secret));
    Api api = new Api(gateway.baseUrl());
    Api.Session s = landingSession(api);
    for (String line :
        List.of(
            "Hola", "Me llamo Ana Pérez", "mi correo es ana.perez@example.com", "+34 612 345 678"))
      assertThat(api.say(s, line).status()).isEqualTo(200);

    List<Received> got = receiver.awaitAccepted(13, WAIT);
    assertThat(got)
        .extracting(Received::type)
        .containsExactly(
            "webchat_started",
            "consent_granted",
            "webchat_message_sent",
            "webchat_message_received",
            "webchat_message_sent",
            "lead_captured",
            "webchat_message_received",
            "webchat_message_sent",
            "lead_captured",
            "webchat_message_received",
            "webchat_message_sent",
            "lead_captured",
            "webchat_message_received");
    // The very events stored, in their order, each sent once.
    List<DomainEvent> stored = await(new StoreClient(gateway.vertx()).events(s.id()));
    assertThat(got)
        .extracting(Received::webhookId)
        .containsExactlyElementsOf(stored.stream().map(DomainEvent::id).toList());
    assertThat(receiver.received()).hasSize(13);

    long now = Instant.now().getEpochSecond();
    for (Received r : got) {
      WebhookReceiver.verify(r, secret);
      assertThatThrownBy(() -> WebhookReceiver.verify(r, WebhookReceiver.newSecret()))
          .isInstanceOf(WebhookVerificationException.class);
      assertThat(r.header("content-type")).startsWith("application/json");
      assertThat(r.header("user-agent")).matches("TalIA-Webchat/\\d+\\.\\d+\\.\\d+.*");
      assertThat(Long.parseLong(r.header("webhook-timestamp"))).isBetween(now - 60, now + 5);
      assertThat(r.header("webhook-signature")).startsWith("v1,");
      JsonObject body = r.json();
      assertThat(body.fieldNames())
          .containsExactlyInAnyOrder("id", "type", "session_id", "occurred_at", "data");
      assertThat(body.getString("id")).isEqualTo(r.webhookId());
      assertThat(body.getString("session_id")).isEqualTo(s.id());
      assertThat(Instant.parse(body.getString("occurred_at"))).isBeforeOrEqualTo(Instant.now());
    }
    // A tampered body no longer verifies.
    Received first = got.get(0);
    Received tampered =
        new Received(
            first.n(),
            first.at(),
            first.path(),
            first.headers(),
            first.body().replace(s.id(), "someone-else"),
            200);
    assertThatThrownBy(() -> WebhookReceiver.verify(tampered, secret))
        .isInstanceOf(WebhookVerificationException.class);

    // lead_captured carries the lead as stored and where it came from: a CRM needs no second call.
    LeadRecord lead = await(new StoreClient(gateway.vertx()).findLead(s.id()));
    JsonObject last = got.get(11).json().getJsonObject("data");
    assertThat(last.getString("lead_id")).isEqualTo(lead.id());
    assertThat(last.getString("name")).isEqualTo("Ana Pérez");
    assertThat(last.getString("email")).isEqualTo("ana.perez@example.com");
    assertThat(last.getString("phone")).isEqualTo("+34612345678");
    assertThat(last.getJsonArray("fields")).containsExactly("phone");
    assertThat(last.getBoolean("complete")).isTrue();
    assertThat(last.getString("consent_id")).isEqualTo(lead.consentId());
    assertThat(last.getString("policy_version")).isEqualTo("2026-11");
    assertThat(last.getString("page_url")).isEqualTo("https://landing.example/precios?ref=ads");
    assertThat(last.getJsonObject("utm"))
        .isEqualTo(new JsonObject().put("utm_source", "google").put("utm_campaign", "otono"));
    assertThat(got.get(5).json().getJsonObject("data").getJsonArray("fields"))
        .containsExactly("name");
  }

  @Test
  void a_receiver_failing_three_times_gets_the_event_accepted_once_with_one_webhook_id() {
    WebhookReceiver receiver = receiver().script((n, r) -> Answer.status(n < 3 ? 500 : 200));
    RunningGateway gateway =
        gateway(endpoint(receiver, WebhookReceiver.newSecret(), "webchat_started"));
    Api api = new Api(gateway.baseUrl());
    Api.Session s = api.newSession("es");

    receiver.awaitAccepted(1, WAIT);
    JsonObject delivery = awaitDelivery(api, "delivered", 4);
    sleep(500); // nothing more comes once it was accepted
    List<Received> all = receiver.received();
    assertThat(all).extracting(Received::status).containsExactly(500, 500, 500, 200);
    assertThat(all).extracting(Received::webhookId).containsOnly(all.get(0).webhookId());
    assertThat(all.get(0).json().getString("session_id")).isEqualTo(s.id());

    assertThat(delivery.getString("endpoint")).isEqualTo("default");
    assertThat(delivery.getString("event_id")).isEqualTo(all.get(0).webhookId());
    assertThat(delivery.getString("event_type")).isEqualTo("webchat_started");
    assertThat(delivery.getInteger("attempt_count")).isEqualTo(4);
    assertThat(delivery.getInteger("last_status_code")).isEqualTo(200);
    assertThat(delivery.getString("delivered_at")).isNotNull();
    JsonArray attempts = delivery.getJsonArray("attempts");
    assertThat(attempts.stream().map(a -> ((JsonObject) a).getInteger("status_code")))
        .containsExactly(500, 500, 500, 200);
    assertThat(attempts.stream().map(a -> ((JsonObject) a).getInteger("attempt")))
        .containsExactly(1, 2, 3, 4);
    assertThat(attempts.getJsonObject(0).getString("next_attempt_at")).isNotNull();
    assertThat(attempts.getJsonObject(3).getString("next_attempt_at")).isNull();

    String metrics = api.get("/metrics").body();
    assertThat(metrics)
        .contains("talia_webhook_deliveries_total{endpoint=\"default\",outcome=\"retrying\"} 3.0")
        .contains("talia_webhook_deliveries_total{endpoint=\"default\",outcome=\"delivered\"} 1.0")
        .contains("talia_webhook_deliveries_total{endpoint=\"default\",outcome=\"failed\"} 0.0")
        .contains("talia_webhook_delivery_latency_seconds_count{endpoint=\"default\"} 1")
        .contains("talia_webhook_attempt_duration_seconds_count{endpoint=\"default\"} 4")
        .contains("talia_webhook_pending{endpoint=\"default\"}")
        .contains("talia_webhook_oldest_pending_seconds{endpoint=\"default\"}");
  }

  @Test
  void a_hanging_receiver_is_timed_out_and_retried_while_another_endpoint_receives_on_time() {
    WebhookReceiver slow =
        receiver()
            .script((n, r) -> n < 3 ? Answer.hang(Duration.ofSeconds(20)) : Answer.status(200));
    WebhookReceiver fast = receiver();
    String secret = WebhookReceiver.newSecret();
    RunningGateway gateway =
        gateway(
            c ->
                c.with(ConfigKeys.WEBHOOK_TIMEOUT_MS, 3000)
                    .with(
                        ConfigKeys.WEBHOOK_ENDPOINTS,
                        new JsonArray()
                            .add(endpointJson("slow", slow, secret))
                            .add(endpointJson("fast", fast, secret))));
    Api api = new Api(gateway.baseUrl());
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 3; i++) sessions.add(api.newSession("es").id());

    // The fast endpoint has every event while the slow one still hangs on its first attempts,
    // each well within the slow one's timeout of its event.
    List<Received> onTime = fast.awaitAccepted(3, Duration.ofSeconds(10));
    assertThat(slow.accepted()).isEmpty();
    // Order is promised per session, not across sessions: their lanes run side by side.
    assertThat(onTime)
        .extracting(r -> r.json().getString("session_id"))
        .containsExactlyInAnyOrderElementsOf(sessions);
    for (Received r : onTime)
      assertThat(Duration.between(Instant.parse(r.json().getString("occurred_at")), r.at()))
          .isLessThan(Duration.ofMillis(1500));

    // The slow one: its three first attempts timed out after three seconds, then all were
    // delivered.
    List<Received> late = slow.awaitAccepted(3, WAIT);
    assertThat(late)
        .extracting(r -> r.json().getString("session_id"))
        .containsExactlyInAnyOrderElementsOf(sessions);
    JsonArray slowDeliveries = deliveries(api, "slow");
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (slowDeliveries.stream()
        .anyMatch(d -> !"delivered".equals(((JsonObject) d).getString("status")))) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("not delivered: " + slowDeliveries);
      sleep(50);
      slowDeliveries = deliveries(api, "slow");
    }
    assertThat(slowDeliveries).hasSize(3);
    List<JsonObject> timedOut = new ArrayList<>();
    for (Object d : slowDeliveries) {
      assertThat(((JsonObject) d).getString("status")).isEqualTo("delivered");
      for (Object a : ((JsonObject) d).getJsonArray("attempts"))
        if ("timeout".equals(((JsonObject) a).getString("error"))) timedOut.add((JsonObject) a);
    }
    assertThat(timedOut).hasSize(3);
    for (JsonObject attempt : timedOut)
      assertThat(attempt.getInteger("duration_ms")).isBetween(2900, 5000);
  }

  private static JsonArray deliveries(Api api, String endpoint) {
    return admin(api, "GET", "/api/admin/webhooks/deliveries?endpoint=" + endpoint)
        .json()
        .getJsonArray("deliveries");
  }

  private static JsonObject endpointJson(String id, WebhookReceiver r, String secret) {
    return new JsonObject()
        .put("id", id)
        .put("url", r.url())
        .put("secret", secret)
        .put("events", new JsonArray().add("webchat_started"));
  }

  @Test
  void retry_after_on_a_429_is_honoured() {
    WebhookReceiver receiver =
        receiver().script((n, r) -> n == 0 ? Answer.retryAfter(429, "2") : Answer.status(200));
    RunningGateway gateway =
        gateway(
            endpoint(receiver, WebhookReceiver.newSecret(), "webchat_started")
                    .andThen(c -> c.with(ConfigKeys.WEBHOOK_RETRY_MAX_DELAY_MS, 10_000))
                ::apply);
    Api api = new Api(gateway.baseUrl());
    api.newSession("es");

    List<Received> all = receiver.await(r -> true, 2, WAIT);
    // The first retry's own delay is 25 to 50 ms: only the receiver's Retry-After explains two
    // seconds.
    assertThat(Duration.between(all.get(0).at(), all.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1900))
        .isLessThan(Duration.ofSeconds(6));
    assertThat(all.get(1).webhookId()).isEqualTo(all.get(0).webhookId());
    assertThat(all.get(1).accepted()).isTrue();
  }

  @Test
  void a_rolled_back_write_produces_no_delivery() {
    WebhookReceiver receiver = receiver();
    RunningGateway gateway = gateway(endpoint(receiver, WebhookReceiver.newSecret()));
    Api api = new Api(gateway.baseUrl());
    Api.Session s = api.consentedSession("es");
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
    receiver.awaitAccepted(4, WAIT);

    // Two writes that fail inside their transaction: a user message whose seq is taken (pipelined
    // on Postgres: the failing insert aborts the rest), a lead whose name its column cannot hold
    // (it fails after the session row was locked and the consent read).
    StoreClient store = new StoreClient(gateway.vertx());
    StoredMessage clash =
        new StoredMessage(
            UUID.randomUUID().toString(),
            s.id(),
            1,
            StoredMessage.ROLE_USER,
            "otra vez",
            Instant.now(),
            UUID.randomUUID().toString(),
            MessageStatus.PENDING,
            null,
            null,
            0,
            0);
    // Written as the session's owner would (under a claim of its own), so only the key refuses it.
    long epoch = await(store.claimSession(s.id(), "interrupted")).epoch();
    assertThatThrownBy(() -> await(store.appendUserMessage(clash, epoch)))
        .isInstanceOf(DuplicateKeyException.class);
    Instant at = Instant.now();
    LeadRecord orphan =
        new LeadRecord(
            UUID.randomUUID().toString(),
            s.id(),
            "Eve".repeat(100),
            null,
            null,
            "webchat",
            "no-such-consent",
            at,
            at);
    assertThatThrownBy(() -> await(store.saveLead(orphan, List.of("name")))).isNotNull();

    // A committed write after them is delivered: the worker is alive and nothing came before it.
    assertThat(api.say(s, "¿Qué precio tiene?").status()).isEqualTo(200);
    List<Received> got = receiver.awaitAccepted(6, WAIT);
    sleep(300);
    assertThat(receiver.received()).hasSize(6);
    assertThat(got)
        .extracting(Received::type)
        .containsExactly(
            "webchat_started",
            "consent_granted",
            "webchat_message_sent",
            "webchat_message_received",
            "webchat_message_sent",
            "webchat_message_received");
    assertThat(got.get(4).json().getJsonObject("data").getLong("seq")).isEqualTo(3);
    assertThat(
            TestSql.count(
                gateway.config(),
                "SELECT COUNT(*) FROM webhook_deliveries d LEFT JOIN events e ON e.id = d.event_id "
                    + "WHERE e.id IS NULL OR e.session_id <> ?",
                s.id()))
        .isZero();
    assertThat(TestSql.count(gateway.config(), "SELECT COUNT(*) FROM webhook_deliveries"))
        .isEqualTo(TestSql.count(gateway.config(), "SELECT COUNT(*) FROM events"))
        .isEqualTo(6);
  }

  @Test
  void a_delivery_given_up_is_failed_and_an_operator_retry_delivers_it() {
    boolean[] healthy = {false};
    WebhookReceiver receiver = receiver().script((n, r) -> Answer.status(healthy[0] ? 200 : 503));
    RunningGateway gateway =
        gateway(
            endpoint(receiver, WebhookReceiver.newSecret(), "webchat_started")
                    .andThen(c -> c.with(ConfigKeys.WEBHOOK_MAX_ATTEMPTS, 3))
                ::apply);
    Api api = new Api(gateway.baseUrl());
    api.newSession("es");

    JsonObject failed = awaitDelivery(api, "failed", 3);
    assertThat(failed.getInteger("last_status_code")).isEqualTo(503);
    assertThat(failed.getString("next_attempt_at")).isNull();
    sleep(400);
    assertThat(receiver.received()).hasSize(3);
    assertThat(api.get("/metrics").body())
        .contains("talia_webhook_deliveries_total{endpoint=\"default\",outcome=\"failed\"} 1.0");
    Api.Reply failedOnly =
        admin(api, "GET", "/api/admin/webhooks/deliveries?status=failed&endpoint=default&limit=10");
    assertThat(failedOnly.json().getJsonArray("deliveries")).hasSize(1);
    assertThat(
            admin(api, "GET", "/api/admin/webhooks/deliveries?status=delivered")
                .json()
                .getJsonArray("deliveries"))
        .isEmpty();

    healthy[0] = true;
    Api.Reply retried =
        admin(api, "POST", "/api/admin/webhooks/deliveries/" + failed.getString("id") + "/retry");
    assertThat(retried.status()).as(retried.body()).isEqualTo(202);
    assertThat(retried.json().getString("status")).isEqualTo("pending");
    // The retry wakes this node's worker: no waiting for the (one-minute) poll.
    receiver.awaitAccepted(1, Duration.ofSeconds(5));
    JsonObject delivered = awaitDelivery(api, "delivered", 4);
    assertThat(delivered.getInteger("attempt_count")).isEqualTo(1);
    assertThat(receiver.received())
        .extracting(Received::webhookId)
        .containsOnly(failed.getString("event_id"));

    Api.Reply unknown =
        admin(api, "POST", "/api/admin/webhooks/deliveries/" + UUID.randomUUID() + "/retry");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getString("code")).isEqualTo("not_found");
    Api.Reply bad = admin(api, "GET", "/api/admin/webhooks/deliveries?status=lost&limit=0");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.json().getString("code")).isEqualTo("validation_failed");
    assertThat(bad.json().getJsonArray("errors").size()).isEqualTo(2);
  }

  @Test
  void a_turn_takes_as_long_with_a_dead_endpoint_as_with_none() {
    // Dead: it takes the connection and never answers, so every attempt waits out its timeout.
    WebhookReceiver dead = receiver().script((n, r) -> Answer.hang(Duration.ofSeconds(30)));
    RunningGateway without = gateway(c -> c);
    RunningGateway with =
        gateway(
            endpoint(dead, WebhookReceiver.newSecret())
                    .andThen(c -> c.with(ConfigKeys.WEBHOOK_TIMEOUT_MS, 500))
                ::apply);
    Api a = new Api(without.baseUrl());
    Api b = new Api(with.baseUrl());
    Api.Session sa = a.consentedSession("es");
    Api.Session sb = b.consentedSession("es");
    for (int i = 0; i < 10; i++) { // warm-up
      a.say(sa, "Hola");
      b.say(sb, "Hola");
    }
    List<Long> ta = new ArrayList<>();
    List<Long> tb = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ta.add(timed(() -> a.say(sa, "¿Qué precio tiene?")));
      tb.add(timed(() -> b.say(sb, "¿Qué precio tiene?")));
    }
    assertThat(dead.arrivals()).as("the dead endpoint was being tried").isPositive();
    double ma = median(ta);
    double mb = median(tb);
    assertThat(mb / ma)
        .as("median turn with a dead endpoint %.1f ms, without %.1f ms", mb / 1e6, ma / 1e6)
        .isLessThan(2.0);
  }

  @Test
  void delivered_rows_past_their_retention_are_purged_and_the_others_kept() {
    WebhookReceiver receiver =
        receiver().script((n, r) -> Answer.status("webchat_started".equals(r.type()) ? 200 : 500));
    RunningGateway gateway =
        gateway(
            endpoint(receiver, WebhookReceiver.newSecret())
                    .andThen(
                        c ->
                            c.with(ConfigKeys.WEBHOOK_RETENTION_HOURS, 1)
                                .with(ConfigKeys.WEBHOOK_MAX_ATTEMPTS, 1))
                ::apply);
    Api api = new Api(gateway.baseUrl());
    api.consentedSession("es");
    receiver.await(r -> true, 2, WAIT);
    sleep(300);
    TaliaConfig db = gateway.config();
    assertThat(
            TestSql.count(db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'"))
        .isEqualTo(1);
    assertThat(TestSql.count(db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed'"))
        .isEqualTo(1);
    TestSql.update(
        db,
        "UPDATE webhook_deliveries SET delivered_at = ?, created_at = ? WHERE status = 'delivered'",
        OffsetDateTime.now(ZoneOffset.UTC).minusHours(2),
        OffsetDateTime.now(ZoneOffset.UTC).minusHours(2));
    TestSql.update(
        db,
        "UPDATE webhook_deliveries SET created_at = ? WHERE status = 'failed'",
        OffsetDateTime.now(ZoneOffset.UTC).minusHours(2));

    gateway.restart(); // the purge runs at start, then hourly
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (TestSql.count(db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'")
        > 0) {
      if (System.nanoTime() > deadline) throw new AssertionError("not purged");
      sleep(50);
    }
    assertThat(TestSql.count(db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed'"))
        .isEqualTo(1);
    assertThat(
            TestSql.count(
                db,
                "SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"))
        .isEqualTo(TestSql.count(db, "SELECT COUNT(*) FROM webhook_attempts"))
        .isEqualTo(1);
    assertThat(TestSql.count(db, "SELECT COUNT(*) FROM events")).isEqualTo(2);
    assertThat(new Api(gateway.baseUrl()).get("/metrics").body())
        .contains("talia_webhook_purged_total 1.0");
  }

  private static long timed(Runnable call) {
    long t0 = System.nanoTime();
    call.run();
    return System.nanoTime() - t0;
  }

  private static double median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Long::compare);
    return sorted.get(sorted.size() / 2);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
