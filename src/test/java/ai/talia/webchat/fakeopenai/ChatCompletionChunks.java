package ai.talia.webchat.fakeopenai;

import ai.talia.webchat.fakeopenai.EventStreamWriter.Emission;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns a {@link FakeReply} into Chat Completions chunks ({@code data:} lines only): a role chunk,
 * content deltas, tool calls keyed by {@code index} with their arguments in pieces, a finish chunk,
 * the usage chunk when {@code stream_options.include_usage} is set, then {@code [DONE]}.
 */
final class ChatCompletionChunks {
  private final JsonObject request;
  private final FakeReply reply;
  private final String id;
  private final long created = System.currentTimeMillis() / 1000;
  private final Supplier<String> ids;
  private final boolean includeUsage;
  private final JsonArray toolCalls = new JsonArray();

  ChatCompletionChunks(JsonObject request, FakeReply reply, String id, Supplier<String> ids) {
    this.request = request;
    this.reply = reply;
    this.id = id;
    this.ids = ids;
    JsonObject options = request.getJsonObject("stream_options");
    this.includeUsage = options != null && options.getBoolean("include_usage", false);
  }

  List<Emission> chunks() {
    List<Emission> out = new ArrayList<>();
    out.add(
        chunk(
            new JsonObject().put("role", "assistant").put("content", "").put("refusal", null),
            null,
            false,
            false));
    for (FakeReply.Message message : reply.messages) {
      for (String piece : message.pieces())
        out.add(chunk(new JsonObject().put("content", piece), null, true, false));
    }
    for (int i = 0; i < reply.calls.size(); i++) {
      FakeReply.Call call = reply.calls.get(i);
      String callId = "call_" + ids.get();
      toolCalls.add(
          new JsonObject()
              .put("id", callId)
              .put("type", "function")
              .put(
                  "function",
                  new JsonObject().put("name", call.name()).put("arguments", call.arguments())));
      JsonObject head =
          new JsonObject()
              .put("index", i)
              .put("id", callId)
              .put("type", "function")
              .put("function", new JsonObject().put("name", call.name()).put("arguments", ""));
      out.add(
          chunk(new JsonObject().put("tool_calls", new JsonArray().add(head)), null, false, false));
      for (String piece : FakeReply.pieces(call.arguments(), call.pieces())) {
        JsonObject function = new JsonObject().put("arguments", piece);
        if (reply.repeatToolName) function.put("name", call.name());
        JsonObject more = new JsonObject().put("index", i).put("function", function);
        out.add(
            chunk(
                new JsonObject().put("tool_calls", new JsonArray().add(more)), null, true, false));
      }
    }
    if (reply.failedCode != null) {
      out.add(errorChunk(reply.failedCode, reply.failedMessage));
      return thinkingFirst(out);
    }
    out.add(chunk(new JsonObject(), finishReason(), false, true));
    if (includeUsage) {
      JsonObject usage = base().put("choices", new JsonArray()).put("usage", usage());
      out.add(new Emission(null, usage.encode(), false, false));
    }
    out.add(new Emission(null, "[DONE]", false, false));
    return thinkingFirst(out);
  }

  /** A reasoning model is silent while it thinks: the delay goes before its first output. */
  private List<Emission> thinkingFirst(List<Emission> out) {
    if (reply.reasoningMs <= 0) return out;
    Emission first = out.get(1);
    out.set(
        1,
        new Emission(
            first.event(), first.data(), first.delta(), first.terminal(), reply.reasoningMs));
    return out;
  }

  Emission errorEvent(int ignoredSequence) {
    return errorChunk(reply.errorCode, reply.errorMessage);
  }

  /** The non-streaming answer. */
  JsonObject completion() {
    chunks(); // fills toolCalls
    JsonObject message =
        new JsonObject()
            .put("role", "assistant")
            .put("content", reply.chatText())
            .put("refusal", null);
    if (!toolCalls.isEmpty()) message.put("tool_calls", toolCalls.copy());
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion")
        .put("created", created)
        .put("model", request.getString("model"))
        .put("system_fingerprint", "fp_fake")
        .put(
            "choices",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("index", 0)
                        .put("message", message)
                        .put("logprobs", null)
                        .put("finish_reason", finishReason())))
        .put("usage", usage());
  }

  private String finishReason() {
    if (reply.incompleteReason != null) return "length";
    return reply.calls.isEmpty() ? "stop" : "tool_calls";
  }

  private Emission errorChunk(String code, String message) {
    JsonObject error = OpenAiErrors.body(message, "server_error", null, code);
    return new Emission(null, error.encode(), false, true);
  }

  private JsonObject usage() {
    int output = reply.outputTokens();
    return new JsonObject()
        .put("prompt_tokens", reply.inputTokens)
        .put("completion_tokens", output)
        .put("total_tokens", reply.inputTokens + output)
        .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 0))
        .put(
            "completion_tokens_details",
            new JsonObject().put("reasoning_tokens", reply.reasoningTokens));
  }

  private JsonObject base() {
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion.chunk")
        .put("created", created)
        .put("model", request.getString("model"))
        .put("system_fingerprint", "fp_fake");
  }

  private Emission chunk(JsonObject delta, String finishReason, boolean isDelta, boolean terminal) {
    JsonObject chunk =
        base()
            .put(
                "choices",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("index", 0)
                            .put("delta", delta)
                            .put("logprobs", null)
                            .put("finish_reason", finishReason)));
    if (includeUsage) chunk.put("usage", null);
    return new Emission(null, chunk.encode(), isDelta, terminal);
  }
}
