package ai.talia.webchat.assistant.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads one streamed {@code POST /v1/responses}: relays text deltas to the turn, collects the
 * function calls and the usage, and ends on {@code response.completed}. {@code response.failed},
 * {@code response.incomplete} and {@code error} fail the call; other events are ignored.
 */
final class ResponsesStreamReader implements StreamHandler {
  private final TurnOutput out;
  private final Map<Integer, FunctionCall> calls = new TreeMap<>();
  private boolean sawText;

  ResponsesStreamReader(TurnOutput out) {
    this.out = out;
  }

  List<FunctionCall> functionCalls() {
    return new ArrayList<>(calls.values());
  }

  @Override
  public void onEvent(SseEvent event, StreamControl control) {
    JsonObject data = new JsonObject(event.data());
    String type = data.getString("type", event.type());
    switch (type) {
      case "response.output_text.delta", "response.refusal.delta" -> {
        control.outputStarted();
        sawText = true;
        out.delta(data.getString("delta"));
      }
      case "response.function_call_arguments.delta" -> control.outputStarted();
      case "response.output_item.done" -> {
        JsonObject item = item(data);
        if ("function_call".equals(item.getString("type"))) {
          calls.put(data.getInteger("output_index", calls.size()), call(item));
        }
      }
      case "response.completed" ->
          completed(data.getJsonObject("response", new JsonObject()), control);
      case "response.incomplete" -> {
        JsonObject details =
            data.getJsonObject("response", new JsonObject()).getJsonObject("incomplete_details");
        String reason = details == null ? null : details.getString("reason");
        control.failed(
            UpstreamError.event(
                UpstreamError.Kind.INCOMPLETE, reason, "response incomplete: " + reason, null));
      }
      case "response.failed" -> {
        JsonObject error =
            data.getJsonObject("response", new JsonObject())
                .getJsonObject("error", new JsonObject());
        control.failed(
            UpstreamError.event(
                UpstreamError.Kind.RESPONSE_FAILED,
                error.getString("code"),
                UpstreamError.redact(error.getString("message")),
                null));
      }
      case "error" ->
          control.failed(
              UpstreamError.event(
                  UpstreamError.Kind.STREAM_ERROR,
                  stringOrNull(data.getValue("code")),
                  UpstreamError.redact(data.getString("message")),
                  null));
      default -> {} // created, in_progress, content parts, reasoning, annotations…: nothing to do
    }
  }

  private void completed(JsonObject response, StreamControl control) {
    JsonArray output = response.getJsonArray("output", new JsonArray());
    Map<Integer, FunctionCall> finalCalls = new TreeMap<>();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < output.size(); i++) {
      JsonObject item = output.getJsonObject(i);
      if ("function_call".equals(item.getString("type"))) finalCalls.put(i, call(item));
      if ("message".equals(item.getString("type"))) {
        for (Object part : item.getJsonArray("content", new JsonArray())) {
          JsonObject p = (JsonObject) part;
          if ("output_text".equals(p.getString("type"))) text.append(p.getString("text", ""));
          if ("refusal".equals(p.getString("type"))) text.append(p.getString("refusal", ""));
        }
      }
    }
    // The completed response is authoritative; the streamed items only stand in when it lists none.
    if (!finalCalls.isEmpty() || !output.isEmpty()) {
      calls.clear();
      calls.putAll(finalCalls);
    }
    if (!sawText && text.length() > 0) out.delta(text.toString());
    JsonObject usage = response.getJsonObject("usage");
    if (usage != null)
      out.addUsage(usage.getInteger("input_tokens", 0), usage.getInteger("output_tokens", 0));
    control.completed();
  }

  private static JsonObject item(JsonObject data) {
    JsonObject item = data.getJsonObject("item");
    return item == null ? new JsonObject() : item;
  }

  private static FunctionCall call(JsonObject item) {
    return new FunctionCall(
        item.getString("call_id"), item.getString("name"), item.getString("arguments", ""));
  }

  private static String stringOrNull(Object v) {
    return v == null ? null : v.toString();
  }
}
