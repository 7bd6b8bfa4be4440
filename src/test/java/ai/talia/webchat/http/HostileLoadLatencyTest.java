package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One address sends 4,000-character messages built to be the worst input of pattern matchers, as
 * fast as the per-IP limit lets it, over consented sessions; meanwhile another visitor chats. Its
 * median latency stays within twice what it is with no hostile traffic, measured in the same run
 * before and after the load (the machine's cores are shared, so only a ratio means anything).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileLoadLatencyTest {
  private static final String HOSTILE_IP = "203.0.113.66";
  private static final String VISITOR_IP = "198.51.100.7";
  private static final int HOSTILE_SESSIONS = 8;
  private static final int SAMPLES = 10;
  private static final int WINDOWS = 4;
  private static final int CONTENT_MAX = 4000;

  private RunningGateway gateway;
  private Api api;

  /**
   * The load comes from a Vert.x client in its own instance: cheap and non-blocking, so the
   * driver's own CPU does not weigh on the figures (the JDK client starts a thread per request on a
   * 2-core machine).
   */
  private Vertx client;

  private WebClient http;

  @BeforeAll
  void start() {
    // X-Forwarded-For from loopback is believed, so the test can be two addresses with their own
    // per-IP buckets; every other limit is the shipped default.
    gateway =
        RunningGateway.start(
            TestDatabases.Kind.EMBEDDED,
            c -> c.with(ConfigKeys.HTTP_TRUSTED_PROXIES, new JsonArray().add("127.0.0.1")));
    api = new Api(gateway.baseUrl());
    client = Vertx.vertx();
    http =
        WebClient.create(
            client,
            new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gateway.port()),
            new PoolOptions().setHttp1MaxSize(32));
  }

  @AfterAll
  void stop() {
    RunningGateway.await(client.close());
    gateway.close();
  }

  @Test
  void another_visitors_latency_stays_within_twice_idle_while_hostile_long_messages_arrive()
      throws Exception {
    int perMinute = gateway.config().integer(ConfigKeys.LIMITS_IP_RATE_PER_MINUTE);
    long periodMs = 60_000L / perMinute;
    List<Api.Session> hostile = hostileSessions();

    // Warm up both paths until the JIT has compiled them (it shares the cores with everything).
    measure(consentedSession(VISITOR_IP), SAMPLES);
    Hostile warmUp = new Hostile(hostile, periodMs);
    warmUp.runFor(Duration.ofSeconds(4));
    warmUp.awaitAnswers();
    measure(consentedSession(VISITOR_IP), SAMPLES);

    // Idle and loaded windows alternate, so whatever else the machine does falls on both.
    List<Long> idle = new ArrayList<>(measure(consentedSession(VISITOR_IP), SAMPLES));
    List<Long> underLoad = new ArrayList<>();
    List<Hostile> loads = new ArrayList<>();
    for (int window = 0; window < WINDOWS; window++) {
      Api.Session visitor = consentedSession(VISITOR_IP);
      Hostile load = new Hostile(hostile, periodMs);
      loads.add(load);
      load.start();
      Thread.sleep(1_000); // the load is steady before the visitor is measured
      underLoad.addAll(measure(visitor, SAMPLES, Duration.ofSeconds(5)));
      load.stop();
      load.awaitAnswers();
      Thread.sleep(1_000); // what the load left queued is done
      idle.addAll(measure(consentedSession(VISITOR_IP), SAMPLES));
    }

    double idleMs = median(idle) / 1e6;
    double loadMs = median(underLoad) / 1e6;
    System.out.printf(
        "visitor latency: idle median %.1f ms %s, under hostile load median %.1f ms %s%n",
        idleMs, millis(idle), loadMs, millis(underLoad));
    assertThat(loadMs)
        .as(
            "median latency under hostile load %.1f ms vs idle %.1f ms (idle %s, load %s)",
            loadMs, idleMs, millis(idle), millis(underLoad))
        .isLessThanOrEqualTo(2 * idleMs);
    for (Hostile load : loads) {
      assertThat(load.sent.get())
          .as("hostile messages sent at the per-IP rate")
          .isGreaterThanOrEqualTo((int) (2_000 / periodMs));
      assertThat(load.accepted.get())
          .as("hostile messages accepted")
          .isGreaterThanOrEqualTo((int) (load.sent.get() * 0.9));
    }
  }

  /** Consented sessions of the hostile address, enough that no session limit slows it down. */
  private List<Api.Session> hostileSessions() {
    List<Api.Session> sessions = new ArrayList<>();
    for (int i = 0; i < HOSTILE_SESSIONS; i++) sessions.add(consentedSession(HOSTILE_IP));
    return sessions;
  }

  private Api.Session consentedSession(String ip) {
    return api.consentedSession(new JsonObject().put("locale", "es"), "X-Forwarded-For", ip);
  }

  private List<Long> measure(Api.Session visitor, int samples) throws InterruptedException {
    return measure(visitor, samples, Duration.ofSeconds(30));
  }

  /**
   * The visitor's turns one after another, each the time until its reply is in the answer; no more
   * are started once {@code budget} has passed.
   */
  private List<Long> measure(Api.Session visitor, int samples, Duration budget)
      throws InterruptedException {
    List<Long> nanos = new ArrayList<>();
    long deadline = System.nanoTime() + budget.toNanos();
    for (int i = 0; i < samples && System.nanoTime() < deadline; i++) {
      long start = System.nanoTime();
      HttpResponse<Buffer> reply =
          RunningGateway.await(
              post(visitor, VISITOR_IP, message(visitor, "¿Qué precio tiene?"), false).map(r -> r));
      nanos.add(System.nanoTime() - start);
      assertThat(reply.statusCode()).as(reply.bodyAsString()).isEqualTo(200);
      Thread.sleep(100);
    }
    return nanos;
  }

  private Future<HttpResponse<Buffer>> post(
      Api.Session s, String ip, JsonObject body, boolean async) {
    var request =
        http.post("/api/webchat/messages")
            .putHeader("X-Forwarded-For", ip)
            .bearerTokenAuthentication(s.token());
    if (async) request.putHeader("Prefer", "respond-async");
    return request.sendJsonObject(body);
  }

  private static JsonObject message(Api.Session s, String content) {
    return new JsonObject()
        .put("session_id", s.id())
        .put("author", "user")
        .put("content", content)
        .put("client_message_id", UUID.randomUUID().toString());
  }

  /** The worst inputs of email, phone and punctuation patterns, at the content limit. */
  private static String hostileText(int n) {
    String filler =
        switch (n % 4) {
          case 0 -> "z";
          case 1 -> "1";
          case 2 -> ".";
          default -> "é";
        };
    String body = filler.repeat(CONTENT_MAX - 12);
    return "a" + body + String.format("%010d", n) + "a";
  }

  /** Messages from the hostile address at one per period, round robin over its sessions. */
  private final class Hostile {
    private final List<Api.Session> sessions;
    private final long periodMs;
    private final List<Future<?>> answers = new ArrayList<>();
    private long timer = -1;
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger accepted = new AtomicInteger();

    Hostile(List<Api.Session> sessions, long periodMs) {
      this.sessions = sessions;
      this.periodMs = periodMs;
    }

    void start() {
      timer = client.setPeriodic(0, periodMs, id -> sendOne());
    }

    void runFor(Duration duration) throws InterruptedException {
      start();
      Thread.sleep(duration.toMillis());
      stop();
    }

    void stop() {
      client.cancelTimer(timer);
    }

    /** Runs on the client's event loop. */
    private void sendOne() {
      int n = sent.getAndIncrement();
      Api.Session s = sessions.get(n % sessions.size());
      Future<?> answer =
          post(s, HOSTILE_IP, message(s, hostileText(n)), true)
              .onSuccess(
                  r -> {
                    if (r.statusCode() == 202) accepted.incrementAndGet();
                  });
      synchronized (answers) {
        answers.add(answer);
      }
    }

    void awaitAnswers() {
      List<Future<?>> all;
      synchronized (answers) {
        all = new ArrayList<>(answers);
      }
      RunningGateway.await(Future.join(all).otherwiseEmpty(), Duration.ofSeconds(60));
    }
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  private static List<Long> millis(List<Long> nanos) {
    return nanos.stream().map(n -> n / 1_000_000).toList();
  }
}
