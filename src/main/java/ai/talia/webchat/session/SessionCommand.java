package ai.talia.webchat.session;

import ai.talia.webchat.bus.JsonRecordCodec;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.jspecify.annotations.Nullable;

/**
 * A command on {@code webchat.session.<id>} (router → session actor), answered with a {@link
 * SessionReply} of kind {@code R}. Each kind is a record; its codec (registered by {@link
 * #register} on every node) passes it by reference within one JVM and, across a clustered event
 * bus, as a JSON object named by its {@code action}. A refused command fails with a {@link
 * ai.talia.webchat.problem.ProblemReply}.
 */
public sealed interface SessionCommand<R extends SessionReply> {

  /** A visitor message → {@link SessionReply.Sent}; a null {@code locale} means the session's. */
  record Send(String content, String clientMessageId, @Nullable String locale, boolean async)
      implements SessionCommand<SessionReply.Sent> {
    @Override
    public Class<SessionReply.Sent> replyType() {
      return SessionReply.Sent.class;
    }

    /** A synchronous send is answered with the whole reply, after the model wrote it. */
    @Override
    public boolean answeredAtOnce() {
      return async;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject()
          .put("action", "send")
          .put("content", content)
          .put("client_message_id", clientMessageId)
          .put("locale", locale)
          .put("async", async);
    }
  }

  /** A consent decision → {@link SessionReply.ConsentRecorded}. */
  record Consent(String policyVersion, boolean granted, String ipHash, @Nullable String userAgent)
      implements SessionCommand<SessionReply.ConsentRecorded> {
    @Override
    public Class<SessionReply.ConsentRecorded> replyType() {
      return SessionReply.ConsentRecorded.class;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject()
          .put("action", "consent")
          .put("policy_version", policyVersion)
          .put("granted", granted)
          .put("ip_hash", ipHash)
          .put("user_agent", userAgent);
    }
  }

  /**
   * → {@link SessionReply.State}: where the session stands, and the text so far of a reply being
   * written, for a socket that joins.
   */
  record State() implements SessionCommand<SessionReply.State> {
    @Override
    public Class<SessionReply.State> replyType() {
      return SessionReply.State.class;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "state");
    }
  }

  /**
   * → {@link SessionReply.Erased}: the session was erased; the actor drops what it holds and stops.
   */
  record Erased() implements SessionCommand<SessionReply.Erased> {
    @Override
    public Class<SessionReply.Erased> replyType() {
      return SessionReply.Erased.class;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "erased");
    }
  }

  /** The wire form: a JSON object with its {@code action}. */
  JsonObject toJson();

  /** The kind of reply this command is answered with. */
  Class<R> replyType();

  /**
   * Whether a live actor answers it within moments (it waits for the store at most, never for the
   * model): when no answer comes that soon, it went to an actor that is gone.
   */
  default boolean answeredAtOnce() {
    return true;
  }

  static SessionCommand<?> fromJson(JsonObject json) {
    String action = json.getString("action", "");
    return switch (action) {
      case "send" ->
          new Send(
              json.getString("content"),
              json.getString("client_message_id"),
              json.getString("locale"),
              json.getBoolean("async", false));
      case "consent" ->
          new Consent(
              json.getString("policy_version"),
              json.getBoolean("granted", false),
              json.getString("ip_hash"),
              json.getString("user_agent"));
      case "state" -> new State();
      case "erased" -> new Erased();
      default -> throw new IllegalArgumentException("unknown session command '" + action + "'");
    };
  }

  /**
   * Registers the codec of every command kind, of every {@link SessionReply} kind (one does not
   * travel without the other) and of the frames actors publish ({@link PublishedFrame}); harmless
   * when already done.
   */
  static void register(Vertx vertx) {
    PublishedFrame.register(vertx);
    registerKind(vertx, Send.class);
    registerKind(vertx, Consent.class);
    registerKind(vertx, State.class);
    registerKind(vertx, Erased.class);
    SessionReply.register(vertx);
  }

  /**
   * One codec per command kind (Vert.x picks a default codec by the body's exact class); each
   * decodes by the {@code action} its kind writes.
   */
  private static <T extends SessionCommand<?>> void registerKind(Vertx vertx, Class<T> type) {
    JsonRecordCodec.register(
        vertx,
        JsonRecordCodec.json(
            "talia-session-command-" + type.getSimpleName(),
            type,
            SessionCommand::toJson,
            json -> type.cast(fromJson(json))));
  }
}
