package ai.talia.webchat.session;

import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The frames a session actor publishes on {@code webchat.session.<id>.frames}, shaped as SPEC §4's
 * socket frames.
 */
public final class SessionFrames {
  private SessionFrames() {}

  public static JsonObject message(StoredMessage m) {
    return new JsonObject().put("type", "message").put("message", m.toJson());
  }

  public static JsonObject typing(boolean on) {
    return new JsonObject().put("type", "typing").put("on", on);
  }

  public static JsonObject delta(String replyId, String delta) {
    return new JsonObject().put("type", "reply.delta").put("reply_id", replyId).put("delta", delta);
  }

  public static JsonObject completed(StoredMessage reply) {
    return new JsonObject().put("type", "reply.completed").put("message", reply.toJson());
  }

  public static JsonObject failed(String replyId, String code) {
    return new JsonObject().put("type", "reply.failed").put("reply_id", replyId).put("code", code);
  }

  public static JsonObject leadCaptured(List<String> fields) {
    return new JsonObject()
        .put("type", "lead.captured")
        .put("fields", new JsonArray(List.copyOf(fields)));
  }

  /** The gateway's own (never relayed): the session was erased, its sockets close. */
  public static final String ERASED = "session.erased";

  public static JsonObject erased() {
    return new JsonObject().put("type", ERASED);
  }
}
