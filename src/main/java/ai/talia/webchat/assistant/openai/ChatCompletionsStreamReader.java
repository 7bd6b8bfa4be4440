package ai.talia.webchat.assistant.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Reads one streamed {@code POST /v1/chat/completions}: {@code data:} chunks whose deltas carry
 * text and tool-call pieces keyed by {@code index}, the usage chunk ({@code
 * stream_options.include_usage}: empty {@code choices}, before {@code [DONE]}), then {@code data:
 * [DONE]}. A server that closes the stream after a finish reason but without {@code [DONE]} is
 * accepted. {@code finish_reason: "length"} (or {@code content_filter}) after text reached the
 * visitor ends the call incomplete, the text kept; before any text it fails. An error chunk whose
 * code or type is {@code server_error} or {@code rate_limit_exceeded} is retried like its HTTP
 * status: no server-side state means nothing is sent twice.
 */
final class ChatCompletionsStreamReader implements StreamHandler {
  private final TurnOutput out;
  private final Map<Integer, ToolCallParts> toolCalls = new TreeMap<>();
  private final StringBuilder text = new StringBuilder();
  private @Nullable String finishReason;
  private @Nullable String incompleteReason;

  ChatCompletionsStreamReader(TurnOutput out) {
    this.out = out;
  }

  /** The text this call produced (for the assistant message sent back with the tool results). */
  String text() {
    return text.toString();
  }

  /** Why the completion stopped short ({@code length}, {@code content_filter}), or null. */
  @Nullable String incompleteReason() {
    return incompleteReason;
  }

  List<FunctionCall> functionCalls() {
    List<FunctionCall> calls = new ArrayList<>();
    toolCalls.forEach(
        (index, parts) ->
            calls.add(
                new FunctionCall(
                    parts.id != null ? parts.id : "call_" + index,
                    parts.name.toString(),
                    parts.arguments.toString())));
    return calls;
  }

  @Override
  public void onEvent(SseEvent event, StreamControl control) {
    String data = event.data().strip();
    if (data.equals("[DONE]")) {
      finish(control);
      return;
    }
    JsonObject chunk = new JsonObject(data);
    if (chunk.getValue("error") != null) {
      JsonObject error =
          chunk.getValue("error") instanceof JsonObject e
              ? e
              : new JsonObject().put("message", chunk.getValue("error").toString());
      Object code = error.getValue("code");
      String kindOf = code != null ? code.toString() : error.getString("type");
      control.failed(
          UpstreamError.streamFailure(
              UpstreamError.Kind.STREAM_ERROR,
              kindOf,
              UpstreamError.redact(error.getString("message"))));
      return;
    }
    JsonObject usage = chunk.getJsonObject("usage");
    if (usage != null)
      out.addUsage(usage.getInteger("prompt_tokens", 0), usage.getInteger("completion_tokens", 0));
    JsonArray choices = chunk.getJsonArray("choices", new JsonArray());
    for (int i = 0; i < choices.size(); i++) {
      JsonObject choice = choices.getJsonObject(i);
      if (choice.getInteger("index", 0) != 0) continue;
      JsonObject delta = choice.getJsonObject("delta", new JsonObject());
      String content = delta.getString("content");
      if (content == null) content = delta.getString("refusal");
      if (content != null && !content.isEmpty()) {
        control.outputStarted();
        text.append(content);
        out.delta(content);
      }
      JsonArray calls = delta.getJsonArray("tool_calls");
      if (calls != null && !calls.isEmpty()) {
        control.outputStarted();
        for (int c = 0; c < calls.size(); c++) addToolCallPiece(calls.getJsonObject(c), c);
      }
      if (choice.getString("finish_reason") != null)
        finishReason = choice.getString("finish_reason");
    }
  }

  @Override
  public void onEnd(StreamControl control) {
    if (finishReason != null) finish(control);
  }

  private void finish(StreamControl control) {
    if ("length".equals(finishReason) || "content_filter".equals(finishReason)) {
      if (!out.textShown()) {
        control.failed(
            UpstreamError.event(
                UpstreamError.Kind.INCOMPLETE,
                finishReason,
                "completion stopped before any text: " + finishReason,
                null));
        return;
      }
      incompleteReason = finishReason;
      // Its tool calls were cut too: their arguments are not whole.
      toolCalls.clear();
    }
    control.completed();
  }

  private void addToolCallPiece(JsonObject piece, int position) {
    ToolCallParts parts =
        toolCalls.computeIfAbsent(piece.getInteger("index", position), i -> new ToolCallParts());
    if (piece.getString("id") != null) parts.id = piece.getString("id");
    JsonObject function = piece.getJsonObject("function");
    if (function == null) return;
    // OpenAI names the function once; some servers repeat the whole name in every chunk.
    String name = function.getString("name");
    if (name != null && !name.contentEquals(parts.name)) parts.name.append(name);
    if (function.getString("arguments") != null)
      parts.arguments.append(function.getString("arguments"));
  }

  private static final class ToolCallParts {
    @Nullable String id;
    final StringBuilder name = new StringBuilder();
    final StringBuilder arguments = new StringBuilder();
  }
}
