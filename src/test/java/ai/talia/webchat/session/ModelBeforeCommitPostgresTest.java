package ai.talia.webchat.session;

import static ai.talia.webchat.support.RunningGateway.await;
import static ai.talia.webchat.support.StreamClient.type;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.fakeopenai.FakeOpenAiServer;
import ai.talia.webchat.fakeopenai.FakeReply;
import ai.talia.webchat.fakeopenai.StreamTiming;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.StreamClient;
import ai.talia.webchat.support.TestDatabases;
import ai.talia.webchat.support.TestSql;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A turn's model request goes out while its user message's insert is in flight (README §
 * Performance), on real Postgres against the fake model: the insert is held back by a lock another
 * connection takes on {@code messages}, so each order of completion happens for sure. Whatever the
 * order, the socket sees the frames of a turn as it always did (the message, typing, the deltas in
 * order, the completed reply) and nothing of the reply before the commit; a failed insert calls the
 * model request off and leaves no reply, shown or stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelBeforeCommitPostgresTest {
  private static final String REPLY = "Hola, soy TalIA. ¿En qué te ayudo?";

  private Vertx fakeVertx;
  private FakeOpenAiServer fake;
  private RunningGateway gateway;
  private Api api;

  /** Each model call's timing, by the visitor's text it answers. */
  private final Map<String, StreamTiming> calls = new ConcurrentHashMap<>();

  /** How long the fake waits before its first delta. */
  private volatile long firstTokenMs;

  @BeforeAll
  void startFake() {
    fakeVertx = Vertx.vertx();
    fake = await(FakeOpenAiServer.start(fakeVertx));
  }

  @AfterAll
  void stopFake() {
    await(fake.close());
    await(fakeVertx.close());
  }

  @BeforeEach
  void startGateway() {
    fake.reset();
    calls.clear();
    fake.model(
        request -> {
          StreamTiming timing = new StreamTiming();
          calls.put(String.valueOf(request.userText()), timing);
          return FakeReply.text(REPLY, 4).firstTokenDelay(firstTokenMs).timing(timing);
        });
    gateway =
        RunningGateway.start(
            TestDatabases.Kind.POSTGRES,
            c ->
                c.with(ConfigKeys.ENGINE_NAME, "openai")
                    .with(ConfigKeys.OPENAI_API_KEY, fake.apiKey())
                    .with(ConfigKeys.OPENAI_BASE_URL, fake.baseUrl()));
    api = new Api(gateway.baseUrl());
  }

  @AfterEach
  void stopGateway() {
    if (gateway != null) gateway.close();
    gateway = null;
  }

  @Test
  void the_insert_commits_before_the_first_delta() throws Exception {
    firstTokenMs = 1_500;
    try (StreamClient socket = chatting()) {
      String text = "primero " + UUID.randomUUID();
      try (Connection lock = lockMessages()) {
        socket.send(message(text));
        // The model was asked while the visitor's message could not be stored yet.
        awaitTrue(() -> calls.containsKey(text), "the model request before the commit");
        assertThat(socket.drain()).as("nothing shown before the commit").isEmpty();
        assertThat(storedRows(text)).isZero();
        lock.commit();
      }
      List<JsonObject> frames = new ArrayList<>();
      frames.add(socket.next());
      assertThat(calls.get(text).toFirstDelta())
          .as("the message was stored before the model's first delta")
          .isLessThan(0);
      frames.addAll(socket.until(type("reply.completed")));
      assertTurnAsAlways(frames, text);
    }
  }

  @Test
  void deltas_that_come_before_the_commit_are_held_and_then_shown_in_order() throws Exception {
    firstTokenMs = 0;
    try (StreamClient socket = chatting()) {
      String text = "segundo " + UUID.randomUUID();
      try (Connection lock = lockMessages()) {
        socket.send(message(text));
        awaitTrue(
            () -> calls.containsKey(text) && calls.get(text).toEnd() > 0,
            "the model's whole reply before the commit");
        Thread.sleep(200);
        assertThat(socket.drain()).as("nothing shown before the commit").isEmpty();
        assertThat(storedRows(text)).isZero();
        assertThat(storedRows(REPLY)).as("no reply stored before the commit").isEqualTo(1);
        lock.commit();
      }
      assertTurnAsAlways(socket.until(type("reply.completed")), text);
    }
  }

  @Test
  void a_failed_insert_calls_the_model_off_and_nothing_of_the_reply_is_shown_or_stored()
      throws Exception {
    firstTokenMs = 5_000;
    try (StreamClient socket = chatting()) {
      String text = "tercero " + UUID.randomUUID();
      try (Connection lock = lockMessages()) {
        socket.send(message(text));
        awaitTrue(() -> calls.containsKey(text), "the model request before the commit");
        // The model's request can reach it before the insert reaches the lock.
        awaitTrue(
            () ->
                TestSql.count(
                        gateway.config(),
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            + " AND wait_event_type = 'Lock'")
                    > 0,
            "the insert waiting on the lock");
        // The gateway's connection waiting on the lock is cut: its insert fails.
        try (Statement st = lock.createStatement()) {
          st.execute(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  + "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                  + "AND wait_event_type = 'Lock'");
        }
        List<JsonObject> frames = socket.until(type("error"));
        assertThat(frames).as("only the error").hasSize(1);
        // What a failed store write gives a visitor today, with or without the early model call.
        assertThat(frames.get(0).getString("code")).isEqualTo("assistant_unavailable");
        lock.rollback();
      }
      StreamTiming call = calls.get(text);
      awaitTrue(call::closedByClientBeforeEnd, "the model request closed by the gateway");
      assertThat(call.toFirstDelta()).isLessThan(0);
      // Nothing more comes of that turn: the next frame answers a ping.
      socket.send(new JsonObject().put("type", "ping"));
      assertThat(socket.until(type("pong"))).hasSize(1);
      assertThat(storedRows(text)).isZero();
      assertThat(storedRows(REPLY)).as("only the first turn's reply").isEqualTo(1);
      // The session goes on.
      String next = "cuarto " + UUID.randomUUID();
      firstTokenMs = 0;
      socket.send(message(next));
      assertTurnAsAlways(socket.until(type("reply.completed")), next);
    }
  }

  /**
   * A consented session with its socket ready and one turn done (its conversation exists upstream,
   * so a held turn makes one model call).
   */
  private StreamClient chatting() {
    Api.Session s = api.consentedSession("es");
    StreamClient socket = StreamClient.connect(gateway.port(), "https://landing.example");
    socket.hello(s.id(), s.token(), 0);
    assertThat(socket.next().getString("type")).isEqualTo("ready");
    long fast = firstTokenMs;
    firstTokenMs = 0;
    socket.send(message("hola"));
    socket.until(type("reply.completed"));
    firstTokenMs = fast;
    return socket;
  }

  /** The frames of one turn, in the order they always come. */
  private static void assertTurnAsAlways(List<JsonObject> frames, String text) {
    assertThat(frames.stream().map(f -> f.getString("type")).toList())
        .containsExactly(
            "message",
            "typing",
            "reply.delta",
            "reply.delta",
            "reply.delta",
            "reply.delta",
            "typing",
            "reply.completed");
    assertThat(frames.get(0).getJsonObject("message").getString("content")).isEqualTo(text);
    assertThat(frames.get(1).getBoolean("on")).isTrue();
    assertThat(frames.get(6).getBoolean("on")).isFalse();
    JsonObject reply = frames.get(7).getJsonObject("message");
    StringBuilder streamed = new StringBuilder();
    frames.stream()
        .filter(type("reply.delta"))
        .forEach(
            f -> {
              assertThat(f.getString("reply_id")).isEqualTo(reply.getString("id"));
              streamed.append(f.getString("delta"));
            });
    assertThat(streamed.toString()).isEqualTo(REPLY).isEqualTo(reply.getString("content"));
    assertThat(reply.getLong("seq"))
        .isEqualTo(frames.get(0).getJsonObject("message").getLong("seq") + 1);
  }

  private static JsonObject message(String text) {
    return new JsonObject()
        .put("type", "message")
        .put("content", text)
        .put("client_message_id", UUID.randomUUID().toString());
  }

  /** A transaction holding a lock that makes every insert into messages wait. */
  private Connection lockMessages() throws Exception {
    Connection c = DriverManager.getConnection(TestSql.jdbcUrl(gateway.config()));
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("LOCK TABLE messages IN SHARE MODE");
    }
    return c;
  }

  private long storedRows(String content) {
    return TestSql.count(
        gateway.config(), "SELECT count(*) FROM messages WHERE content = ?", content);
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws Exception {
    for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) Thread.sleep(25);
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }
}
