package ai.talia.webchat.assistant.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Reads one streamed {@code POST /v1/responses}: relays text deltas to the turn, collects the
 * function calls and the usage, and ends on {@code response.completed}.
 *
 * <p>Each output message is its own item: the text of a second message is set apart from the first,
 * and a message whose {@code phase} is {@code commentary} (the model's running commentary, not its
 * answer) is never shown. {@code response.incomplete} (the output cap, or a content filter) ends
 * the call as done when text already reached the visitor or it holds whole function calls, and
 * fails it otherwise. {@code response.failed} and {@code error} fail it. The usage of every
 * terminal response counts, failed ones included: it is billed.
 */
final class ResponsesStreamReader implements StreamHandler {
  private final TurnOutput out;
  private final Map<Integer, FunctionCall> calls = new TreeMap<>();
  private final Map<String, String> phases = new HashMap<>();
  private final List<JsonObject> doneItems = new ArrayList<>();
  private @Nullable List<JsonObject> finalOutput;
  private @Nullable String lastTextItem;
  private boolean sawText;
  private boolean sent;
  private int status;
  private boolean succeeded;
  private @Nullable String incompleteReason;

  ResponsesStreamReader(TurnOutput out) {
    this.out = out;
  }

  /** Whole function calls of the response (a call cut by the output cap is not one). */
  List<FunctionCall> functionCalls() {
    return new ArrayList<>(calls.values());
  }

  /**
   * Why the response stopped short ({@code max_output_tokens}, {@code content_filter}), or null.
   */
  @Nullable String incompleteReason() {
    return incompleteReason;
  }

  boolean succeeded() {
    return succeeded;
  }

  /**
   * Whether the API may have acted on the request: it went out and no refusal came back — no status
   * at all (a timeout, a dropped connection), a 2xx, or a timeout or bad-gateway status that a
   * proxy in between may give after the API took the request (408, 502, 504). Such a call may have
   * left its input in the conversation even though it failed. An error status from the API itself
   * (4xx, 429, 500, 503) comes before any response exists.
   */
  boolean mayHaveReachedApi() {
    return sent
        && (status == 0 || status / 100 == 2 || status == 408 || status == 502 || status == 504);
  }

  /**
   * What this response added to the exchange, as input items a later call can send again (no ids:
   * with {@code store:false} nothing is kept to point at): its messages, with their {@code phase},
   * and its whole function calls. Reasoning items are left out; they cannot be sent back without
   * their encrypted content.
   */
  List<JsonObject> replayItems() {
    List<JsonObject> items = new ArrayList<>();
    for (JsonObject item : finalOutput != null ? finalOutput : doneItems) {
      String type = item.getString("type");
      if ("message".equals(type)) {
        String text = messageText(item);
        if (text.isEmpty()) continue;
        JsonObject message =
            new JsonObject().put("type", "message").put("role", "assistant").put("content", text);
        if (item.getString("phase") != null) message.put("phase", item.getString("phase"));
        items.add(message);
      } else if ("function_call".equals(type) && whole(item) && item.getString("call_id") != null) {
        items.add(
            new JsonObject()
                .put("type", "function_call")
                .put("call_id", item.getString("call_id"))
                .put("name", item.getString("name"))
                .put("arguments", item.getString("arguments", "")));
      }
    }
    return items;
  }

  @Override
  public void onSent() {
    sent = true;
  }

  @Override
  public void onStatus(int status) {
    this.status = status;
  }

  @Override
  public void onEvent(SseEvent event, StreamControl control) {
    // Every event is read in one pass first, building no object: a delta (one per token) needs no
    // more, and the events a turn ignores, some of which echo the whole request (created,
    // in_progress), need nothing. Only the few left are read whole.
    EventHead head = EventHead.read(event.data());
    if (head != null) {
      String type = head.type() != null ? head.type() : event.type();
      if (isTextDelta(type)) {
        text(head.itemId(), head.delta(), control);
        return;
      }
      if ("response.function_call_arguments.delta".equals(type)) {
        control.outputStarted();
        return;
      }
      if (!READ_WHOLE.contains(type)) return;
    }
    JsonObject data = new JsonObject(event.data());
    String type = data.getString("type", event.type());
    switch (type) {
      case "response.output_item.added" -> {
        JsonObject item = item(data);
        if (item.getString("id") != null && item.getString("phase") != null)
          phases.put(item.getString("id"), item.getString("phase"));
      }
      case "response.output_text.delta", "response.refusal.delta" ->
          text(data.getString("item_id"), data.getString("delta"), control);
      case "response.function_call_arguments.delta" -> control.outputStarted();
      case "response.output_item.done" -> {
        JsonObject item = item(data);
        doneItems.add(item);
        if ("function_call".equals(item.getString("type")) && whole(item)) {
          calls.put(data.getInteger("output_index", calls.size()), call(item));
        }
      }
      case "response.completed" -> {
        finish(response(data));
        succeeded = true;
        control.completed();
      }
      case "response.incomplete" -> incomplete(response(data), control);
      case "response.failed" -> {
        JsonObject response = response(data);
        usage(response);
        JsonObject error = response.getJsonObject("error", new JsonObject());
        String code = stringOrNull(error.getValue("code"));
        control.failed(
            UpstreamError.streamFailure(
                UpstreamError.Kind.RESPONSE_FAILED,
                code,
                UpstreamError.redact(error.getString("message"))));
      }
      case "error" -> {
        // Top-level code and message; some compatible servers nest them under "error".
        JsonObject error = data.getValue("error") instanceof JsonObject nested ? nested : data;
        String code = stringOrNull(error.getValue("code"));
        control.failed(
            UpstreamError.streamFailure(
                UpstreamError.Kind.STREAM_ERROR,
                code,
                UpstreamError.redact(error.getString("message"))));
      }
      default -> {} // created, in_progress, content parts, reasoning, annotations…: nothing to do
    }
  }

