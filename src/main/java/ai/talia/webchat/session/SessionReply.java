package ai.talia.webchat.session;

import ai.talia.webchat.bus.JsonRecordCodec;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a session actor answers a {@link SessionCommand} with, one record per command. {@link
 * #toJson} is the body the API shows (SPEC §4), members in its order; its codec (registered with
 * the commands' by {@link SessionCommand#register}) passes a reply by reference within one JVM and,
 * across a clustered event bus, as that JSON. A refused command fails with a {@link
 * ai.talia.webchat.problem.ProblemReply} instead.
 */
public sealed interface SessionReply {

  /** The body of the answer, as {@code POST /messages}, {@code POST /consent}… show it. */
  JsonObject toJson();

  /**
   * {@link SessionCommand.Send}: the visitor's message as stored and, unless the send was async,
   * the assistant's reply ({@code null}: queued, the reply comes on the socket and in history).
   * Both as {@code StoredMessage.toJson()} has them.
   */
  record Sent(String sessionId, JsonObject message, @Nullable JsonObject reply)
      implements SessionReply {
    /** Answered before its turn ran: 202 on REST. */
    public boolean queued() {
      return reply == null;
    }

    /**
     * {@code {status:"completed", session_id, message, reply}} or {@code {status:"queued",
     * session_id, message_id, message}}.
     */
    @Override
    public JsonObject toJson() {
      if (reply == null)
        return new JsonObject()
            .put("status", "queued")
            .put("session_id", sessionId)
            .put("message_id", message.getString("id"))
            .put("message", message);
      return new JsonObject()
          .put("status", "completed")
          .put("session_id", sessionId)
          .put("message", message)
          .put("reply", reply);
    }

    static Sent fromJson(JsonObject json) {
      return new Sent(
          json.getString("session_id"), json.getJsonObject("message"), json.getJsonObject("reply"));
    }
  }

  /** {@link SessionCommand.Consent}: the decision as recorded. */
  record ConsentRecorded(String consentId, boolean granted, Instant grantedAt)
      implements SessionReply {
    /** {@code {consent_id, granted, granted_at}}. */
    @Override
    public JsonObject toJson() {
      return new JsonObject()
          .put("consent_id", consentId)
          .put("granted", granted)
          .put("granted_at", grantedAt.toString());
    }

    static ConsentRecorded fromJson(JsonObject json) {
      return new ConsentRecorded(
          json.getString("consent_id"),
          json.getBoolean("granted"),
          Instant.parse(json.getString("granted_at")));
    }
  }

  /**
   * {@link SessionCommand.State}: where the session stands, for a socket that joins. {@code owner}:
   * the node running the actor, in a cluster; {@code replyId}: the reply being written now, if any,
   * and {@code partial} its text so far (empty without one).
   */
  record State(long lastSeq, @Nullable String owner, @Nullable String replyId, String partial)
      implements SessionReply {
    /** {@code {last_seq, owner?, reply_id?, partial?}}. */
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("last_seq", lastSeq);
      if (owner != null) json.put("owner", owner);
      if (replyId != null) json.put("reply_id", replyId).put("partial", partial);
      return json;
    }

    static State fromJson(JsonObject json) {
      return new State(
          json.getLong("last_seq"),
          json.getString("owner"),
          json.getString("reply_id"),
          json.getString("partial", ""));
    }
  }

  /** {@link SessionCommand.Erased}: the actor dropped what it held and stops. */
  record Erased() implements SessionReply {
    /** {@code {}}. */
    @Override
    public JsonObject toJson() {
      return new JsonObject();
    }
  }

  /** Registers the codec of every reply kind; harmless when already done. */
  static void register(Vertx vertx) {
    registerKind(vertx, Sent.class, Sent::fromJson);
    registerKind(vertx, ConsentRecorded.class, ConsentRecorded::fromJson);
    registerKind(vertx, State.class, State::fromJson);
    registerKind(vertx, Erased.class, json -> new Erased());
  }

  /**
   * One codec per reply kind (Vert.x picks a default codec by the body's exact class, and names the
   * codec on the wire, so each decodes its own kind).
   */
  private static <T extends SessionReply> void registerKind(
      Vertx vertx, Class<T> type, Function<JsonObject, T> fromJson) {
    JsonRecordCodec.register(
        vertx,
        JsonRecordCodec.json(
            "talia-session-reply-" + type.getSimpleName(), type, SessionReply::toJson, fromJson));
  }
}
