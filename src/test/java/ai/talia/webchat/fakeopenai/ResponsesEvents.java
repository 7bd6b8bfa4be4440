package ai.talia.webchat.fakeopenai;

import ai.talia.webchat.fakeopenai.EventStreamWriter.Emission;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns a {@link FakeReply} into the Responses API's objects and stream events, in the order and
 * shape of the wire reference, every event carrying its {@code sequence_number}.
 */
final class ResponsesEvents {
  private final JsonObject request;
  private final FakeReply reply;
  private final String responseId;
  private final String conversationId;
  private final long createdAt = System.currentTimeMillis() / 1000;
  private final Supplier<String> ids;
  private final List<JsonObject> outputItems = new ArrayList<>();

  /** For each output item, the position of its {@code output_item.done} among the events. */
  private final List<Integer> doneAt = new ArrayList<>();

  ResponsesEvents(
      JsonObject request,
      FakeReply reply,
      String responseId,
      String conversationId,
      Supplier<String> ids) {
    this.request = request;
    this.reply = reply;
    this.responseId = responseId;
    this.conversationId = conversationId;
    this.ids = ids;
  }

  /**
   * The output items once the response is done, in output order: reasoning, messages, function
   * calls. A response cut by its output cap ends its last message {@code status: "incomplete"}.
   */
  List<JsonObject> outputItems() {
    return outputItems;
  }

  /**
   * The output items whose {@code response.output_item.done} was among the first {@code sent}
   * events: what a response that ended there produced.
   */
  List<JsonObject> outputItemsDoneWithin(int sent) {
    List<JsonObject> done = new ArrayList<>();
    for (int i = 0; i < outputItems.size(); i++) {
      if (doneAt.get(i) < sent) done.add(outputItems.get(i));
    }
    return done;
  }

  List<Emission> events() {
    List<Emission> out = new ArrayList<>();
    add(
        out,
        "response.created",
        new JsonObject().put("response", response("in_progress", new JsonArray())),
        false,
        false);
    add(
        out,
        "response.in_progress",
        new JsonObject().put("response", response("in_progress", new JsonArray())),
        false,
        false);
    int outputIndex = 0;
    if (reply.reasoningMs >= 0) {
      JsonObject reasoning =
          new JsonObject()
              .put("id", "rs_" + ids.get())
              .put("type", "reasoning")
              .put("summary", new JsonArray());
      add(
          out,
          "response.output_item.added",
          new JsonObject().put("output_index", outputIndex).put("item", reasoning.copy()),
          false,
          false);
      JsonObject done = reasoning.copy();
      // Only asked for, and then opaque: what a stateless client must send back to keep it.
      if (request.getJsonArray("include", new JsonArray()).contains("reasoning.encrypted_content"))
        done.put("encrypted_content", "gAAAAB" + ids.get() + ids.get());
      addItemDone(out, outputIndex, done, reply.reasoningMs);
      outputIndex++;
    }
    for (int m = 0; m < reply.messages.size(); m++) {
      FakeReply.Message message = reply.messages.get(m);
      boolean cut =
          reply.incompleteReason != null && m == reply.messages.size() - 1 && reply.calls.isEmpty();
      String itemId = "msg_" + ids.get();
      JsonObject inProgress =
          new JsonObject()
              .put("id", itemId)
              .put("type", "message")
              .put("status", "in_progress")
              .put("content", new JsonArray())
              .put("role", "assistant");
      if (message.phase() != null) inProgress.put("phase", message.phase());
      add(
          out,
          "response.output_item.added",
          new JsonObject().put("output_index", outputIndex).put("item", inProgress),
          false,
          false);
      add(
          out,
          "response.content_part.added",
          part(itemId, outputIndex).put("part", textPart("")),
          false,
          false);
      for (String piece : message.pieces()) {
        add(
            out,
            "response.output_text.delta",
            part(itemId, outputIndex).put("delta", piece).put("logprobs", new JsonArray()),
            true,
            false);
      }
      add(
          out,
          "response.output_text.done",
          part(itemId, outputIndex).put("text", message.text()).put("logprobs", new JsonArray()),
          false,
          false);
      add(
          out,
          "response.content_part.done",
          part(itemId, outputIndex).put("part", textPart(message.text())),
          false,
          false);
      JsonObject done =
          inProgress
              .copy()
              .put("status", cut ? "incomplete" : "completed")
              .put("content", new JsonArray().add(textPart(message.text())));
      addItemDone(out, outputIndex, done, 0);
      outputIndex++;
    }
    for (int c = 0; c < reply.calls.size(); c++) {
      FakeReply.Call call = reply.calls.get(c);
      // The output cap cuts the last item: a call whose arguments it stopped is incomplete.
      boolean cut = reply.incompleteReason != null && c == reply.calls.size() - 1;
      String itemId = "fc_" + ids.get();
      String callId = "call_" + ids.get();
      JsonObject added =
          new JsonObject()
              .put("id", itemId)
              .put("type", "function_call")
              .put("status", "in_progress")
              .put("arguments", "")
              .put("call_id", callId)
              .put("name", call.name());
      add(
          out,
          "response.output_item.added",
          new JsonObject().put("output_index", outputIndex).put("item", added),
          false,
          false);
      for (String piece : FakeReply.pieces(call.arguments(), call.pieces())) {
        add(
            out,
            "response.function_call_arguments.delta",
            new JsonObject()
                .put("item_id", itemId)
                .put("output_index", outputIndex)
                .put("delta", piece),
            true,
            false);
      }
      add(
          out,
          "response.function_call_arguments.done",
          new JsonObject()
              .put("item_id", itemId)
              .put("output_index", outputIndex)
              .put("arguments", call.arguments()),
          false,
          false);
      JsonObject done =
          added
              .copy()
              .put("status", cut ? "incomplete" : "completed")
              .put("arguments", call.arguments());
      addItemDone(out, outputIndex, done, 0);
      outputIndex++;
    }
    add(out, terminalType(), new JsonObject().put("response", finalResponse()), false, true);
    return out;
  }

