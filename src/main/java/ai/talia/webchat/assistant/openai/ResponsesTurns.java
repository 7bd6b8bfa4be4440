package ai.talia.webchat.assistant.openai;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A turn on the Responses API with one Conversation per session: the conversation keeps the
 * history, so each call sends only the new input (the visitor's text, or the tool outputs) with the
 * instructions and tools, which the API does not keep. A conversation the API no longer knows
 * (404), or one left with a function call that never got its output (400), is rebuilt from the
 * stored history once, and the call retried.
 */
final class ResponsesTurns implements ApiTurns {
  private static final Logger log = LoggerFactory.getLogger(ResponsesTurns.class);
  static final int MAX_ITEMS_PER_CALL = 20;

  private final OpenAiClient client;
  private final OpenAiSettings settings;
  private final AssistantProfile profile;

  ResponsesTurns(OpenAiClient client, OpenAiSettings settings, AssistantProfile profile) {
    this.client = client;
    this.settings = settings;
    this.profile = profile;
  }

  @Override
  public Future<String> run(Turn turn, String instructions, TurnOutput out) {
    // A session without a conversation may still have history (it began on another engine, or its
    // first turn failed): the new conversation starts with it.
    Future<String> conversation =
        turn.conversationId() != null
            ? Future.succeededFuture(turn.conversationId())
            : createConversation(turn, out);
    return conversation.compose(id -> firstCall(turn, instructions, id, out, false));
  }

  private Future<String> firstCall(
      Turn turn, String instructions, String conversationId, TurnOutput out, boolean rebuilt) {
    Object input = turn.userMessage().content();
    return converse(turn, instructions, conversationId, input, 0, out)
        .recover(
            failure -> {
              UpstreamError error = UpstreamError.from(failure);
              boolean unusable =
                  error.isLostConversation(conversationId) || error.isStuckConversation();
              if (rebuilt || out.textShown() || !unusable) return Future.failedFuture(error);
              log.warn(
                  "conversation unusable upstream; rebuilding it from the stored history",
                  kv("session_id", turn.sessionId()),
                  kv("conversation_id", conversationId),
                  kv("reason", error.kind().tag()),
                  kv("history_items", turn.history().size()));
              return createConversation(turn, out)
                  .compose(newId -> firstCall(turn, instructions, newId, out, true));
            });
  }

  /** One model call, then as many tool rounds as the model asks for, up to the configured bound. */
  private Future<String> converse(
      Turn turn,
      String instructions,
      String conversationId,
      Object input,
      int toolRounds,
      TurnOutput out) {
    boolean toolsAllowed = toolRounds < settings.maxToolRounds();
    JsonObject body = request(turn, instructions, conversationId, input, toolsAllowed);
    out.nextCall();
    return client.stream(
            "responses.create",
            "/responses",
            body,
            () -> new ResponsesStreamReader(out),
            () -> !out.textShown())
        .compose(
            reader -> {
              List<FunctionCall> calls =
                  reader.functionCalls().stream().filter(c -> c.callId() != null).toList();
              if (calls.isEmpty() && reader.incompleteReason() != null) {
                // Cut short after text reached the visitor: what was written is the reply.
                out.markIncomplete(reader.incompleteReason());
                return Future.succeededFuture(conversationId);
              }
              if (calls.isEmpty()) return Future.succeededFuture(conversationId);
              if (!toolsAllowed)
                return answerUnrunCalls(turn, conversationId, calls, out).map(conversationId);
              return runTools(turn, calls)
                  .compose(
                      outputs ->
                          converse(
                              turn, instructions, conversationId, outputs, toolRounds + 1, out));
            });
  }

  private JsonObject request(
      Turn turn, String instructions, String conversationId, Object input, boolean toolsAllowed) {
    JsonObject body =
        new JsonObject()
            .put("model", settings.model())
            .put("conversation", conversationId)
            .put("instructions", instructions)
            .put("input", input)
            .put("stream", true)
            .put("store", settings.store())
            .put("max_output_tokens", settings.maxOutputTokens())
            .put("safety_identifier", SafetyIdentifier.of(turn.sessionId()));
    JsonArray tools = profile.responsesTools();
    if (!tools.isEmpty()) {
      body.put("tools", tools).put("tool_choice", toolsAllowed ? "auto" : "none");
    }
    if (settings.temperature() != null) body.put("temperature", settings.temperature());
    if (settings.truncation() != null) body.put("truncation", settings.truncation());
    if (settings.reasoningEffort() != null)
      body.put("reasoning", new JsonObject().put("effort", settings.reasoningEffort()));
    return body;
  }

  /**
   * Runs the calls one after another (they may touch the same lead) and returns their outputs as
   * input items.
   */
  private Future<JsonArray> runTools(Turn turn, List<FunctionCall> calls) {
    JsonArray outputs = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    for (FunctionCall call : calls) {
      chain =
          chain.compose(
              v ->
                  LeadTool.run(call.name(), call.arguments(), turn.leads(), turn.sessionId())
                      .map(
                          output -> {
                            outputs.add(functionOutput(call.callId(), output));
                            return null;
                          }));
    }
    return chain.map(outputs);
  }

  /**
   * The model called a tool although tools were off for this call (the round bound was reached).
   * The calls are not run, but each still gets an output, appended to the conversation without a
   * model call, so the conversation can go on next turn.
   */
  private Future<Void> answerUnrunCalls(
      Turn turn, String conversationId, List<FunctionCall> calls, TurnOutput out) {
    log.warn(
        "tool round bound reached; leaving calls unrun",
        kv("session_id", turn.sessionId()),
        kv("calls", calls.size()),
        kv("max_tool_rounds", settings.maxToolRounds()));
    JsonArray items = new JsonArray();
    for (FunctionCall call : calls)
      items.add(functionOutput(call.callId(), LeadTool.error("tool_round_limit")));
    // Best effort: if this fails, the next turn finds the conversation stuck and rebuilds it.
    return client
        .postJson(
            "conversations.items.create",
            "/conversations/" + conversationId + "/items",
            new JsonObject().put("items", items),
            () -> false)
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private static JsonObject functionOutput(String callId, String output) {
    return new JsonObject()
        .put("type", "function_call_output")
        .put("call_id", callId)
        .put("output", output);
  }

  /**
   * Creates a conversation holding the session's history (at most 20 items go with the creation,
   * the rest follow 20 at a time) and has the session keep its id before the model is called.
   */
  private Future<String> createConversation(Turn turn, TurnOutput out) {
    String sessionId = turn.sessionId();
    List<JsonObject> items = historyItems(turn.history());
    JsonObject body =
        new JsonObject().put("metadata", new JsonObject().put("session_id", sessionId));
    List<JsonObject> first = items.subList(0, Math.min(MAX_ITEMS_PER_CALL, items.size()));
    if (!first.isEmpty()) body.put("items", new JsonArray(new ArrayList<>(first)));
    return client
        .postJson("conversations.create", "/conversations", body, () -> !out.textShown())
        .compose(
            created -> {
              String id = created.getString("id");
              if (id == null)
                return Future.failedFuture(
                    UpstreamError.of(UpstreamError.Kind.BAD_RESPONSE, "conversation without id"));
              log.info(
                  "conversation created",
                  kv("session_id", sessionId),
                  kv("conversation_id", id),
                  kv("items", items.size()));
              return appendItems(id, items, first.size(), out)
                  .compose(v -> turn.keepConversation().apply(id))
                  .map(id);
            });
  }

  private Future<Void> appendItems(
      String conversationId, List<JsonObject> items, int from, TurnOutput out) {
    if (from >= items.size()) return Future.succeededFuture();
    int to = Math.min(items.size(), from + MAX_ITEMS_PER_CALL);
    JsonObject body =
        new JsonObject().put("items", new JsonArray(new ArrayList<>(items.subList(from, to))));
    return client
        .postJson(
            "conversations.items.create",
            "/conversations/" + conversationId + "/items",
            body,
            () -> !out.textShown())
        .compose(v -> appendItems(conversationId, items, to, out));
  }

  /**
   * The stored history as conversation items: the visitor's and the assistant's messages, oldest
   * first.
   */
  static List<JsonObject> historyItems(List<StoredMessage> history) {
    List<JsonObject> items = new ArrayList<>();
    for (StoredMessage m : history) {
      boolean known =
          StoredMessage.ROLE_USER.equals(m.role()) || StoredMessage.ROLE_ASSISTANT.equals(m.role());
      if (!known || m.content() == null || m.content().isBlank()) continue;
      items.add(
          new JsonObject()
              .put("type", "message")
              .put("role", m.role())
              .put("content", m.content()));
    }
    return items;
  }
}
