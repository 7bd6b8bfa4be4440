package ai.talia.webchat.session;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
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
    Codec.register(vertx, Sent.class, Sent::fromJson);
    Codec.register(vertx, ConsentRecorded.class, ConsentRecorded::fromJson);
    Codec.register(vertx, State.class, State::fromJson);
    Codec.register(vertx, Erased.class, json -> new Erased());
  }

  /**
   * One per reply kind (Vert.x picks a default codec by the body's exact class, and names the codec
   * on the wire, so each decodes its own kind).
   */
  final class Codec<T extends SessionReply> implements MessageCodec<T, T> {
    private final String name;
    private final Function<JsonObject, T> fromJson;

    private Codec(Class<T> type, Function<JsonObject, T> fromJson) {
      this.name = "talia-session-reply-" + type.getSimpleName();
      this.fromJson = fromJson;
    }

    private static synchronized <T extends SessionReply> void register(
        Vertx vertx, Class<T> type, Function<JsonObject, T> fromJson) {
      try {
        vertx.eventBus().registerDefaultCodec(type, new Codec<>(type, fromJson));
      } catch (IllegalStateException alreadyRegistered) {
        // Another verticle of this Vert.x instance registered it first.
      }
    }

    @Override
    public void encodeToWire(Buffer buffer, T reply) {
      byte[] json = reply.toJson().encode().getBytes(StandardCharsets.UTF_8);
      buffer.appendInt(json.length).appendBytes(json);
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      return fromJson.apply(
          new JsonObject(
              buffer.getString(pos + 4, pos + 4 + length, StandardCharsets.UTF_8.name())));
    }

    @Override
    public T transform(T reply) {
      return reply;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
