package ai.talia.webchat.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * 100 sessions chatting at once on the embedded store, each over its socket with a REST message now
 * and then, giving its lead on the way and withdrawing and granting consent again: every turn gets
 * its reply. H2 once rolled a turn's write back as a deadlock under this load.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentSessionsEmbeddedTest {
  private static final int SESSIONS = 100;
  private static final int TURNS = 8;

  private RunningGateway gateway;
  private Vertx client;
  private WebClient http;
  private WebSocketClient sockets;

  @BeforeAll
  void start() {
    gateway =
        RunningGateway.start(
            TestDatabases.Kind.EMBEDDED,
            c ->
                // A hundred visitors, all from 127.0.0.1: the per-address caps would count them
                // as one client.
                c.with(ConfigKeys.LIMITS_IP_RATE_CAPACITY, 100_000)
                    .with(ConfigKeys.LIMITS_SESSION_RATE_CAPACITY, 1_000)
                    .with(ConfigKeys.STREAM_MAX_SOCKETS_PER_ADDRESS, 0)
                    .with(ConfigKeys.HTTP_MAX_CONNECTIONS_PER_ADDRESS, 0));
    client = Vertx.vertx();
    http =
        WebClient.create(
            client,
            new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gateway.port()),
            new PoolOptions().setHttp1MaxSize(SESSIONS));
    sockets =
        client.createWebSocketClient(
            new WebSocketClientOptions().setMaxConnections(SESSIONS * 2).setConnectTimeout(30_000));
  }

  @AfterAll
  void stop() {
    if (client != null) RunningGateway.await(client.close());
    if (gateway != null) gateway.close();
  }

  @Test
  void a_hundred_sessions_chatting_at_once_each_get_every_reply() {
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    List<Future<Integer>> chats = new ArrayList<>();
    IntStream.range(0, SESSIONS).forEach(i -> chats.add(chat(i, failures)));
    Future<?> all = Future.join(new ArrayList<>(chats));
    RunningGateway.await(all.otherwiseEmpty(), Duration.ofMinutes(4));
    assertThat(failures).as("failed turns").isEmpty();
    assertThat(chats).allSatisfy(f -> assertThat(f.result()).isEqualTo(TURNS));
  }

  private static final String[] SCRIPT = {
    "Hola", "Me llamo Ana Pérez", "¿Qué precio tiene?", "ana.perez@example.com",
    "+34 612 345 678", "¿Y la privacidad?", "gracias", "¿Cómo se integra con mi CRM?"
  };

  /** One visitor: a session, consent, then TURNS turns back to back; the count of replies. */
  private Future<Integer> chat(int index, Queue<String> failures) {
    return http.post("/api/webchat/sessions")
        .sendJsonObject(new JsonObject().put("locale", "es"))
        .compose(
            r -> {
              JsonObject s = r.bodyAsJsonObject();
              String id = s.getString("session_id");
              String token = s.getString("session_token");
              return consent(id, token, true)
                  .compose(v -> sockets.connect(socketOptions()))
                  .compose(ws -> new Visitor(index, id, token, ws, failures).run());
            })
        .onFailure(err -> failures.add("visitor " + index + ": " + err.getMessage()));
  }

  private Future<Void> consent(String id, String token, boolean granted) {
    return http.post("/api/webchat/consent")
        .bearerTokenAuthentication(token)
        .sendJsonObject(
            new JsonObject()
                .put("session_id", id)
                .put("policy_version", "2026-11")
                .put("granted", granted))
        .compose(
            r ->
                r.statusCode() == 201
                    ? Future.succeededFuture()
                    : Future.failedFuture("consent " + r.statusCode() + " " + r.bodyAsString()));
  }

  private WebSocketConnectOptions socketOptions() {
    return new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(gateway.port())
        .setURI("/api/webchat/stream")
        .setTimeout(30_000);
  }

  private final class Visitor {
    private final int index;
    private final String id;
    private final String token;
    private final WebSocket ws;
    private final Queue<String> failures;
    private Promise<Void> ready = Promise.promise();
    private Promise<Void> turn;
    private int replies;

    Visitor(int index, String id, String token, WebSocket ws, Queue<String> failures) {
      this.index = index;
      this.id = id;
      this.token = token;
      this.ws = ws;
      this.failures = failures;
      ws.textMessageHandler(this::onFrame);
    }

    Future<Integer> run() {
      ws.writeTextMessage(
          new JsonObject()
              .put("type", "hello")
              .put("session_id", id)
              .put("session_token", token)
              .encode());
      Future<Void> chain = ready.future();
      for (int t = 0; t < TURNS; t++) {
        int n = t;
        chain = chain.compose(v -> say(n));
      }
      return chain.eventually(ws::close).map(v -> replies);
    }

    private Future<Void> say(int n) {
      String content = SCRIPT[(n + index) % SCRIPT.length];
      if (n == TURNS / 2) {
        // A REST message, with consent withdrawn and granted again around it: more writers at once.
        return consent(id, token, false)
            .compose(v -> consent(id, token, true))
            .compose(
                v ->
                    http.post("/api/webchat/messages")
                        .bearerTokenAuthentication(token)
                        .sendJsonObject(
                            new JsonObject()
                                .put("session_id", id)
                                .put("author", "user")
                                .put("content", content)
                                .put("client_message_id", UUID.randomUUID().toString())))
            .compose(
                r -> {
                  if (r.statusCode() == 200) {
                    replies++;
                    return Future.succeededFuture();
                  }
                  failures.add("visitor " + index + " REST: " + r.bodyAsString());
                  return Future.succeededFuture();
                });
      }
      turn = Promise.promise();
      ws.writeTextMessage(
          new JsonObject()
              .put("type", "message")
              .put("content", content)
              .put("client_message_id", UUID.randomUUID().toString())
              .encode());
      return turn.future();
    }

    private void onFrame(String text) {
      JsonObject frame = new JsonObject(text);
      switch (frame.getString("type")) {
        case "ready" -> ready.tryComplete();
        case "reply.completed" -> {
          if (turn != null && turn.tryComplete()) replies++;
        }
        case "reply.failed", "error" -> {
          failures.add("visitor " + index + ": " + text);
          if (turn != null) turn.tryComplete();
          ready.tryFail(text);
        }
        default -> {}
      }
    }
  }
}
