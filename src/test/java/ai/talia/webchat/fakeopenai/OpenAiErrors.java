package ai.talia.webchat.fakeopenai;

import io.vertx.core.json.JsonObject;

/** OpenAI's error body: {@code {"error":{"message","type","param","code"}}}. */
public final class OpenAiErrors {
  private OpenAiErrors() {}

  public static JsonObject body(String message, String type, String param, String code) {
    return new JsonObject()
        .put(
            "error",
            new JsonObject()
                .put("message", message)
                .put("type", type)
                .put("param", param)
                .put("code", code));
  }

  public static JsonObject invalidRequest(String message, String param, String code) {
    return body(message, "invalid_request_error", param, code);
  }

  /** The key as OpenAI echoes a wrong one: its start and end, the middle masked. */
  static String masked(String key) {
    if (key.length() <= 8) return "sk-***";
    return key.substring(0, 6)
        + "*".repeat(Math.max(3, key.length() - 10))
        + key.substring(key.length() - 4);
  }
}
