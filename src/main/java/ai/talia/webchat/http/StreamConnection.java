package ai.talia.webchat.http;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.session.PublishedFrame;
import ai.talia.webchat.session.ServerFrame;
import ai.talia.webchat.session.SessionCommand;
import ai.talia.webchat.session.SessionCommands;
import ai.talia.webchat.session.SessionFrames;
import ai.talia.webchat.session.SessionGateway;
import ai.talia.webchat.session.SessionReply;
import ai.talia.webchat.store.StoredMessage;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One socket of {@code /api/webchat/stream} (SPEC §4). After a {@code hello} with the session token
 * it subscribes to the session's frames, replays every stored message after {@code
 * resume_after_seq}, re-sends a reply being written from its start, then relays live frames, each
 * stored message once. Messages it receives take the same path as REST.
 */
final class StreamConnection {
  private static final int REPLAY_PAGE = 200;

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final HttpServices services;
  private final SessionAccess access;
  private final SessionGateway sessions;
  private final MessageIntake intake;
  private final String clientIp;
  private final @Nullable String widgetToken;
  private final Consumer<StreamConnection> onClosed;

  /** Where the socket stands; each step only forward. */
  private enum Phase {
    /** Open, no hello accepted yet. */
    AWAITING_HELLO,
    /** Hello accepted: authorizing and subscribing; messages sent now wait in {@link #early}. */
    JOINING,
    /** The session's state is known: stored messages are being replayed, live frames held. */
    REPLAYING,
    /** Relaying live frames. */
    LIVE,
    CLOSED
  }

  private Phase phase = Phase.AWAITING_HELLO;

  /** Set once the session's state is known (from {@link Phase#REPLAYING} on). */
  private @Nullable String sessionId;

  private @Nullable MessageConsumer<PublishedFrame> frames;

  /** Live frames that arrive while joining and replaying, relayed once live. */
  private final List<PublishedFrame> held = new ArrayList<>();

  /**
   * Frames held before the session's state was read: their deltas are already in the state's
   * partial text.
   */
  private int heldBeforeState = -1;

  private final List<JsonObject> early = new ArrayList<>();
  private long sentSeq;

  /** In a cluster, the node running this session's actor, as last heard from it. */
  private @Nullable String owner;

  private long helloTimer;
  private long pingTimer;
  private boolean released;

  StreamConnection(
      Vertx vertx,
      ServerWebSocket ws,
      HttpServices services,
      SessionAccess access,
      SessionGateway sessions,
      MessageIntake intake,
      String clientIp,
      Consumer<StreamConnection> onClosed) {
    this.vertx = vertx;
    this.ws = ws;
    this.services = services;
    this.access = access;
    this.sessions = sessions;
    this.intake = intake;
    this.clientIp = clientIp;
    this.onClosed = onClosed;
    this.widgetToken = services.webchat().publicToken();
  }

