package ai.talia.webchat.assistant.openai;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A turn on the Responses API, in one of two states ({@code TALIA_OPENAI_STATE}).
 *
 * <p>{@code conversation}: one Conversation per session keeps the history, so each call sends only
 * what the conversation does not hold yet (the visitor's text, or the tool outputs) with the
 * instructions and tools, which the API does not keep.
 *
 * <p>{@code stateless}: nothing of the chat is kept at OpenAI. Each call sends the session's recent
 * history from our own store and this turn's items so far as {@code input}, with {@code
 * store:false} and no conversation. Servers without the Conversations API (Azure OpenAI answers 404
 * there; vLLM, llama.cpp and Ollama have none) get this: when creating a conversation answers 404
 * or 405, the engine says so once in the log and runs stateless from then on.
 *
 * <p>A response on a conversation adds its input, and whatever it produced, to the conversation
 * even when it then fails ({@code store:true}: the response exists). So a call that went out and
 * did not succeed may have left this turn's input there; sending it again would give the model the
 * visitor's words twice. Such a conversation is abandoned — the session forgets it and it is
 * deleted upstream, best effort — and the next attempt, whether a retry within the turn or the
 * visitor's resend, starts a new one from our own store and sends this turn's items once. A call
 * refused with an HTTP error status never created a response and leaves the conversation as it was.
 * A conversation the API no longer knows (404), or one left with a function call that never got its
 * output (400), is rebuilt from the stored history the same way.
 */
final class ResponsesTurns implements ApiTurns {
  private static final Logger log = LoggerFactory.getLogger(ResponsesTurns.class);
  static final int MAX_ITEMS_PER_CALL = 20;

  private final OpenAiClient client;
  private final OpenAiSettings settings;
  private final AssistantProfile profile;

  /** Set once creating a conversation answered 404/405: the server has no Conversations API. */
  private final AtomicBoolean noConversationsApi = new AtomicBoolean();

  ResponsesTurns(OpenAiClient client, OpenAiSettings settings, AssistantProfile profile) {
    this.client = client;
    this.settings = settings;
    this.profile = profile;
  }

  @Override
  public Future<String> run(Turn turn, String instructions, TurnOutput out) {
    return new TurnCalls(turn, instructions, out).run();
  }

  @Override
  public String state() {
    return stateless() ? "stateless" : "conversation";
  }

  private boolean stateless() {
    return settings.state() == OpenAiSettings.State.STATELESS || noConversationsApi.get();
  }

  /** Creating a conversation answered 404/405: no Conversations API here; say it once. */
  private boolean fallBackToStateless(UpstreamError error) {
    if (error.status() != 404 && error.status() != 405) return false;
    if (noConversationsApi.compareAndSet(false, true)) {
      log.warn(
          "this API has no Conversations API (POST /conversations answered "
              + error.status()
              + "): the openai engine runs stateless from now on, sending each session's recent "
              + "history from our store with store:false; set TALIA_OPENAI_STATE=stateless to "
              + "start that way",
          kv("base_url", settings.baseUrl().replaceAll("//[^/@]*@", "//***@")),
          kv("status", error.status()),
          kv("request_id", error.requestId()));
    }
    return true;
  }

  /** The model calls of one turn, and what the turn's conversation holds of them. */
  private final class TurnCalls {
    private final Turn turn;
    private final String instructions;
    private final TurnOutput out;

    /** This turn's items in order: the visitor's message, each call's output, the tool results. */
    private final List<JsonObject> items = new ArrayList<>();

    /** The session's conversation. */
    private @Nullable String conversationId;

    /** How many of {@link #items} the conversation holds (sent by calls that succeeded). */
    private int delivered;

    /** The reader of the latest attempt: whether it failed after reaching the API. */
    private @Nullable ResponsesStreamReader attempt;

    private boolean rebuilt;

    TurnCalls(Turn turn, String instructions, TurnOutput out) {
      this.turn = turn;
      this.instructions = instructions;
      this.out = out;
      items.add(message(StoredMessage.ROLE_USER, turn.userMessage().content()));
    }

    Future<String> run() {
      // A session without a conversation may still have history (it began on another engine, or
      // its conversation was abandoned): the new conversation starts with it.
      Future<Void> ready;
      if (stateless()) {
        // A conversation kept from before is stale from now on; when stateless is the operator's
        // choice (nothing of the chat kept at OpenAI), it goes upstream too.
        conversationId = turn.conversationId();
        ready =
            abandon(
                "the engine runs stateless", settings.state() == OpenAiSettings.State.STATELESS);
      } else if (turn.conversationId() != null) {
        ready = use(turn.conversationId());
      } else {
        ready = createConversation();
      }
      return ready
          .compose(v -> converse(0))
          .compose(
              v ->
                  out.textShown()
                      ? Future.succeededFuture(conversationId)
                      : Future.failedFuture(
                          UpstreamError.of(
                              UpstreamError.Kind.BAD_RESPONSE, "the model answered no text")))
          .recover(
              failure ->
                  holdsPartOfThisTurn()
                      ? abandon("the turn failed after reaching the conversation", true)
                          .transform(ignored -> Future.failedFuture(failure))
                      : Future.failedFuture(failure));
    }