  /** The events whose members a turn reads, besides the deltas: each is read whole. */
  private static final Set<String> READ_WHOLE =
      Set.of(
          "response.output_item.added",
          "response.output_item.done",
          "response.completed",
          "response.incomplete",
          "response.failed",
          "error");

  private static boolean isTextDelta(String type) {
    return "response.output_text.delta".equals(type) || "response.refusal.delta".equals(type);
  }

  private void text(@Nullable String itemId, @Nullable String delta, StreamControl control) {
    if ("commentary".equals(phases.get(itemId))) return;
    if (delta == null || delta.isEmpty()) return;
    control.outputStarted();
    if (lastTextItem != null && itemId != null && !itemId.equals(lastTextItem)) out.startPart();
    if (itemId != null) lastTextItem = itemId;
    sawText = true;
    out.delta(delta);
  }

  private void incomplete(JsonObject response, StreamControl control) {
    JsonObject details = response.getJsonObject("incomplete_details");
    String reason = details == null ? null : details.getString("reason");
    finish(response);
    incompleteReason = reason == null ? "unknown" : reason;
    if (out.textShown() || !calls.isEmpty()) {
      succeeded = true;
      control.completed();
      return;
    }
    control.failed(
        UpstreamError.event(
            UpstreamError.Kind.INCOMPLETE,
            incompleteReason,
            "response incomplete before any text: " + incompleteReason,
            null));
  }

  /** The terminal response: its output is authoritative, its text stands in if none streamed. */
  private void finish(JsonObject response) {
    JsonArray output = response.getJsonArray("output", new JsonArray());
    List<JsonObject> items = new ArrayList<>();
    Map<Integer, FunctionCall> finalCalls = new TreeMap<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < output.size(); i++) {
      JsonObject item = output.getJsonObject(i);
      items.add(item);
      String type = item.getString("type");
      if ("function_call".equals(type) && whole(item)) finalCalls.put(i, call(item));
      if ("message".equals(type) && !"commentary".equals(item.getString("phase"))) {
        String text = messageText(item);
        if (!text.isEmpty()) texts.add(text);
      }
    }
    // The streamed items only stand in when the terminal response lists none.
    if (!output.isEmpty()) {
      finalOutput = items;
      calls.clear();
      calls.putAll(finalCalls);
    }
    if (!sawText) {
      for (String text : texts) {
        out.startPart();
        out.delta(text);
      }
    }
    usage(response);
  }

  private void usage(JsonObject response) {
    JsonObject usage = response.getJsonObject("usage");
    if (usage != null)
      out.addUsage(usage.getInteger("input_tokens", 0), usage.getInteger("output_tokens", 0));
  }

  private static String messageText(JsonObject item) {
    StringBuilder text = new StringBuilder();
    for (Object part : item.getJsonArray("content", new JsonArray())) {
      if (!(part instanceof JsonObject p)) continue;
      if ("output_text".equals(p.getString("type"))) text.append(p.getString("text", ""));
      if ("refusal".equals(p.getString("type"))) text.append(p.getString("refusal", ""));
    }
    return text.toString();
  }

  /** A function call the model finished writing (a call cut by the output cap is incomplete). */
  private static boolean whole(JsonObject item) {
    String status = item.getString("status");
    return status == null || "completed".equals(status);
  }

  private static JsonObject response(JsonObject data) {
    JsonObject response = data.getJsonObject("response");
    return response == null ? new JsonObject() : response;
  }

  private static JsonObject item(JsonObject data) {
    JsonObject item = data.getJsonObject("item");
    return item == null ? new JsonObject() : item;
  }

  private static FunctionCall call(JsonObject item) {
    return new FunctionCall(
        item.getString("call_id"), item.getString("name"), item.getString("arguments", ""));
  }

  private static @Nullable String stringOrNull(@Nullable Object v) {
    return v == null ? null : v.toString();
  }
}