  void start() {
    ws.setWriteQueueMaxSize(services.stream().writeQueueMaxBytes());
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> close(StreamCloseCodes.UNSUPPORTED_DATA, "only JSON text frames"));
    ws.exceptionHandler(err -> close(StreamCloseCodes.TOO_BIG, "bad frame"));
    ws.closeHandler(v -> cleanUp());
    helloTimer =
        vertx.setTimer(
            services.stream().helloTimeoutMillis(),
            id -> {
              if (phase == Phase.AWAITING_HELLO) close(StreamCloseCodes.HELLO_TIMEOUT, "no hello");
            });
    pingTimer =
        vertx.setPeriodic(
            services.stream().pingIntervalMillis(),
            id -> {
              if (phase != Phase.CLOSED) ws.writePing(Buffer.buffer());
            });
  }

  private void onText(String text) {
    if (phase == Phase.CLOSED) return;
    JsonObject frame;
    try {
      Object parsed = Json.decodeValue(text);
      if (!(parsed instanceof JsonObject json)) throw new DecodeException("not an object");
      frame = json;
    } catch (DecodeException e) {
      sendError(ProblemCode.INVALID_JSON.code(), "Frames are JSON objects");
      return;
    }
    String type = frame.getValue("type") instanceof String t ? t : "";
    RequestBodies.Checks unstorable = new RequestBodies.Checks();
    InputText.checkAll(unstorable, frame);
    try {
      unstorable.orThrow();
    } catch (ApiProblem problem) {
      // The frame's own client_message_id is not echoed: it may be the text refused.
      send(ServerFrame.ErrorFrame.of(problem, null));
      if ("hello".equals(type) && phase == Phase.AWAITING_HELLO)
        close(StreamCloseCodes.PROTOCOL_ERROR, "bad hello");
      return;
    }
    if (phase == Phase.JOINING && "message".equals(type)) {
      // Sent right after hello, before ready: kept until the socket is live, then handled in order.
      if (early.size() < 16) early.add(frame);
      else sendError(ProblemCode.SESSION_BUSY.code(), "Wait for ready before sending more");
      return;
    }
    if ((phase == Phase.AWAITING_HELLO || phase == Phase.JOINING) && !"hello".equals(type)) {
      if ("ping".equals(type)) {
        send(new ServerFrame.Pong());
        return;
      }
      sendError(
          ProblemCode.UNAUTHORIZED.code(), "Say hello with session_id and session_token first");
      close(StreamCloseCodes.PROTOCOL_ERROR, "hello first");
      return;
    }
    switch (type) {
      case "hello" -> hello(frame);
      case "message" -> message(frame);
      case "ping" -> send(new ServerFrame.Pong());
      default -> sendError("unknown_type", "Unknown frame type '" + type + "'");
    }
  }

  private void hello(JsonObject frame) {
    if (phase != Phase.AWAITING_HELLO) {
      sendError("already_authenticated", "This socket already said hello");
      return;
    }
    Object tokenValue = frame.getValue("session_token");
    Object idValue = frame.getValue("session_id");
    long resumeAfter =
        frame.getValue("resume_after_seq") instanceof Number n ? Math.max(0, n.longValue()) : 0;
    if (!WidgetToken.accepts(widgetToken, frame.getValue("widget_token"))) {
      refuse(ProblemCode.UNAUTHORIZED.code(), "Missing or wrong widget_token");
      return;
    }
    if (!(idValue instanceof String id) || !(tokenValue instanceof String token)) {
      refuse(ProblemCode.UNAUTHORIZED.code(), "hello needs session_id and session_token");
      return;
    }
    vertx.cancelTimer(helloTimer);
    phase = Phase.JOINING;
    // Cluster-wide in a cluster: the session's actor may publish from any node.
    MessageConsumer<PublishedFrame> consumer =
        vertx
            .eventBus()
            .consumer(
                Addresses.sessionFrames(id),
                m -> {
                  String from = m.headers().get(SessionCommands.OWNER_HEADER);
                  if (from != null) owner = from;
                  onFrame(m.body());
                });
    frames = consumer;
    access
        .authorize(id, token)
        .compose(session -> consumer.completion())
        .compose(v -> sessions.request(id, new SessionCommand.State()))
        .timeout(services.stream().joinTimeoutMillis(), TimeUnit.MILLISECONDS)
        .compose(
            state -> {
              sessionId = id;
              if (phase == Phase.JOINING) phase = Phase.REPLAYING;
              if (state.owner() != null) owner = state.owner();
              heldBeforeState = held.size();
              // The reply being written now, if any: a client holding a reply it saw begin before a
              // drop knows from its absence that the reply ended meanwhile (completed: it is in the
              // replay).
              send(new ServerFrame.Ready(id, state.lastSeq(), state.replyId()));
              sentSeq = resumeAfter;
              return replay(id, state.lastSeq()).map(state);
            })
        .onSuccess(state -> goLive(state))
        .onFailure(
            err -> {
              ApiProblem problem =
                  ApiProblem.from(
                      err,
                      () ->
                          ApiProblem.of(
                              ProblemCode.ASSISTANT_UNAVAILABLE,
                              err instanceof TimeoutException
                                  ? "The session could not be reached in time; reconnect"
                                  : "Try again"));
              if (problem.status() < 500) {
                refuse(problem.code(), problem.getMessage());
                return;
              }
              // Not the client's fault: it may reconnect and resume.
              sendError(problem.code(), problem.getMessage());
              close(StreamCloseCodes.TRY_AGAIN_LATER, problem.code());
            });
  }

  /** Sends the stored messages with sentSeq < seq ≤ lastSeq, page by page, in order. */
  private Future<Void> replay(String id, long lastSeq) {
    if (sentSeq >= lastSeq || phase == Phase.CLOSED) return Future.succeededFuture();
    return services
        .store()
        .history(id, sentSeq, REPLAY_PAGE)
        .compose(
            page -> {
              if (page.isEmpty()) return Future.succeededFuture();
              for (StoredMessage m : page) {
                if (m.seq() > lastSeq) break;
                sendMessage(m.toJson());
              }
              return replay(id, lastSeq);
            });
  }

  private void goLive(SessionReply.State state) {
    List<PublishedFrame> pending = List.copyOf(held);
    held.clear();
    if (phase != Phase.CLOSED) phase = Phase.LIVE;
    String partialReplyId = state.replyId();
    if (partialReplyId != null) {
      send(new ServerFrame.Typing(true));
      String partial = state.partial();
      if (!partial.isEmpty()) send(new ServerFrame.ReplyDelta(partialReplyId, partial));
    }
    for (int i = 0; i < pending.size(); i++) {
      PublishedFrame frame = pending.get(i);
      boolean beforeState = i < heldBeforeState;
      String type = frame.type();
      if (beforeState && (ServerFrame.REPLY_DELTA.equals(type) || ServerFrame.TYPING.equals(type)))
        continue;
      relay(frame);
    }
    early.forEach(this::message);
    early.clear();
  }

  private void onFrame(PublishedFrame frame) {
    if (SessionFrames.ERASED.equals(frame.type())) {
      sendError(ProblemCode.SESSION_NOT_FOUND.code(), "This session was erased; start a new one");
      close(StreamCloseCodes.SESSION_ERASED, ProblemCode.SESSION_NOT_FOUND.code());
      return;
    }
    if (phase == Phase.JOINING || phase == Phase.REPLAYING) {
      held.add(frame);
    } else {
      relay(frame);
    }
  }

  /**
   * A live frame, written as its publisher encoded it: stored messages go once each, in seq order;
   * the rest as they come.
   */
  private void relay(PublishedFrame frame) {
    String type = frame.type();
    if (ServerFrame.MESSAGE.equals(type) || ServerFrame.REPLY_COMPLETED.equals(type)) {
      if (frame.seq() <= sentSeq) return;
      sentSeq = frame.seq();
    }
    write(frame.json());
  }

  private void sendMessage(JsonObject message) {
    long seq = message.getLong("seq");
    if (seq <= sentSeq) return;
    sentSeq = seq;
    send(new ServerFrame.Message(message));
  }

  private void message(JsonObject frame) {
    services
        .ipLimits()
        .tryTake(clientIp)
        .onComplete(
            ar -> {
              long wait = ar.succeeded() ? ar.result() : 0;
              if (wait > 0) {
                send(
                    new ServerFrame.ErrorFrame(
                        ProblemCode.RATE_LIMITED.code(),
                        "Too many messages from this address",
                        clientMessageId(frame),
                        null,
                        wait));
              } else {
                admitted(frame);
              }
            });
  }

  private void admitted(JsonObject frame) {
    RequestBodies.Checks checks = new RequestBodies.Checks();
    MessageIntake.Checked message;
    try {
      message = intake.check(checks, frame);
    } catch (ApiProblem problem) {
      send(ServerFrame.ErrorFrame.of(problem, clientMessageId(frame)));
      return;
    }
    intake
        .send(Objects.requireNonNull(sessionId, "live, so joined"), message, true)
        .onFailure(
            err -> {
              ApiProblem problem =
                  ApiProblem.from(
                      err,
                      () -> ApiProblem.of(ProblemCode.ASSISTANT_UNAVAILABLE, "Resend to retry"));
              if (ProblemCode.CONSENT_REQUIRED.code().equals(problem.code()))
                send(new ServerFrame.ConsentRequired());
              send(ServerFrame.ErrorFrame.of(problem, clientMessageId(frame)));
            });
  }

  /** The id a message frame names itself by, echoed in its errors; null when it has none. */
  private static @Nullable String clientMessageId(JsonObject frame) {
    return frame.getValue("client_message_id") instanceof String id ? id : null;
  }

  private void refuse(String code, @Nullable String detail) {
    sendError(code, detail);
    close(StreamCloseCodes.UNAUTHORIZED, code);
  }

  private void sendError(String code, @Nullable String detail) {
    send(new ServerFrame.ErrorFrame(code, detail));
  }

  private void send(ServerFrame frame) {
    write(frame.encode());
  }

  private void write(String frame) {
    if (phase == Phase.CLOSED) return;
    if (ws.writeQueueFull()) {
      // A reader this slow would make us buffer without bound: drop it; it resumes from its last
      // seq.
      close(StreamCloseCodes.SLOW_CONSUMER, "too slow; reconnect with resume_after_seq");
      return;
    }
    ws.writeTextMessage(frame);
  }

  /**
   * A member left the cluster: if it ran this session's actor, a reply it was writing will never
   * end here, so the client reconnects and resumes from what is stored (the session goes on at a
   * new owner, which marks the cut message failed).
   */
  void memberLeft(String node) {
    if (node.equals(owner)) close(StreamCloseCodes.OWNER_LEFT, "session moved; reconnect");
  }

  void close(short code, String reason) {
    if (phase == Phase.CLOSED) return;
    phase = Phase.CLOSED;
    countClose(services, code);
    ws.close(code, reason);
    cleanUp();
  }

  /** A socket turned away before it started: one error frame, then the close code. */
  static void refuse(
      ServerWebSocket ws, HttpServices services, short code, String errorCode, String detail) {
    countClose(services, code);
    ws.writeTextMessage(new ServerFrame.ErrorFrame(errorCode, detail).toJson().encode());
    ws.close(code, errorCode);
  }

  private static void countClose(HttpServices services, short code) {
    Counter.builder("talia_stream_closed_by_gateway_total")
        .description("Sockets the gateway closed, by close code")
        .tag("code", String.valueOf(code))
        .register(services.metrics())
        .increment();
  }

  private void cleanUp() {
    if (!released) {
      released = true;
      onClosed.accept(this);
    }
    phase = Phase.CLOSED;
    vertx.cancelTimer(helloTimer);
    vertx.cancelTimer(pingTimer);
    if (frames != null) {
      frames.unregister();
      frames = null;
    }
  }
}
