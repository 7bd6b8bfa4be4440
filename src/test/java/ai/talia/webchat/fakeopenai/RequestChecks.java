package ai.talia.webchat.fakeopenai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;

/**
 * The request validation the real API does and a client could get wrong; each problem as OpenAI's
 * 400 error body.
 */
final class RequestChecks {
  private RequestChecks() {}

  static JsonObject responses(JsonObject body) {
    if (body.getString("model") == null) return missing("model");
    if (body.getValue("conversation") != null && body.getValue("previous_response_id") != null) {
      return OpenAiErrors.invalidRequest(
          "Mutually exclusive parameters: Ensure you are only providing one of: "
              + "'previous_response_id' or 'conversation'.",
          null,
          "mutually_exclusive_parameters");
    }
    if (!body.containsKey("input")) return missing("input");
    JsonObject common = common(body, "max_output_tokens");
    if (common != null) return common;
    JsonArray tools = body.getJsonArray("tools", new JsonArray());
    for (int i = 0; i < tools.size(); i++) {
      JsonObject tool = tools.getJsonObject(i);
      if (!"function".equals(tool.getString("type"))) continue;
      if (tool.getValue("function") != null) {
        return OpenAiErrors.invalidRequest(
            "Unknown parameter: 'tools[" + i + "].function'.",
            "tools[" + i + "].function",
            "unknown_parameter");
      }
      if (tool.getString("name") == null) return missing("tools[" + i + "].name");
      JsonObject schema =
          strictSchemaProblem(
              tool.getString("name"),
              tool.getBoolean("strict", false),
              tool.getJsonObject("parameters"),
              "tools[" + i + "].parameters");
      if (schema != null) return schema;
    }
    return toolChoice(body.getValue("tool_choice"));
  }

  static JsonObject chatCompletions(JsonObject body) {
    if (body.getString("model") == null) return missing("model");
    Object value = body.getValue("messages");
    if (!(value instanceof JsonArray messages)) return missing("messages");
    if (messages.isEmpty()) {
      return OpenAiErrors.invalidRequest(
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
          "messages",
          "empty_array");
    }
    if (body.getValue("stream_options") != null && !body.getBoolean("stream", false)) {
      return OpenAiErrors.invalidRequest(
          "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
          "stream_options",
          null);
    }
    JsonObject common = common(body, "max_completion_tokens");
    if (common != null) return common;
    if (body.getValue("max_tokens") != null && reasoningModel(body.getString("model"))) {
      return OpenAiErrors.invalidRequest(
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
              + "'max_completion_tokens' instead.",
          "max_tokens",
          "unsupported_parameter");
    }
    JsonArray tools = body.getJsonArray("tools", new JsonArray());
    for (int i = 0; i < tools.size(); i++) {
      JsonObject function = tools.getJsonObject(i).getJsonObject("function");
      if (function == null) return missing("tools[" + i + "].function");
      if (function.getString("name") == null) return missing("tools[" + i + "].function.name");
      JsonObject schema =
          strictSchemaProblem(
              function.getString("name"),
              function.getBoolean("strict", false),
              function.getJsonObject("parameters"),
              "tools[" + i + "].function.parameters");
      if (schema != null) return schema;
    }
    Set<String> open = new HashSet<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      String role = m.getString("role");
      if (role == null) return missing("messages[" + i + "].role");
      if ("tool".equals(role)) {
        if (!open.remove(m.getString("tool_call_id"))) {
          return OpenAiErrors.invalidRequest(
              "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                  + "message with 'tool_calls'.",
              "messages.[" + i + "].role",
              null);
        }
        continue;
      }
      if (!open.isEmpty()) {
        return OpenAiErrors.invalidRequest(
            "An assistant message with 'tool_calls' must be followed by tool messages responding "
                + "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                + String.join(", ", open),
            "messages.[" + i + "].role",
            null);
      }
      if ("assistant".equals(role) && m.getJsonArray("tool_calls") != null) {
        for (Object call : m.getJsonArray("tool_calls"))
          open.add(((JsonObject) call).getString("id"));
      }
    }
    if (!open.isEmpty()) {
      return OpenAiErrors.invalidRequest(
          "An assistant message with 'tool_calls' must be followed by tool messages responding "
              + "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
              + String.join(", ", open),
          "messages",
          null);
    }
    return toolChoice(body.getValue("tool_choice"));
  }

  /** The gpt-5 family and the o-series: they refuse the deprecated {@code max_tokens}. */
  private static boolean reasoningModel(String model) {
    return model != null && model.matches("(gpt-5|o[1-9]).*");
  }

  private static JsonObject common(JsonObject body, String maxTokensField) {
    Object temperature = body.getValue("temperature");
    if (temperature != null
        && (!(temperature instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 2)) {
      return OpenAiErrors.invalidRequest(
          "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got "
              + temperature
              + " instead.",
          "temperature",
          "decimal_above_max_value");
    }
    Object safety = body.getValue("safety_identifier");
    if (safety instanceof String s && s.length() > 64) {
      return OpenAiErrors.invalidRequest(
          "Invalid 'safety_identifier': string too long. Expected a string with maximum length 64, "
              + "but got a string with length "
              + s.length()
              + " instead.",
          "safety_identifier",
          "string_above_max_length");
    }
    Object max = body.getValue(maxTokensField);
    if (max != null && (!(max instanceof Number n) || n.intValue() < 16)) {
      return OpenAiErrors.invalidRequest(
          "Invalid '"
              + maxTokensField
              + "': integer below minimum value. Expected a value >= 16, "
              + "but got "
              + max
              + " instead.",
          maxTokensField,
          "integer_below_min_value");
    }
    return null;
  }

  private static JsonObject toolChoice(Object choice) {
    if (choice == null || choice instanceof JsonObject) return null;
    if (choice instanceof String s && Set.of("auto", "none", "required").contains(s)) return null;
    return OpenAiErrors.invalidRequest(
        "Invalid value: '" + choice + "'. Supported values are: 'none', 'auto', and 'required'.",
        "tool_choice",
        "invalid_value");
  }

  /** Strict function schemas: an object, every property required, no additional properties. */
  private static JsonObject strictSchemaProblem(
      String name, boolean strict, JsonObject parameters, String param) {
    if (!strict || parameters == null) return null;
    String prefix = "Invalid schema for function '" + name + "': In context=(), ";
    if (!"object".equals(parameters.getString("type"))) {
      return OpenAiErrors.invalidRequest(
          prefix + "schema must be a JSON Schema of 'type: \"object\"'.",
          param,
          "invalid_function_parameters");
    }
    if (!Boolean.FALSE.equals(parameters.getValue("additionalProperties"))) {
      return OpenAiErrors.invalidRequest(
          prefix + "'additionalProperties' is required to be supplied and to be false.",
          param,
          "invalid_function_parameters");
    }
    JsonObject properties = parameters.getJsonObject("properties", new JsonObject());
    JsonArray required = parameters.getJsonArray("required", new JsonArray());
    for (String key : properties.fieldNames()) {
      if (!required.contains(key)) {
        return OpenAiErrors.invalidRequest(
            prefix
                + "'required' is required to be supplied and to be an array including every key "
                + "in properties. Missing '"
                + key
                + "'.",
            param,
            "invalid_function_parameters");
      }
    }
    return null;
  }

  private static JsonObject missing(String param) {
    return OpenAiErrors.invalidRequest(
        "Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
  }
}
