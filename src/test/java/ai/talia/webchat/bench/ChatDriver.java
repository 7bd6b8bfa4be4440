package ai.talia.webchat.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.UUID;

/** Drives visitors against a gateway without blocking: sessions over REST, chats over WebSocket. */
final class ChatDriver {
  private final WebClient http;
  private final WebSocketClient sockets;
  private final int port;
  private final String policyVersion;

  ChatDriver(Vertx vertx, int port, String policyVersion) {
    this.port = port;
    this.policyVersion = policyVersion;
    this.http =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(port)
                .setKeepAlive(true));
    this.sockets =
        vertx.createWebSocketClient(
            new WebSocketClientOptions()
                .setMaxConnections(100_000)
                .setConnectTimeout(30_000)
                .setMaxMessageSize(1 << 20));
  }

  record Visitor(String sessionId, String token) {}

  /** A session with consent granted. */
  Future<Visitor> visitor() {
    return http.post("/api/webchat/sessions")
        .sendJsonObject(new JsonObject().put("locale", "es"))
        .compose(
            r -> {
              if (r.statusCode() != 201)
                return Future.failedFuture("session: " + r.statusCode() + " " + r.bodyAsString());
              JsonObject body = r.bodyAsJsonObject();
              Visitor v =
                  new Visitor(body.getString("session_id"), body.getString("session_token"));
              return http.post("/api/webchat/consent")
                  .bearerTokenAuthentication(v.token())
                  .sendJsonObject(
                      new JsonObject()
                          .put("session_id", v.sessionId())
                          .put("policy_version", policyVersion)
                          .put("granted", true))
                  .compose(
                      c ->
                          c.statusCode() == 201
                              ? Future.succeededFuture(v)
                              : Future.failedFuture(
                                  "consent: " + c.statusCode() + " " + c.bodyAsString()));
            });
  }

  /** One REST turn; completes with its duration in nanoseconds. */
  Future<Long> restTurn(Visitor v, String content) {
    long start = System.nanoTime();
    return http.post("/api/webchat/messages")
        .bearerTokenAuthentication(v.token())
        .sendJsonObject(
            new JsonObject()
                .put("session_id", v.sessionId())
                .put("author", "user")
                .put("content", content)
                .put("client_message_id", UUID.randomUUID().toString()))
        .compose(
            r ->
                r.statusCode() == 200
                    ? Future.succeededFuture(System.nanoTime() - start)
                    : Future.failedFuture("turn: " + r.statusCode() + " " + r.bodyAsString()));
  }

  Future<ChatSocket> connect(Visitor v) {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/api/webchat/stream")
            .setTimeout(30_000);
    return sockets
        .connect(options)
        .compose(
            ws -> {
              ChatSocket socket = new ChatSocket(ws);
              return socket.hello(v).map(socket);
            });
  }

  Future<Void> close() {
    http.close();
    return sockets.close();
  }

  /** Timings of one socket turn, in nanoseconds from the send. */
  /**
   * One turn's times, in nanoseconds after {@code sentAt} (its {@link System#nanoTime()} when the
   * message went out).
   */
  record Timing(long firstDelta, long completed, long sentAt) {}

  static final class ChatSocket {
    private final WebSocket ws;
    private Promise<Void> ready;
    private Promise<Timing> turn;
    private long sentAt;
    private long firstDeltaAt;

    ChatSocket(WebSocket ws) {
      this.ws = ws;
      ws.textMessageHandler(this::onFrame);
      ws.closeHandler(
          v -> {
            if (turn != null) turn.tryFail("socket closed: " + ws.closeStatusCode());
            if (ready != null) ready.tryFail("socket closed: " + ws.closeStatusCode());
          });
    }

    Future<Void> hello(Visitor v) {
      ready = Promise.promise();
      ws.writeTextMessage(
          new JsonObject()
              .put("type", "hello")
              .put("session_id", v.sessionId())
              .put("session_token", v.token())
              .put("resume_after_seq", 0)
              .encode());
      return ready.future().timeout(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    Future<Timing> say(String content) {
      turn = Promise.promise();
      firstDeltaAt = 0;
      sentAt = System.nanoTime();
      ws.writeTextMessage(
          new JsonObject()
              .put("type", "message")
              .put("content", content)
              .put("client_message_id", UUID.randomUUID().toString())
              .encode());
      return turn.future();
    }

    private void onFrame(String text) {
      long now = System.nanoTime();
      // Cheap type sniffing: parsing every delta as JSON would make the driver the bottleneck.
      if (text.startsWith("{\"type\":\"reply.delta\"")) {
        if (firstDeltaAt == 0) firstDeltaAt = now;
      } else if (text.startsWith("{\"type\":\"reply.completed\"")) {
        if (turn != null)
          turn.tryComplete(
              new Timing(
                  firstDeltaAt == 0 ? now - sentAt : firstDeltaAt - sentAt, now - sentAt, sentAt));
      } else if (text.startsWith("{\"type\":\"ready\"")) {
        ready.tryComplete();
      } else if (text.startsWith("{\"type\":\"error\"")
          || text.startsWith("{\"type\":\"reply.failed\"")) {
        if (turn != null) turn.tryFail(text);
        if (ready != null) ready.tryFail(text);
      }
    }

    Future<Void> close() {
      return ws.close();
    }
  }
}
