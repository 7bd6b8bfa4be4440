package ai.talia.webchat.assistant.openai;

import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.await;
import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.failure;
import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.history;
import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.turn;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.assistant.AssistantFailure;
import ai.talia.webchat.assistant.TurnResult;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.fakeopenai.FakeReply;
import ai.talia.webchat.lead.LeadFields;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The engine with {@code TALIA_OPENAI_API_STYLE=chat_completions}, against the fake's {@code
 * /v1/chat/completions}.
 */
class ChatCompletionsEngineTest extends EngineTestBase {

  @Override
  String apiStyle() {
    return "chat_completions";
  }

  @Test
  void sends_instructions_history_and_message_and_streams_the_reply() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("Cuesta 49 € al mes.", 3).usage(200, 8));
    List<StoredMessage> history = history("s-1", 4);

    TurnResult result = await(run(turn("s-1", "¿Cuánto cuesta?", null, history, leads)));

    assertThat(result.text()).isEqualTo("Cuesta 49 € al mes.");
    assertThat(String.join("", deltas)).isEqualTo(result.text());
    assertThat(deltas).hasSize(3);
    assertThat(result.conversationId()).isNull();
    assertThat(result.inputTokens()).isEqualTo(200);
    assertThat(result.outputTokens()).isEqualTo(8);
    assertThat(fake.requests("POST", "/v1/conversations")).isEmpty();

    JsonObject call = fake.chatCompletionCalls().get(0);
    JsonArray messages = call.getJsonArray("messages");
    assertThat(messages).hasSize(6);
    assertThat(messages.getJsonObject(0).getString("role")).isEqualTo("system");
    assertThat(messages.getJsonObject(0).getString("content"))
        .contains("You are TalIA")
        .contains("locale is es");
    for (int i = 0; i < 4; i++) {
      assertThat(messages.getJsonObject(i + 1).getString("role")).isEqualTo(history.get(i).role());
      assertThat(messages.getJsonObject(i + 1).getString("content"))
          .isEqualTo(history.get(i).content());
    }
    assertThat(messages.getJsonObject(5))
        .isEqualTo(new JsonObject().put("role", "user").put("content", "¿Cuánto cuesta?"));
    assertThat(call.getBoolean("stream")).isTrue();
    assertThat(call.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    assertThat(call.getInteger("max_completion_tokens")).isEqualTo(1024);
    assertThat(call.getString("tool_choice")).isEqualTo("auto");
    JsonObject tool = call.getJsonArray("tools").getJsonObject(0);
    assertThat(tool.getString("type")).isEqualTo("function");
    assertThat(tool.getJsonObject("function").getString("name")).isEqualTo("capture_lead");
    assertThat(tool.getJsonObject("function").getBoolean("strict")).isTrue();
    assertThat(tool.getJsonObject("function").getJsonObject("parameters").getJsonArray("required"))
        .containsExactly("name", "email", "phone");
    assertThat(call.containsKey("temperature")).isFalse();
  }

  @Test
  void a_server_that_reads_only_max_tokens_gets_max_tokens() {
    engine(
        Map.of(
            ConfigKeys.OPENAI_CHAT_MAX_TOKENS_PARAM,
            "max_tokens",
            ConfigKeys.OPENAI_MODEL,
            "llama3.2"));
    fake.enqueue(FakeReply.text("Hola.", 1));
    assertThat(await(run(turn("s-1", "hola", null, List.of(), leads))).text()).isEqualTo("Hola.");
    JsonObject call = fake.chatCompletionCalls().get(0);
    assertThat(call.getInteger("max_tokens")).isEqualTo(1024);
    assertThat(call.containsKey("max_completion_tokens")).isFalse();
  }

  @Test
  void a_tool_call_is_run_and_answered_with_a_tool_message() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.captureLead("Ana", "ana@example.com", "+34 612 345 678"),
        FakeReply.text("¡Gracias, Ana!", 2));

    TurnResult result =
        await(
            run(turn("s-1", "Soy Ana, ana@example.com, +34 612 345 678", null, List.of(), leads)));

    assertThat(leads.captured)
        .containsExactly(new LeadFields("Ana", "ana@example.com", "+34 612 345 678"));
    assertThat(result.text()).isEqualTo("¡Gracias, Ana!");
    List<JsonObject> calls = fake.chatCompletionCalls();
    assertThat(calls).hasSize(2);
    JsonArray messages = calls.get(1).getJsonArray("messages");
    JsonObject assistant = messages.getJsonObject(messages.size() - 2);
    JsonObject tool = messages.getJsonObject(messages.size() - 1);
    assertThat(assistant.getString("role")).isEqualTo("assistant");
    JsonObject toolCall = assistant.getJsonArray("tool_calls").getJsonObject(0);
    assertThat(toolCall.getString("type")).isEqualTo("function");
    assertThat(toolCall.getJsonObject("function").getString("name")).isEqualTo("capture_lead");
    assertThat(
            new JsonObject(toolCall.getJsonObject("function").getString("arguments"))
                .getString("email"))
        .isEqualTo("ana@example.com");
    assertThat(tool.getString("role")).isEqualTo("tool");
    assertThat(tool.getString("tool_call_id"))
        .isEqualTo(toolCall.getString("id"))
        .startsWith("call_");
    JsonObject outcome = new JsonObject(tool.getString("content"));
    assertThat(outcome.getString("status")).isEqualTo("stored");
    assertThat(outcome.getBoolean("lead_complete")).isTrue();
  }

  @Test
  void parallel_tool_calls_are_accumulated_by_index_and_each_answered() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.text("Anoto.", 1)
            .thenToolCall("capture_lead", "{\"name\":\"Ana\",\"email\":null,\"phone\":null}")
            .thenToolCall(
                "capture_lead", "{\"name\":null,\"email\":\"ana@example.com\",\"phone\":null}"),
        FakeReply.text("Hecho.", 1));

    TurnResult result = await(run(turn("s-1", "Ana, ana@example.com", null, List.of(), leads)));

    assertThat(leads.captured)
        .containsExactly(
            new LeadFields("Ana", null, null), new LeadFields(null, "ana@example.com", null));
    assertThat(result.text()).isEqualTo("Anoto.\n\nHecho.");
    JsonArray messages = fake.chatCompletionCalls().get(1).getJsonArray("messages");
    JsonObject assistant = messages.getJsonObject(messages.size() - 3);
    assertThat(assistant.getString("content")).isEqualTo("Anoto.");
    assertThat(assistant.getJsonArray("tool_calls")).hasSize(2);
    assertThat(messages.getJsonObject(messages.size() - 2).getString("tool_call_id"))
        .isEqualTo(assistant.getJsonArray("tool_calls").getJsonObject(0).getString("id"));
    assertThat(messages.getJsonObject(messages.size() - 1).getString("tool_call_id"))
        .isEqualTo(assistant.getJsonArray("tool_calls").getJsonObject(1).getString("id"));
  }

  @Test
  void invalid_arguments_are_answered_with_an_error_result() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.toolCall("capture_lead", "{\"name\": [1,2]"),
        FakeReply.text("¿Me lo repites?", 1));
    await(run(turn("s-1", "hola", null, List.of(), leads)));
    assertThat(leads.captured).isEmpty();
    JsonArray messages = fake.chatCompletionCalls().get(1).getJsonArray("messages");
    assertThat(messages.getJsonObject(messages.size() - 1).getString("content"))
        .isEqualTo("{\"status\":\"error\",\"reason\":\"invalid_arguments\"}");
  }

  @Test
  void tool_rounds_are_bounded() {
    engine(Map.of(ConfigKeys.OPENAI_MAX_TOOL_ROUNDS, 1));
    fake.enqueue(2, () -> FakeReply.captureLead("Ana", null, null));
    TurnResult result = await(run(turn("s-1", "Soy Ana", null, List.of(), leads)));
    assertThat(leads.captured).hasSize(1);
    assertThat(fake.chatCompletionCalls())
        .extracting(c -> c.getString("tool_choice"))
        .containsExactly("auto", "none");
    assertThat(result.text()).isEqualTo("De acuerdo.");
  }

  @Test
  void retries_before_text_and_fails_on_a_cut_stream() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.overloaded(),
        FakeReply.rateLimited().retryAfterMs(50),
        FakeReply.text("Hola", 1));
    assertThat(await(run(turn("s-1", "hola", null, List.of(), leads))).text()).isEqualTo("Hola");
    assertThat(fake.chatCompletionCalls()).hasSize(3);

    deltas.clear();
    fake.enqueue(FakeReply.text("uno dos tres", 3).endAfter(1), FakeReply.text("never", 1));
    AssistantFailure cut = failure(run(turn("s-1", "otra", null, List.of(), leads)));
    assertThat(cut.httpStatus()).isEqualTo(502);
    assertThat(deltas).hasSize(1);
    assertThat(fake.chatCompletionCalls()).hasSize(4);
  }

  @Test
  void an_error_chunk_or_a_length_finish_fails_the_turn() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("uno dos", 2).errorAfter(1, "server_error", "boom"));
    assertThat(failure(run(turn("s-1", "a", null, List.of(), leads))).httpStatus()).isEqualTo(502);
    // Stopped by the cap before any text: nothing to keep (with text, it is kept below).
    fake.enqueue(FakeReply.reasoningOnly(0, 1024).incomplete("length"));
    AssistantFailure length = failure(run(turn("s-1", "b", null, List.of(), leads)));
    assertThat(length.httpStatus()).isEqualTo(502);
    assertThat(length.getMessage()).contains("incomplete");
    assertThat(length.tokensUsed()).isPositive();
  }

  @Test
  void a_length_finish_after_text_keeps_the_reply_as_written_marked_incomplete() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("Nuestros planes son", 3).incomplete("length").usage(100, 1024));
    TurnResult result = await(run(turn("s-1", "¿precios?", null, List.of(), leads)));
    assertThat(result.incomplete()).isTrue();
    assertThat(result.text()).isEqualTo("Nuestros planes son");
    assertThat(result.outputTokens()).isEqualTo(1024);
    // The usage chunk (stream_options.include_usage) came after the finish chunk and counted.
    assertThat(result.inputTokens()).isEqualTo(100);
  }

  @Test
  void an_error_chunk_before_any_text_with_a_retryable_code_is_retried() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.text("nunca", 1).errorAfter(0, "rate_limit_exceeded", "slow down"),
        FakeReply.text("nunca", 1).errorAfter(0, "server_error", "boom"),
        FakeReply.text("Hola.", 1));
    assertThat(await(run(turn("s-1", "hola", null, List.of(), leads))).text()).isEqualTo("Hola.");
    assertThat(fake.chatCompletionCalls()).hasSize(3);
  }

  @Test
  void a_tool_name_repeated_in_every_chunk_is_taken_once() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.captureLead("Ana", null, null).repeatToolName(), FakeReply.text("Gracias.", 1));
    await(run(turn("s-1", "Soy Ana", null, List.of(), leads)));
    assertThat(leads.captured).containsExactly(new LeadFields("Ana", null, null));
    JsonArray messages = fake.chatCompletionCalls().get(1).getJsonArray("messages");
    assertThat(
            messages
                .getJsonObject(messages.size() - 2)
                .getJsonArray("tool_calls")
                .getJsonObject(0)
                .getJsonObject("function")
                .getString("name"))
        .isEqualTo("capture_lead");
  }

  @Test
  void a_quiet_stream_times_out() {
    engine(
        Map.of(
            ConfigKeys.OPENAI_IDLE_TIMEOUT_MS, 300, ConfigKeys.OPENAI_FIRST_TOKEN_TIMEOUT_MS, 300));
    fake.enqueue(
        FakeReply.text("uno dos", 2).stallAfter(1),
        FakeReply.text("tarde", 1).firstTokenDelay(2000));
    assertThat(failure(run(turn("s-1", "a", null, List.of(), leads))).httpStatus()).isEqualTo(504);
    assertThat(failure(run(turn("s-1", "b", null, List.of(), leads))).httpStatus()).isEqualTo(504);
  }

  @Test
  void the_scripted_model_runs_a_lead_conversation_end_to_end() {
    engine(Map.of());
    TurnResult greeting = await(run(turn("s-1", "hola", null, List.of(), leads)));
    assertThat(greeting.text()).contains("nombre");
    TurnResult thanks =
        await(
            run(
                turn(
                    "s-1",
                    "Me llamo Ana, ana@example.com, +34 612 345 678",
                    null,
                    List.of(),
                    leads)));
    assertThat(leads.captured)
        .containsExactly(new LeadFields("Ana", "ana@example.com", "+34 612 345 678"));
    assertThat(thanks.text()).contains("Gracias");
  }
}
