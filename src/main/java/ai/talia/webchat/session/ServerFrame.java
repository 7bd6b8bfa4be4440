package ai.talia.webchat.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The socket frames the gateway sends (SPEC §4), declared once: a session actor publishes them on
 * {@code webchat.session.<id>.frames} (as their JSON, built once per publish) and the socket writes
 * them. {@link #toJson} is the wire form, members in the order SPEC §4 lists them. The socket's
 * {@code error} frames are built by the socket alone ({@code StreamConnection}).
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
}