    private Future<Void> use(String id) {
      conversationId = id;
      return Future.succeededFuture();
    }

    /** Whether the conversation may hold items of this turn that our store will not have. */
    private boolean holdsPartOfThisTurn() {
      return conversationId != null && (delivered > 0 || taintedByAttempt());
    }

    private boolean taintedByAttempt() {
      return attempt != null && !attempt.succeeded() && attempt.mayHaveReachedApi();
    }

    /** One model call, then as many tool rounds as the model asks for, up to the bound. */
    private Future<Void> converse(int toolRounds) {
      boolean toolsAllowed = toolRounds < settings.maxToolRounds();
      out.nextCall();
      return client.stream(
              "responses.create",
              "/responses",
              () -> prepare().map(v -> request(toolsAllowed)),
              () -> attempt = new ResponsesStreamReader(out),
              () -> !out.textShown(),
              turn.stored())
          .recover(this::rebuildIfUnusable)
          .compose(
              reader ->
                  reader == null ? converse(toolRounds) : after(reader, toolsAllowed, toolRounds));
    }

    /**
     * Before each attempt: a conversation the previous attempt may have written into is replaced,
     * so this attempt's input is not in it twice.
     */
    private Future<Void> prepare() {
      if (conversationId == null || !taintedByAttempt()) return Future.succeededFuture();
      log.info(
          "retrying in a new conversation: the failed attempt may have left its input in the old one",
          kv("session_id", turn.sessionId()),
          kv("conversation_id", conversationId));
      return abandon("a retried call may have written into it", true)
          .compose(v -> createConversation())
          .recover(
              failure ->
                  // The attempt cannot go out: no retry of the rebuild on top of the call's own.
                  Future.failedFuture(UpstreamError.from(failure).notRetryable()));
    }

    /**
     * A conversation the API no longer knows (404), or one stuck with a call that never got its
     * output (400): rebuilt from the history once; null asks the caller to call again.
     */
    private Future<ResponsesStreamReader> rebuildIfUnusable(Throwable failure) {
      UpstreamError error = UpstreamError.from(failure);
      boolean lost = error.isLostConversation(conversationId);
      boolean unusable = lost || error.isStuckConversation();
      if (conversationId == null || rebuilt || out.textShown() || !unusable)
        return Future.failedFuture(error);
      rebuilt = true;
      log.warn(
          "conversation unusable upstream; rebuilding it from the stored history",
          kv("session_id", turn.sessionId()),
          kv("conversation_id", conversationId),
          kv("reason", error.kind().tag()),
          kv("history_items", turn.history().size()));
      return abandon("unusable upstream", !lost)
          .compose(v -> createConversation())
          .map((ResponsesStreamReader) null);
    }

    private Future<Void> after(ResponsesStreamReader reader, boolean toolsAllowed, int toolRounds) {
      items.addAll(reader.replayItems());
      delivered = items.size();
      List<FunctionCall> calls =
          reader.functionCalls().stream().filter(c -> c.callId() != null).toList();
      if (calls.isEmpty() && reader.incompleteReason() != null) {
        // Cut short after text reached the visitor: what was written is the reply.
        out.markIncomplete(reader.incompleteReason());
        return Future.succeededFuture();
      }
      if (calls.isEmpty()) return Future.succeededFuture();
      if (!toolsAllowed) return answerUnrunCalls(calls);
      return runTools(calls)
          .compose(
              outputs -> {
                items.addAll(outputs);
                return converse(toolRounds + 1);
              });
    }

