package ai.talia.webchat.assistant.openai;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A turn on {@code /v1/chat/completions}, for servers without the Responses API: there is no
 * server-side conversation, so every call sends the system instructions, the stored history, the
 * visitor's message and this turn's tool exchanges. The turn keeps no conversation id.
 */
final class ChatCompletionsTurns implements ApiTurns {
  private static final Logger log = LoggerFactory.getLogger(ChatCompletionsTurns.class);

  private final OpenAiClient client;
  private final OpenAiSettings settings;
  private final AssistantProfile profile;

  ChatCompletionsTurns(OpenAiClient client, OpenAiSettings settings, AssistantProfile profile) {
    this.client = client;
    this.settings = settings;
    this.profile = profile;
  }

  @Override
  public String state() {
    return "stateless";
  }

  @Override
  public Future<String> run(Turn turn, String instructions, TurnOutput out) {
    JsonArray messages = new JsonArray().add(message("system", instructions));
    for (StoredMessage m : turn.history()) {
      boolean known =
          StoredMessage.ROLE_USER.equals(m.role()) || StoredMessage.ROLE_ASSISTANT.equals(m.role());
      if (known && m.content() != null && !m.content().isBlank())
        messages.add(message(m.role(), m.content()));
    }
    messages.add(message("user", turn.userMessage().content()));
    return converse(turn, messages, 0, out).map(turn.conversationId());
  }

  private Future<Void> converse(Turn turn, JsonArray messages, int toolRounds, TurnOutput out) {
    boolean toolsAllowed = toolRounds < settings.maxToolRounds();
    JsonObject body = request(turn, messages, toolsAllowed);
    out.nextCall();
    return client.stream(
            "chat.completions",
            "/chat/completions",
            body,
            () -> new ChatCompletionsStreamReader(out),
            () -> !out.textShown(),
            turn.stored())
        .compose(
            reader -> {
              if (reader.incompleteReason() != null) {
                out.markIncomplete(reader.incompleteReason());
                return Future.succeededFuture();
              }
              List<FunctionCall> calls = reader.functionCalls();
              if (calls.isEmpty()) return Future.succeededFuture();
              if (!toolsAllowed) {
                log.warn(
                    "tool round bound reached; leaving calls unrun",
                    kv("session_id", turn.sessionId()),
                    kv("calls", calls.size()),
                    kv("max_tool_rounds", settings.maxToolRounds()));
                return Future.succeededFuture();
              }
              JsonArray toolCalls = new JsonArray();
              for (FunctionCall call : calls) {
                toolCalls.add(
                    new JsonObject()
                        .put("id", call.callId())
                        .put("type", "function")
                        .put(
                            "function",
                            new JsonObject()
                                .put("name", call.name())
                                .put("arguments", call.arguments())));
              }
              JsonArray next =
                  messages
                      .copy()
                      .add(
                          new JsonObject()
                              .put("role", "assistant")
                              .put("content", reader.text().isEmpty() ? null : reader.text())
                              .put("tool_calls", toolCalls));
              return runTools(turn, calls, next)
                  .compose(withResults -> converse(turn, withResults, toolRounds + 1, out));
            });
  }

  private JsonObject request(Turn turn, JsonArray messages, boolean toolsAllowed) {
    JsonObject body =
        new JsonObject()
            .put("model", settings.model())
            .put("messages", messages)
            .put("stream", true)
            .put("stream_options", new JsonObject().put("include_usage", true))
            .put(settings.chatMaxTokensParam(), settings.maxOutputTokens())
            .put("safety_identifier", SafetyIdentifier.of(turn.sessionId()));
    JsonArray tools = profile.chatCompletionsTools();
    if (!tools.isEmpty())
      body.put("tools", tools).put("tool_choice", toolsAllowed ? "auto" : "none");
    if (settings.temperature() != null) body.put("temperature", settings.temperature());
    if (settings.reasoningEffort() != null)
      body.put("reasoning_effort", settings.reasoningEffort());
    return body;
  }

  private Future<JsonArray> runTools(Turn turn, List<FunctionCall> calls, JsonArray messages) {
    Future<Void> chain = Future.succeededFuture();
    for (FunctionCall call : calls) {
      chain =
          chain.compose(
              v ->
                  LeadTool.run(call.name(), call.arguments(), turn.leads(), turn.sessionId())
                      .map(
                          output -> {
                            messages.add(
                                new JsonObject()
                                    .put("role", "tool")
                                    .put("tool_call_id", call.callId())
                                    .put("content", output));
                            return null;
                          }));
    }
    return chain.map(messages);
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }
}
