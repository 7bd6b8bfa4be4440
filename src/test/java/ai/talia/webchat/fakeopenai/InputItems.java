package ai.talia.webchat.fakeopenai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Input items as the Responses and Conversations APIs take them, normalized to stored items with
 * ids.
 */
final class InputItems {
  private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

  private InputItems() {}

  /** {@code input} (a string or a list of items) as items; null when it is neither. */
  static List<JsonObject> fromInput(Object input, Supplier<String> ids) {
    List<JsonObject> items = new ArrayList<>();
    if (input instanceof String text) {
      items.add(normalize(new JsonObject().put("role", "user").put("content", text), ids));
      return items;
    }
    if (!(input instanceof JsonArray array)) return null;
    for (Object entry : array) {
      JsonObject normal = entry instanceof JsonObject o ? normalize(o, ids) : null;
      if (normal == null) return null;
      items.add(normal);
    }
    return items;
  }

  /** One item as stored in a conversation; null when it is not a valid input item. */
  static JsonObject normalize(JsonObject item, Supplier<String> ids) {
    String type = item.getString("type", item.containsKey("role") ? "message" : null);
    if (type == null) return null;
    switch (type) {
      case "message" -> {
        String role = item.getString("role");
        if (!ROLES.contains(role)) return null;
        Object content = item.getValue("content");
        JsonArray parts = new JsonArray();
        String partType = "assistant".equals(role) ? "output_text" : "input_text";
        if (content instanceof String text) {
          JsonObject part = new JsonObject().put("type", partType).put("text", text);
          if ("output_text".equals(partType)) part.put("annotations", new JsonArray());
          parts.add(part);
        } else if (content instanceof JsonArray array) {
          for (Object p : array) {
            if (!(p instanceof JsonObject part) || part.getString("type") == null) return null;
            parts.add(part.copy());
          }
        } else {
          return null;
        }
        return new JsonObject()
            .put("id", item.getString("id", "msg_" + ids.get()))
            .put("type", "message")
            .put("status", "completed")
            .put("role", role)
            .put("content", parts);
      }
      case "function_call_output" -> {
        if (item.getString("call_id") == null || !(item.getValue("output") instanceof String))
          return null;
        return new JsonObject()
            .put("id", item.getString("id", "fco_" + ids.get()))
            .put("type", "function_call_output")
            .put("call_id", item.getString("call_id"))
            .put("output", item.getString("output"))
            .put("status", "completed");
      }
      case "function_call" -> {
        if (item.getString("call_id") == null || item.getString("name") == null) return null;
        return item.copy()
            .put("id", item.getString("id", "fc_" + ids.get()))
            .put("status", "completed");
      }
      default -> {
        return null;
      }
    }
  }

  /** The text of the last user message among {@code items}, or null. */
  static String lastUserText(List<JsonObject> items) {
    String text = null;
    for (JsonObject item : items) {
      if ("message".equals(item.getString("type")) && "user".equals(item.getString("role")))
        text = text(item.getValue("content"));
    }
    return text;
  }

  /** Text of a content value: a string, or the text parts of a list joined. */
  static String text(Object content) {
    if (content instanceof String s) return s;
    if (!(content instanceof JsonArray parts)) return null;
    StringBuilder out = new StringBuilder();
    for (Object p : parts) {
      if (p instanceof JsonObject part && part.getString("text") != null)
        out.append(part.getString("text"));
    }
    return out.toString();
  }
}
