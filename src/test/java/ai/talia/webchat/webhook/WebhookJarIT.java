package ai.talia.webchat.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.JarProcess;
import ai.talia.webchat.support.TestDatabases;
import ai.talia.webchat.support.WebhookReceiver;
import ai.talia.webchat.support.WebhookReceiver.Answer;
import ai.talia.webchat.support.WebhookReceiver.Received;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks from the packaged jar as real processes: deliveries pending when the gateway is killed
 * are sent after its restart, two processes on one Postgres send each event once, a malformed
 * secret stops the start.
 */
class WebhookJarIT {
  private static final List<String> LINES =
      List.of(
          "Hola", "Me llamo Ana Pérez", "mi correo es ana.perez@example.com", "+34 612 345 678");
  private static final List<String> TYPES =
      List.of(
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

  /** Short lease and poll so that a test waits seconds, not the production minute. */
  private static void tuning(Path workDir) throws Exception {
    Files.createDirectories(workDir.resolve("conf"));
    Files.writeString(
        workDir.resolve("conf/talia.json"),
        "{\"webhooks\": {\"claimLeaseMs\": 4000, \"pollIntervalMs\": 200,"
            + " \"retryBaseDelayMs\": 100, \"retryMaxDelayMs\": 500}}");
  }

  private static Map<String, String> env(WebhookReceiver receiver, String secret, String dbUrl) {
    Map<String, String> env = new HashMap<>();
    env.put("TALIA_WEBHOOK_URL", receiver.url());
    env.put("TALIA_WEBHOOK_SECRET", secret);
    env.put("TALIA_WEBHOOK_TIMEOUT_MS", "2000");
    if (dbUrl != null) env.put("TALIA_DB_URL", dbUrl);
    return env;
  }

  private static String chat(JarProcess jar) {
    Api api = new Api(jar.baseUrl());
    Api.Session s = api.consentedSession("es");
    for (String line : LINES) assertThat(api.say(s, line).status()).isEqualTo(200);
    return s.id();
  }

  @Test
  void deliveries_pending_when_the_embedded_gateway_is_killed_are_sent_after_restart(
      @TempDir Path workDir) throws Exception {
    killedWithDeliveriesPending(workDir, null);
  }

  @Test
  void deliveries_pending_when_the_postgres_gateway_is_killed_are_sent_after_restart(
      @TempDir Path workDir) throws Exception {
    killedWithDeliveriesPending(workDir, TestDatabases.freshPostgres());
  }

  private void killedWithDeliveriesPending(Path workDir, String dbUrl) throws Exception {
    tuning(workDir);
    String secret = WebhookReceiver.newSecret();
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      // The receiver takes each request and never answers: the first event stays in flight under
      // its lease, the session's others wait behind it.
      receiver.script((n, r) -> Answer.hang(Duration.ofSeconds(60)));
      String session;
      String first;
      try (JarProcess jar = JarProcess.start(workDir, env(receiver, secret, dbUrl))) {
        session = chat(jar);
        first = receiver.await(r -> true, 1, Duration.ofSeconds(20)).get(0).webhookId();
        jar.kill();
        assertThat(jar.output())
            .doesNotContain(secret.substring(6))
            .doesNotContain(receiver.path());
      }
      assertThat(receiver.accepted()).isEmpty();

      receiver.script((n, r) -> Answer.status(200));
      try (JarProcess again = JarProcess.start(workDir, env(receiver, secret, dbUrl))) {
        List<Received> got = receiver.awaitAccepted(13, Duration.ofSeconds(60));
        assertThat(got).extracting(Received::type).containsExactlyElementsOf(TYPES);
        assertThat(got)
            .allSatisfy(r -> assertThat(r.json().getString("session_id")).isEqualTo(session));
        // The one in flight at the kill is sent again once its lease ran out, with the same id.
        assertThat(got.get(0).webhookId()).isEqualTo(first);
        assertThat(got.stream().map(Received::webhookId).distinct()).hasSize(13);
        for (Received r : got) WebhookReceiver.verify(r, secret);
        Thread.sleep(500);
        assertThat(receiver.accepted()).hasSize(13);
        String out = again.output();
        assertThat(out)
            .doesNotContain(secret.substring(6))
            .doesNotContain(receiver.path())
            .doesNotContain("ana.perez@example.com")
            .doesNotContain("612345678")
            .doesNotContain("612 345 678");
        again.terminate();
      }
    }
  }

  @Test
  void two_processes_on_one_postgres_database_send_each_event_once(
      @TempDir Path dirA, @TempDir Path dirB) throws Exception {
    tuning(dirA);
    tuning(dirB);
    String db = TestDatabases.freshPostgres();
    String secret = WebhookReceiver.newSecret();
    int sessionsPerProcess = 3;
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      // A receiver slow enough that rows wait, and both processes go for them.
      receiver.script((n, r) -> Answer.after(Duration.ofMillis(60), 200));
      try (JarProcess a = JarProcess.start(dirA, env(receiver, secret, db));
          JarProcess b = JarProcess.start(dirB, env(receiver, secret, db))) {
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < sessionsPerProcess; i++) {
          sessions.add(chat(a));
          sessions.add(chat(b));
        }
        int expected = TYPES.size() * sessions.size();
        receiver.awaitAccepted(expected, Duration.ofSeconds(90));
        Thread.sleep(1000);
        List<Received> all = receiver.received();
        assertThat(all).hasSize(expected);
        assertThat(all.stream().map(Received::webhookId).distinct()).hasSize(expected);
        Map<String, List<String>> bySession = new LinkedHashMap<>();
        for (Received r : all)
          bySession
              .computeIfAbsent(r.json().getString("session_id"), k -> new ArrayList<>())
              .add(r.type());
        assertThat(bySession.keySet()).containsExactlyInAnyOrderElementsOf(sessions);
        bySession.values().forEach(types -> assertThat(types).containsExactlyElementsOf(TYPES));
        long byA = delivered(a);
        long byB = delivered(b);
        assertThat(byA + byB).isEqualTo(expected);
        assertThat(byA).isPositive();
        assertThat(byB).isPositive();
      }
    }
  }

  private static long delivered(JarProcess jar) {
    String metrics = new Api(jar.baseUrl()).get("/metrics").body();
    Matcher m =
        Pattern.compile(
                "talia_webhook_deliveries_total\\{endpoint=\"default\",outcome=\"delivered\"} ([0-9.]+)")
            .matcher(metrics);
    assertThat(m.find()).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  @Test
  void a_malformed_secret_stops_the_start_with_one_message_that_does_not_show_it(
      @TempDir Path workDir) {
    String secret = "whsec_c2hvcnQ=";
    assertThatThrownBy(
            () ->
                JarProcess.start(
                    workDir,
                    Map.of(
                        "TALIA_WEBHOOK_URL",
                        "https://crm.example/hooks/abc",
                        "TALIA_WEBHOOK_SECRET",
                        secret)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the jar exited")
        .hasMessageContaining(
            "TalIA webchat gateway failed to start: TALIA_WEBHOOK_SECRET must encode 24 to 64 bytes")
        .hasMessageNotContaining("c2hvcnQ")
        .hasMessageNotContaining("/hooks/abc");
  }
}
