package ai.talia.webchat.session;

import ai.talia.webchat.problem.ApiProblem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The socket frames the gateway sends (SPEC §4), declared once: a session actor publishes them on
 * {@code webchat.session.<id>.frames} (as their JSON, built once per publish) and the socket writes
 * them, with its own {@link ErrorFrame}s. {@link #toJson} is the wire form, members in the order
 * SPEC §4 lists them.
 */
public sealed interface ServerFrame {
  String MESSAGE = "message";
  String TYPING = "typing";
  String REPLY_DELTA = "reply.delta";
  String REPLY_COMPLETED = "reply.completed";
  String REPLY_FAILED = "reply.failed";
  String LEAD_CAPTURED = "lead.captured";
  String READY = "ready";
  String PONG = "pong";
  String CONSENT_REQUIRED = "consent.required";
  String ERROR = "error";

  JsonObject toJson();

  /** The frame's {@code type} member. */
  default String type() {
    return toJson().getString("type");
  }

  /** The wire form's text, exactly {@code toJson().encode()}; hot frames write it directly. */
  default String encode() {
    return toJson().encode();
  }

  /** A stored message, as {@code StoredMessage.toJson()} has it. */
  record Message(JsonObject message) implements ServerFrame {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", MESSAGE).put("message", message);
    }
  }

  record Typing(boolean on) implements ServerFrame {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", TYPING).put("on", on);
    }

    @Override
    public String type() {
      return TYPING;
    }

    @Override
    public String encode() {
      return on ? "{\"type\":\"typing\",\"on\":true}" : "{\"type\":\"typing\",\"on\":false}";
    }
  }

  record ReplyDelta(String replyId, String delta) implements ServerFrame {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", REPLY_DELTA).put("reply_id", replyId).put("delta", delta);
    }

    @Override
    public String type() {
      return REPLY_DELTA;
    }

    /** One per delta: written straight from its two strings, no JSON object in between. */
    @Override
    public String encode() {
      StringBuilder out = new StringBuilder(48 + replyId.length() + delta.length() * 11 / 10);
      out.append("{\"type\":\"reply.delta\",\"reply_id\":");
      JsonText.quoted(out, replyId).append(",\"delta\":");
      return JsonText.quoted(out, delta).append('}').toString();
    }
  }

  record ReplyCompleted(JsonObject message) implements ServerFrame {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", REPLY_COMPLETED).put("message", message);
    }
  }

  record ReplyFailed(String replyId, String code) implements ServerFrame {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", REPLY_FAILED).put("reply_id", replyId).put("code", code);
    }
  }

  record LeadCaptured(List<String> fields) implements ServerFrame {
    public LeadCaptured {
      fields = List.copyOf(fields);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", LEAD_CAPTURED).put("fields", new JsonArray(fields));
    }
  }

  /** {@code replyId}: the reply being written now, if any. */
  record Ready(String sessionId, long lastSeq, @Nullable String replyId) implements ServerFrame {
    @Override
    public JsonObject toJson() {
      JsonObject json =
          new JsonObject().put("type", READY).put("session_id", sessionId).put("last_seq", lastSeq);
      if (replyId != null) json.put("reply_id", replyId);
      return json;
    }
  }

  record Pong() implements ServerFrame {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", PONG);
    }
  }

  record ConsentRequired() implements ServerFrame {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("type", CONSENT_REQUIRED);
    }
  }

  /**
   * A refusal on the socket, SPEC §4's {@code {type:"error", code, detail}} and, when present:
   * {@code client_message_id}, the message frame it answers (absent for an error about the socket
   * itself, or when the frame's own id is not echoed); {@code errors}, the fields refused ({@code
   * [{field, reason}]}, as in a 422 problem); {@code retry_after}, seconds to wait before sending
   * again. Members always in that order. (Not named {@code Error}: that is {@code java.lang}'s.)
   */
  record ErrorFrame(
      String code,
      @Nullable String detail,
      @Nullable String clientMessageId,
      @Nullable JsonArray errors,
      @Nullable Long retryAfter)
      implements ServerFrame {

    /** An error about the socket or a frame, not a message. */
    public ErrorFrame(String code, @Nullable String detail) {
      this(code, detail, null, null, null);
    }

    /** A refused message frame: the problem's code, detail, field errors and retry delay. */
    public static ErrorFrame of(ApiProblem problem, @Nullable String clientMessageId) {
      Object errors = problem.toJson().getValue("errors");
      return new ErrorFrame(
          problem.code(),
          problem.getMessage(),
          clientMessageId,
          errors instanceof JsonArray fields ? fields : null,
          problem.retryAfterSeconds());
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("type", ERROR).put("code", code).put("detail", detail);
      if (clientMessageId != null) json.put("client_message_id", clientMessageId);
      if (errors != null) json.put("errors", errors);
      if (retryAfter != null) json.put("retry_after", retryAfter);
      return json;
    }
  }
}