    private JsonObject request(boolean toolsAllowed) {
      boolean stateless = conversationId == null;
      Object input;
      if (stateless) {
        List<JsonObject> all = historyItems(turn.history());
        all.addAll(items);
        input = new JsonArray(all);
      } else {
        List<JsonObject> pending = items.subList(delivered, items.size());
        // The visitor's text alone goes as a plain string, as the API documents it.
        input =
            delivered == 0 && pending.size() == 1
                ? turn.userMessage().content()
                : new JsonArray(new ArrayList<>(pending));
      }
      JsonObject body =
          new JsonObject()
              .put("model", settings.model())
              .put("instructions", instructions)
              .put("input", input)
              .put("stream", true)
              .put("store", !stateless && settings.store())
              .put("max_output_tokens", settings.maxOutputTokens())
              .put("safety_identifier", SafetyIdentifier.of(turn.sessionId()));
      if (!stateless) body.put("conversation", conversationId);
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
    private Future<List<JsonObject>> runTools(List<FunctionCall> calls) {
      List<JsonObject> outputs = new ArrayList<>();
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
    private Future<Void> answerUnrunCalls(List<FunctionCall> calls) {
      log.warn(
          "tool round bound reached; leaving calls unrun",
          kv("session_id", turn.sessionId()),
          kv("calls", calls.size()),
          kv("max_tool_rounds", settings.maxToolRounds()));
      if (conversationId == null) return Future.succeededFuture(); // stateless: nothing kept
      JsonArray outputs = new JsonArray();
      for (FunctionCall call : calls)
        outputs.add(functionOutput(call.callId(), LeadTool.error("tool_round_limit")));
      // Best effort: if this fails, the next turn finds the conversation stuck and rebuilds it.
      return client
          .postJson(
              "conversations.items.create",
              "/conversations/" + conversationId + "/items",
              new JsonObject().put("items", outputs),
              () -> false)
          .<Void>mapEmpty()
          .otherwiseEmpty();
    }

    /**
     * The session forgets its conversation at once (a failure after this must not bring it back);
     * upstream it is deleted, best effort, when it still exists and holds the visitor's words.
     */
    private Future<Void> abandon(String why, boolean delete) {
      String old = conversationId;
      conversationId = null;
      delivered = 0;
      attempt = null;
      if (old == null) return Future.succeededFuture();
      log.info(
          "abandoning conversation",
          kv("session_id", turn.sessionId()),
          kv("conversation_id", old),
          kv("why", why));
      Future<Void> forgotten = turn.keepConversation().apply(null);
      if (!delete) return forgotten;
      return forgotten.compose(
          v ->
              client
                  .delete("conversations.delete", "/conversations/" + old)
                  .<Void>mapEmpty()
                  .recover(
                      e -> {
                        log.info(
                            "could not delete an abandoned conversation",
                            kv("session_id", turn.sessionId()),
                            kv("conversation_id", old),
                            kv("error", UpstreamError.from(e).describe()));
                        return Future.succeededFuture();
                      }));
    }

    /**
     * Creates a conversation holding the session's history (at most 20 items go with the creation,
     * the rest follow 20 at a time) and has the session keep its id before the model is called.
     * None of this turn's items go in: the next call sends them.
     */
    private Future<Void> createConversation() {
      if (stateless()) return Future.succeededFuture();
      String sessionId = turn.sessionId();
      List<JsonObject> history = historyItems(turn.history());
      JsonObject body =
          new JsonObject().put("metadata", new JsonObject().put("session_id", sessionId));
      List<JsonObject> first = history.subList(0, Math.min(MAX_ITEMS_PER_CALL, history.size()));
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
                    kv("items", history.size()));
                return appendItems(id, history, first.size())
                    .recover(
                        failure ->
                            // Half built, maybe holding a batch it was not told of: not to be used.
                            client
                                .delete("conversations.delete", "/conversations/" + id)
                                .transform(ignored -> Future.<Void>failedFuture(failure)))
                    .compose(v -> turn.keepConversation().apply(id))
                    .compose(v -> use(id));
              })
          .recover(
              failure ->
                  fallBackToStateless(UpstreamError.from(failure))
                      ? Future.succeededFuture()
                      : Future.failedFuture(failure))
          .onSuccess(v -> delivered = 0);
    }

    private Future<Void> appendItems(String id, List<JsonObject> history, int from) {
      if (from >= history.size()) return Future.succeededFuture();
      int to = Math.min(history.size(), from + MAX_ITEMS_PER_CALL);
      JsonObject body =
          new JsonObject().put("items", new JsonArray(new ArrayList<>(history.subList(from, to))));
      // Not retried: a batch the API took before the answer was lost would be there twice.
      return client
          .postJson(
              "conversations.items.create", "/conversations/" + id + "/items", body, () -> false)
          .compose(v -> appendItems(id, history, to));
    }
  }

  private static JsonObject functionOutput(String callId, String output) {
    return new JsonObject()
        .put("type", "function_call_output")
        .put("call_id", callId)
        .put("output", output);
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("type", "message").put("role", role).put("content", content);
  }

  /**
   * The stored history as input items: the visitor's and the assistant's messages, oldest first (an
   * incomplete reply as it was written).
   */
  static List<JsonObject> historyItems(List<StoredMessage> history) {
    List<JsonObject> items = new ArrayList<>();
    for (StoredMessage m : history) {
      boolean known =
          StoredMessage.ROLE_USER.equals(m.role()) || StoredMessage.ROLE_ASSISTANT.equals(m.role());
      if (!known || m.content() == null || m.content().isBlank()) continue;
      items.add(message(m.role(), m.content()));
    }
    return items;
  }
}
