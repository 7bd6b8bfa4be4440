package ai.talia.webchat.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client of /api/webchat/stream for tests, with blocking reads of the frames it
 * got.
 */
public final class StreamClient implements AutoCloseable {
  private final Vertx vertx;
  private final WebSocket socket;
  private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final List<JsonObject> seen = new ArrayList<>();
  private volatile Short closeCode;

  private StreamClient(Vertx vertx, WebSocket socket) {
    this.vertx = vertx;
    this.socket = socket;
    socket.textMessageHandler(text -> frames.add(new JsonObject(text)));
    socket.closeHandler(
        v -> closeCode = socket.closeStatusCode() == null ? -1 : socket.closeStatusCode());
  }

  public static StreamClient connect(int port, String origin) {
    return connect(port, origin, new WebSocketClientOptions());
  }

  public static StreamClient connect(int port, String origin, WebSocketClientOptions options) {
    return connect(port, origin, options, java.util.Map.of());
  }

  /** With extra upgrade-request headers (say, X-Forwarded-For as a proxy would add it). */
  public static StreamClient connect(
      int port,
      String origin,
      WebSocketClientOptions options,
      java.util.Map<String, String> headers) {
    Vertx vertx = Vertx.vertx();
    WebSocketClient client =
        vertx.createWebSocketClient(
            options.setMaxMessageSize(1024 * 1024).setMaxFrameSize(1024 * 1024));
    WebSocketConnectOptions connect =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/api/webchat/stream")
            .setTimeout(5000);
    if (origin != null) connect.addHeader("Origin", origin);
    headers.forEach(connect::addHeader);
    try {
      // Handlers go on as the connect completes, on its event loop: a frame the server sends
      // right after the upgrade is not lost.
      return RunningGateway.await(client.connect(connect).map(ws -> new StreamClient(vertx, ws)));
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  public StreamClient send(JsonObject frame) {
    RunningGateway.await(socket.writeTextMessage(frame.encode()));
    return this;
  }

  public StreamClient sendText(String text) {
    RunningGateway.await(socket.writeTextMessage(text));
    return this;
  }

  public StreamClient sendBinary(byte[] bytes) {
    RunningGateway.await(socket.writeBinaryMessage(Buffer.buffer(bytes)));
    return this;
  }

  public StreamClient hello(String sessionId, String token, long resumeAfterSeq) {
    return send(
        new JsonObject()
            .put("type", "hello")
            .put("session_id", sessionId)
            .put("session_token", token)
            .put("resume_after_seq", resumeAfterSeq));
  }

  /**
   * Stops reading from the socket: the TCP window fills up, as with a reader too slow to keep up.
   */
  public void pause() {
    socket.pause();
  }

  public void resume() {
    socket.resume();
  }

  /** Every frame read so far with {@link #next()} or {@link #drain()}. */
  public List<JsonObject> seen() {
    return List.copyOf(seen);
  }

  /** The next frame, or an AssertionError after the timeout. */
  public JsonObject next() {
    try {
      JsonObject frame = frames.poll(15, TimeUnit.SECONDS);
      if (frame == null)
        throw new AssertionError(
            "no frame within 15 s; seen: " + seen + "; close code " + closeCode);
      seen.add(frame);
      return frame;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads frames until one matches; returns every frame read, the match last. */
  public List<JsonObject> until(Predicate<JsonObject> match) {
    List<JsonObject> read = new ArrayList<>();
    while (true) {
      JsonObject frame = next();
      read.add(frame);
      if (match.test(frame)) return read;
    }
  }

  public static Predicate<JsonObject> type(String type) {
    return f -> type.equals(f.getString("type"));
  }

  /** Waits for the server to close; returns its close code. */
  public short awaitClose() {
    for (int i = 0; i < 300 && closeCode == null; i++) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    if (closeCode == null) throw new AssertionError("the server did not close the socket");
    return closeCode;
  }

  public boolean isClosed() {
    return closeCode != null;
  }

  public List<JsonObject> drain() {
    List<JsonObject> out = new ArrayList<>();
    frames.drainTo(out);
    seen.addAll(out);
    return out;
  }

  /** Drops the connection without a closing handshake, as a lost network would. */
  public void drop() {
    RunningGateway.await(vertx.close());
  }

  @Override
  public void close() {
    try {
      if (!socket.isClosed()) socket.close();
    } catch (RuntimeException ignored) {
      // already gone
    }
    vertx.close();
  }
}