  private void addItemDone(List<Emission> out, int outputIndex, JsonObject item, long delayMs) {
    doneAt.add(out.size());
    outputItems.add(item);
    JsonObject data =
        new JsonObject()
            .put("type", "response.output_item.done")
            .put("sequence_number", out.size())
            .put("output_index", outputIndex)
            .put("item", item);
    out.add(new Emission("response.output_item.done", data.encode(), false, false, delayMs));
  }

  /** The {@code error} event a stream may end with, numbered as the next event. */
  Emission errorEvent(int sequenceNumber) {
    JsonObject data =
        new JsonObject()
            .put("type", "error")
            .put("sequence_number", sequenceNumber)
            .put("code", reply.errorCode)
            .put("message", reply.errorMessage)
            .put("param", null);
    return new Emission("error", data.encode(), false, true);
  }

  String terminalType() {
    if (reply.failedCode != null) return "response.failed";
    if (reply.incompleteReason != null) return "response.incomplete";
    return "response.completed";
  }

  boolean succeeds() {
    return reply.failedCode == null && reply.incompleteReason == null;
  }

  JsonObject finalResponse() {
    JsonArray output = new JsonArray(new ArrayList<>(outputItems));
    if (reply.failedCode != null) {
      // A failed response still carries what it cost.
      return response("failed", output)
          .put(
              "error",
              new JsonObject().put("code", reply.failedCode).put("message", reply.failedMessage))
          .put("usage", usage());
    }
    if (reply.incompleteReason != null) {
      return response("incomplete", output)
          .put("incomplete_details", new JsonObject().put("reason", reply.incompleteReason))
          .put("usage", usage());
    }
    return response("completed", output).put("usage", usage());
  }

  private JsonObject usage() {
    int output = reply.outputTokens();
    return new JsonObject()
        .put("input_tokens", reply.inputTokens)
        .put("input_tokens_details", new JsonObject().put("cached_tokens", 0))
        .put("output_tokens", output)
        .put(
            "output_tokens_details",
            new JsonObject().put("reasoning_tokens", reply.reasoningTokens))
        .put("total_tokens", reply.inputTokens + output);
  }

  private JsonObject response(String status, JsonArray output) {
    return new JsonObject()
        .put("id", responseId)
        .put("object", "response")
        .put("created_at", createdAt)
        .put("status", status)
        .put("background", false)
        .put("error", null)
        .put("incomplete_details", null)
        .put("instructions", request.getValue("instructions"))
        .put("max_output_tokens", request.getValue("max_output_tokens"))
        .put("model", request.getString("model"))
        .put("output", output)
        .put("parallel_tool_calls", request.getBoolean("parallel_tool_calls", true))
        .put("previous_response_id", null)
        .put(
            "conversation",
            conversationId == null ? null : new JsonObject().put("id", conversationId))
        .put(
            "reasoning",
            new JsonObject()
                .put(
                    "effort",
                    request.getJsonObject("reasoning", new JsonObject()).getValue("effort"))
                .put("summary", null))
        .put("safety_identifier", request.getValue("safety_identifier"))
        .put("store", request.getBoolean("store", true))
        .put("temperature", request.getValue("temperature", 1.0))
        .put("text", new JsonObject().put("format", new JsonObject().put("type", "text")))
        .put("tool_choice", request.getValue("tool_choice", "auto"))
        .put("tools", request.getValue("tools", new JsonArray()))
        .put("top_p", 1.0)
        .put("truncation", request.getString("truncation", "disabled"))
        .put("usage", null)
        .put("metadata", request.getValue("metadata", new JsonObject()));
  }

  private static JsonObject part(String itemId, int outputIndex) {
    return new JsonObject()
        .put("item_id", itemId)
        .put("output_index", outputIndex)
        .put("content_index", 0);
  }

  private static JsonObject textPart(String text) {
    return new JsonObject()
        .put("type", "output_text")
        .put("annotations", new JsonArray())
        .put("logprobs", new JsonArray())
        .put("text", text);
  }

  private static void add(
      List<Emission> out, String type, JsonObject data, boolean delta, boolean terminal) {
    JsonObject ordered = new JsonObject().put("type", type).put("sequence_number", out.size());
    data.forEach(e -> ordered.put(e.getKey(), e.getValue()));
    out.add(new Emission(type, ordered.encode(), delta, terminal));
  }
}
