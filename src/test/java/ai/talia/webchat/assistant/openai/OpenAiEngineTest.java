package ai.talia.webchat.assistant.openai;

import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.await;
import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.failure;
import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.history;
import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.turn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.assistant.AssistantFailure;
import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.assistant.TurnResult;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.fakeopenai.FakeConversation;
import ai.talia.webchat.fakeopenai.FakeOpenAiServer;
import ai.talia.webchat.fakeopenai.FakeReply;
import ai.talia.webchat.lead.LeadFields;
import ai.talia.webchat.store.StoredMessage;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The Responses + Conversations engine against the fake OpenAI server. */
class OpenAiEngineTest extends EngineTestBase {

  @Override
  String apiStyle() {
    return "responses";
  }

  private Turn firstTurn(String text) {
    return turn("session-1", text, null, List.of(), leads);
  }

  private Turn turnIn(String conversationId, String text) {
    return turn("session-1", text, conversationId, List.of(), leads);
  }

  @Test
  void streams_the_reply_and_creates_the_conversation_on_the_first_turn() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("¡Hola! Soy TalIA.", 4).usage(120, 9));

    TurnResult result = await(run(firstTurn("hola")));

    assertThat(deltas).hasSize(4);
    assertThat(String.join("", deltas)).isEqualTo("¡Hola! Soy TalIA.");
    assertThat(result.text()).isEqualTo("¡Hola! Soy TalIA.");
    assertThat(result.inputTokens()).isEqualTo(120);
    assertThat(result.outputTokens()).isEqualTo(9);
    assertThat(result.conversationId()).startsWith("conv_");
    assertThat(fake.conversation(result.conversationId()).metadata())
        .isEqualTo(new JsonObject().put("session_id", "session-1"));

    JsonObject call = fake.responseCalls().get(0);
    assertThat(call.getString("conversation")).isEqualTo(result.conversationId());
    assertThat(call.getString("model")).isEqualTo("gpt-5-mini");
    assertThat(call.getString("input")).isEqualTo("hola");
    assertThat(call.getBoolean("stream")).isTrue();
    assertThat(call.getBoolean("store")).isTrue();
    assertThat(call.getInteger("max_output_tokens")).isEqualTo(1024);
    assertThat(call.getString("truncation")).isEqualTo("auto");
    assertThat(call.containsKey("temperature"))
        .as("reasoning models refuse temperature: not sent unless set")
        .isFalse();
    assertThat(call.containsKey("previous_response_id")).isFalse();
    assertThat(call.getString("instructions"))
        .contains("locale is es")
        .contains("https://talia.example/precios?utm=x")
        .contains(LocalDate.now(ZoneOffset.UTC).toString())
        .doesNotContain("{{");
    JsonObject tool = call.getJsonArray("tools").getJsonObject(0);
    assertThat(tool.getString("type")).isEqualTo("function");
    assertThat(tool.getString("name")).isEqualTo("capture_lead");
    assertThat(tool.getBoolean("strict")).isTrue();
    assertThat(tool.getJsonObject("parameters").getBoolean("additionalProperties")).isFalse();
    assertThat(tool.getJsonObject("parameters").getJsonArray("required"))
        .containsExactly("name", "email", "phone");
    assertThat(call.getString("safety_identifier"))
        .hasSize(64)
        .matches("[0-9a-f]{64}")
        .doesNotContain("session-1")
        .isEqualTo(SafetyIdentifier.of("session-1"));
    assertThat(fake.requests("POST", "/v1/responses").get(0).header("authorization"))
        .isEqualTo("Bearer " + fake.apiKey());
    assertThat(fake.requests("POST", "/v1/responses").get(0).header("accept"))
        .isEqualTo("text/event-stream");
  }

  @Test
  void a_session_with_history_but_no_conversation_starts_one_holding_that_history() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("Sigo.", 1));
    TurnResult result =
        await(run(turn("session-1", "¿y bien?", null, history("session-1", 3), leads)));
    List<JsonObject> items = fake.conversation(result.conversationId()).items();
    assertThat(items)
        .extracting(i -> i.getString("role"))
        .containsExactly("user", "assistant", "user", "user", "assistant");
    assertThat(items.get(2).getJsonArray("content").getJsonObject(0).getString("text"))
        .isEqualTo("user message 2");
  }

  @Test
  void a_later_turn_uses_the_stored_conversation_and_sends_the_instructions_again() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("Uno.", 1), FakeReply.text("Dos.", 1));
    TurnResult first = await(run(firstTurn("hola")));
    TurnResult second = await(run(turnIn(first.conversationId(), "¿precios?")));

    assertThat(second.conversationId()).isEqualTo(first.conversationId());
    assertThat(fake.requests("POST", "/v1/conversations")).hasSize(1);
    assertThat(fake.responseCalls())
        .hasSize(2)
        .allSatisfy(call -> assertThat(call.getString("instructions")).contains("You are TalIA"))
        .allSatisfy(
            call -> assertThat(call.getString("conversation")).isEqualTo(first.conversationId()));
    assertThat(fake.conversation(first.conversationId()).items())
        .extracting(i -> i.getString("role"))
        .containsExactly("user", "assistant", "user", "assistant");
  }

  @Test
  void capture_lead_round_trip_stores_the_lead_and_streams_the_follow_up() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.captureLead("Ana", "ana@example.com", null).usage(100, 20),
        FakeReply.text("¡Gracias, Ana!", 2).usage(130, 6));

    TurnResult result = await(run(firstTurn("Soy Ana, ana@example.com")));

    assertThat(leads.captured).containsExactly(new LeadFields("Ana", "ana@example.com", null));
    assertThat(result.text()).isEqualTo("¡Gracias, Ana!");
    assertThat(String.join("", deltas)).isEqualTo("¡Gracias, Ana!");
    assertThat(result.inputTokens()).isEqualTo(230);
    assertThat(result.outputTokens()).isEqualTo(26);

    FakeConversation conversation = fake.conversation(result.conversationId());
    String callId =
        conversation.items().stream()
            .filter(i -> "function_call".equals(i.getString("type")))
            .findFirst()
            .orElseThrow()
            .getString("call_id");
    List<JsonObject> calls = fake.responseCalls();
    assertThat(calls).hasSize(2);
    JsonObject output = calls.get(1).getJsonArray("input").getJsonObject(0);
    assertThat(output.getString("type")).isEqualTo("function_call_output");
    assertThat(output.getString("call_id")).isEqualTo(callId);
    JsonObject outcome = new JsonObject(output.getString("output"));
    assertThat(outcome.getString("status")).isEqualTo("stored");
    assertThat(outcome.getJsonArray("stored_fields")).containsExactly("name", "email");
    assertThat(calls.get(1).getString("conversation")).isEqualTo(result.conversationId());
    assertThat(calls.get(1).getString("instructions"))
        .isEqualTo(calls.get(0).getString("instructions"));
    assertThat(calls.get(1).getJsonArray("tools")).isEqualTo(calls.get(0).getJsonArray("tools"));
    assertThat(conversation.pendingCallIds()).isEmpty();
  }

  @Test
  void text_before_a_tool_call_and_the_follow_up_are_one_reply() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.text("Un momento.", 2)
            .thenToolCall("capture_lead", "{\"name\":\"Ana\",\"email\":null,\"phone\":null}"),
        FakeReply.text("Listo.", 1));
    TurnResult result = await(run(firstTurn("Soy Ana")));
    assertThat(result.text()).isEqualTo("Un momento.\n\nListo.");
    assertThat(String.join("", deltas)).isEqualTo(result.text());
  }

  @Test
  void invalid_tool_arguments_go_back_to_the_model_as_an_error_output() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.toolCall("capture_lead", "{not json"),
        FakeReply.toolCall("capture_lead", "{\"name\":42,\"email\":null,\"phone\":null}"),
        FakeReply.toolCall("capture_lead", "[\"a\"]")
            .thenToolCall("capture_lead", "{\"name\":\"Ana\",\"role\":\"admin\"}"),
        FakeReply.text("Perdona, ¿me lo repites?", 2));

    TurnResult result = await(run(firstTurn("hola")));

    assertThat(leads.captured).isEmpty();
    assertThat(result.text()).isEqualTo("Perdona, ¿me lo repites?");
    List<JsonObject> calls = fake.responseCalls();
    assertThat(calls).hasSize(4);
    String invalid = "{\"status\":\"error\",\"reason\":\"invalid_arguments\"}";
    assertThat(calls.get(1).getJsonArray("input").getJsonObject(0).getString("output"))
        .isEqualTo(invalid);
    assertThat(calls.get(2).getJsonArray("input").getJsonObject(0).getString("output"))
        .isEqualTo(invalid);
    JsonArray both = calls.get(3).getJsonArray("input");
    assertThat(both).hasSize(2);
    assertThat(both.getJsonObject(0).getString("output")).isEqualTo(invalid);
    assertThat(both.getJsonObject(1).getString("output")).isEqualTo(invalid);
    assertThat(fake.conversation(result.conversationId()).pendingCallIds()).isEmpty();
  }

  @Test
  void tool_rounds_are_bounded_and_the_last_call_has_tools_off() {
    engine(Map.of(ConfigKeys.OPENAI_MAX_TOOL_ROUNDS, 2));
    fake.enqueue(3, () -> FakeReply.captureLead("Ana", null, null));

    TurnResult result = await(run(firstTurn("Soy Ana")));

    assertThat(leads.captured).hasSize(2);
    List<JsonObject> calls = fake.responseCalls();
    assertThat(calls)
        .extracting(c -> c.getString("tool_choice"))
        .containsExactly("auto", "auto", "none");
    assertThat(result.text()).isEqualTo("De acuerdo.");
    assertThat(fake.conversation(result.conversationId()).pendingCallIds()).isEmpty();
  }

  @Test
  void calls_made_despite_tools_off_still_get_an_output_without_another_model_call() {
    engine(Map.of(ConfigKeys.OPENAI_MAX_TOOL_ROUNDS, 1));
    fake.enqueue(
        FakeReply.captureLead("Ana", null, null),
        FakeReply.text("Vale.", 1)
            .thenToolCall("capture_lead", "{\"name\":\"Eva\",\"email\":null,\"phone\":null}")
            .ignoreToolChoice());

    TurnResult result = await(run(firstTurn("Soy Ana")));

    assertThat(result.text()).isEqualTo("Vale.");
    assertThat(leads.captured).containsExactly(new LeadFields("Ana", null, null));
    assertThat(fake.responseCalls()).hasSize(2);
    FakeConversation conversation = fake.conversation(result.conversationId());
    assertThat(conversation.pendingCallIds()).isEmpty();
    assertThat(fake.requests("POST", "/v1/conversations/" + result.conversationId() + "/items"))
        .hasSize(1);
    assertThat(conversation.items().get(conversation.items().size() - 1).getString("output"))
        .contains("tool_round_limit");
  }

  @Test
  void retries_a_rate_limit_after_retry_after_while_no_text_was_shown() {
    engine(Map.of());
    fake.enqueue(FakeReply.rateLimited().retryAfter(1), FakeReply.text("Hola", 1));
    long started = System.nanoTime();

    TurnResult result = await(run(firstTurn("hola")));

    assertThat(result.text()).isEqualTo("Hola");
    assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(950);
    assertThat(fake.responseCalls()).hasSize(2);
    assertThat(deltas).containsExactly("Hola");
    assertThat(registry.get("talia_openai_retries").tag("kind", "rate_limited").counter().count())
        .isEqualTo(1);
  }

  @Test
  void retries_server_errors_and_dropped_connections_with_backoff() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.serverError(),
        FakeReply.dropConnection().retryAfterMs(0),
        FakeReply.text("Hola", 1));
    TurnResult result = await(run(firstTurn("hola")));
    assertThat(result.text()).isEqualTo("Hola");
    assertThat(fake.responseCalls()).hasSize(3);
  }

  @Test
  void a_conflict_is_retried_and_retry_after_ms_is_honoured() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.httpError(409, "invalid_request_error", "conversation_locked", "busy")
            .retryAfterMs(200),
        FakeReply.text("Hola", 1));
    long started = System.nanoTime();
    assertThat(await(run(firstTurn("hola"))).text()).isEqualTo("Hola");
    assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(190);
  }

  @Test
  void gives_up_after_the_configured_retries_with_503() {
    engine(Map.of());
    fake.enqueue(3, FakeReply::overloaded);
    AssistantFailure failure = failure(run(firstTurn("hola")));
    assertThat(failure.httpStatus()).isEqualTo(503);
    assertThat(failure.code()).isEqualTo("assistant_unavailable");
    assertThat(fake.responseCalls()).hasSize(3);
    assertThat(
            registry
                .get("talia_openai_upstream_errors")
                .tag("kind", "server_error")
                .counter()
                .count())
        .isEqualTo(3);
  }

  @Test
  void a_retry_after_longer_than_allowed_ends_the_turn_at_once() {
    engine(Map.of(ConfigKeys.OPENAI_RETRY_MAX_DELAY_MS, 1000));
    fake.enqueue(FakeReply.rateLimited().retryAfter(30));
    long started = System.nanoTime();
    assertThat(failure(run(firstTurn("hola"))).httpStatus()).isEqualTo(503);
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5000);
    assertThat(fake.responseCalls()).hasSize(1);
  }

  @Test
  void insufficient_quota_is_not_retried() {
    engine(Map.of());
    fake.enqueue(FakeReply.insufficientQuota(), FakeReply.text("never", 1));
    AssistantFailure failure = failure(run(firstTurn("hola")));
    assertThat(failure.httpStatus()).isEqualTo(503);
    assertThat(failure.getMessage()).contains("quota");
    assertThat(fake.responseCalls()).hasSize(1);
  }

  @Test
  void nothing_is_retried_once_text_reached_the_visitor() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.text("Un momento.", 2)
            .thenToolCall("capture_lead", "{\"name\":\"Ana\",\"email\":null,\"phone\":null}"),
        FakeReply.serverError(),
        FakeReply.text("never shown", 1));

    AssistantFailure failure = failure(run(firstTurn("Soy Ana")));

    assertThat(failure.httpStatus()).isEqualTo(503);
    assertThat(String.join("", deltas)).isEqualTo("Un momento.");
    assertThat(fake.responseCalls()).hasSize(2);
  }

  @Test
  void a_stream_cut_half_way_fails_the_turn_and_is_not_retried() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("uno dos tres cuatro", 4).endAfter(2), FakeReply.text("never", 1));
    AssistantFailure ended = failure(run(firstTurn("hola")));
    assertThat(ended.httpStatus()).isEqualTo(502);
    assertThat(ended.getMessage()).contains("stream_cut");
    assertThat(deltas).hasSize(2);
    assertThat(fake.responseCalls()).hasSize(1);
  }

  @Test
  void a_connection_reset_mid_stream_fails_the_turn() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("uno dos tres", 3).resetAfter(1));
    assertThat(failure(run(firstTurn("hola"))).httpStatus()).isEqualTo(502);
    assertThat(deltas).hasSize(1);
  }

  @Test
  void error_events_failed_and_incomplete_responses_fail_the_turn_with_502() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.text("uno dos", 2).errorAfter(1, "server_error", "The server had an error"));
    assertThat(failure(run(firstTurn("a"))).getMessage()).contains("stream_error");
    fake.enqueue(FakeReply.text("uno dos", 2).failed("server_error", "boom"));
    assertThat(failure(run(firstTurn("b"))).getMessage()).contains("response_failed");
    // Stopped by the output cap before any text: nothing to keep (with text, it is kept below).
    fake.enqueue(FakeReply.reasoningOnly(0, 1024).incomplete("max_output_tokens"));
    AssistantFailure incomplete = failure(run(firstTurn("c")));
    assertThat(incomplete.httpStatus()).isEqualTo(502);
    assertThat(incomplete.getMessage()).contains("incomplete");
    assertThat(fake.responseCalls()).hasSize(3);
  }

  @Test
  void a_reply_cut_by_the_output_cap_after_text_is_kept_as_written_and_marked_incomplete() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.text("Nuestros planes son", 3)
            .reasoning(0, 900)
            .incomplete("max_output_tokens")
            .usage(200, 1024));

    TurnResult result = await(run(firstTurn("¿precios?")));

    assertThat(result.incomplete()).isTrue();
    assertThat(result.text()).isEqualTo("Nuestros planes son").isEqualTo(String.join("", deltas));
    assertThat(result.inputTokens()).isEqualTo(200);
    assertThat(result.outputTokens()).isEqualTo(1024);
    assertThat(fake.responseCalls()).hasSize(1);
  }

  @Test
  void a_function_call_cut_by_the_output_cap_is_never_run() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.text("Apunto tus datos.", 2)
            .thenToolCall("capture_lead", "{\"name\":\"Ana\",\"email\":null,\"phone\":null}")
            .incomplete("max_output_tokens"));
    TurnResult result = await(run(firstTurn("Soy Ana")));
    assertThat(leads.captured).isEmpty();
    assertThat(result.incomplete()).isTrue();
    assertThat(result.text()).isEqualTo("Apunto tus datos.");
    assertThat(fake.responseCalls()).hasSize(1);
  }

  @Test
  void the_usage_of_failed_and_incomplete_responses_counts_against_the_turn() {
    engine(Map.of(ConfigKeys.OPENAI_MAX_RETRIES, 0));
    fake.enqueue(FakeReply.reasoningOnly(0, 40).failed("invalid_prompt", "no").usage(300, 40));
    assertThat(failure(run(firstTurn("a"))).tokensUsed()).isEqualTo(340);
    fake.enqueue(FakeReply.reasoningOnly(0, 1024).incomplete("max_output_tokens").usage(300, 1024));
    assertThat(failure(run(firstTurn("b"))).tokensUsed()).isEqualTo(1324);
  }

  @Test
  void several_message_items_are_set_apart_and_commentary_is_never_shown() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.text("Tenemos tres planes.", 2)
            .thenText("¿Cuál te interesa?", 2)
            .commentaryFirst("Voy a revisar la tabla de precios.")
            .finalAnswerPhase());

    TurnResult result = await(run(firstTurn("¿precios?")));

    assertThat(result.text()).isEqualTo("Tenemos tres planes.\n\n¿Cuál te interesa?");
    assertThat(String.join("", deltas)).isEqualTo(result.text()).doesNotContain("revisar");
  }

  @Test
  void
      a_retryable_error_event_before_text_is_retried_in_a_new_conversation_holding_the_input_once() {
    engine(Map.of());
    List<String> kept = new java.util.concurrent.CopyOnWriteArrayList<>();
    fake.enqueue(
        FakeReply.text("nunca", 1).errorAfter(0, "server_error", "The server had an error"),
        FakeReply.reasoningOnly(0, 20).failed("rate_limit_exceeded", "Rate limit reached"),
        FakeReply.text("Hola, ¿en qué te ayudo?", 2));

    TurnResult result =
        await(run(keeping(kept, turn("session-1", "hola", null, history("session-1", 2), leads))));

    assertThat(result.text()).isEqualTo("Hola, ¿en qué te ayudo?");
    assertThat(fake.responseCalls()).hasSize(3);
    // Each failed attempt left the input in its conversation: both were abandoned and deleted.
    assertThat(fake.requests("POST", "/v1/conversations")).hasSize(3);
    assertThat(fake.conversations()).containsOnlyKeys(result.conversationId());
    assertThat(kept).last().isEqualTo(result.conversationId());
    assertThat(fake.conversation(result.conversationId()).items())
        .extracting(i -> i.getString("role") + ":" + text(i))
        .containsExactly(
            "user:user message 0",
            "assistant:assistant message 1",
            "user:hola",
            "assistant:Hola, ¿en qué te ayudo?");
  }

  @Test
  void a_retried_tool_round_sends_the_whole_turn_again_into_the_new_conversation() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.captureLead("Ana", null, null),
        FakeReply.text("nunca", 1).errorAfter(0, "server_error", "boom"),
        FakeReply.text("Gracias, Ana.", 2));

    TurnResult result = await(run(firstTurn("Soy Ana")));

    assertThat(result.text()).isEqualTo("Gracias, Ana.");
    assertThat(leads.captured).containsExactly(new LeadFields("Ana", null, null));
    List<JsonObject> items = fake.conversation(result.conversationId()).items();
    assertThat(items)
        .extracting(i -> i.getString("type") + ":" + i.getString("role"))
        .containsExactly(
            "message:user", "function_call:null", "function_call_output:null", "message:assistant");
    assertThat(fake.conversation(result.conversationId()).pendingCallIds()).isEmpty();
    assertThat(fake.conversations()).hasSize(1);
  }

  @Test
  void a_bad_gateway_or_a_gateway_timeout_may_have_reached_the_api_so_the_retry_uses_a_new_one() {
    engine(Map.of());
    String conversation = await(createConversation());
    fake.enqueue(
        FakeReply.httpError(502, "server_error", null, "Bad gateway"),
        FakeReply.httpError(504, "server_error", null, "Gateway timeout"),
        FakeReply.text("Hola.", 1));
    TurnResult result = await(run(turnIn(conversation, "hola")));
    assertThat(result.text()).isEqualTo("Hola.");
    assertThat(fake.conversations()).containsOnlyKeys(result.conversationId());
    assertThat(fake.responseCalls())
        .extracting(c -> c.getString("conversation"))
        .doesNotHaveDuplicates();
  }

  @Test
  void a_turn_that_failed_after_reaching_its_conversation_makes_the_session_forget_it() {
    engine(Map.of());
    String conversation = await(createConversation());
    List<String> kept = new java.util.concurrent.CopyOnWriteArrayList<>();
    fake.enqueue(FakeReply.text("uno dos tres", 3).perTokenDelay(10).resetAfter(1));
    failure(run(keeping(kept, turnIn(conversation, "cuéntame"))));
    assertThat(kept).containsExactly((String) null);
    assertThat(fake.conversation(conversation)).as("deleted upstream").isNull();

    // Refused with an HTTP status, a call left nothing behind: the conversation stays.
    String kept2 = await(createConversation());
    kept.clear();
    fake.enqueue(3, FakeReply::overloaded);
    failure(run(keeping(kept, turnIn(kept2, "otra"))));
    assertThat(kept).isEmpty();
    assertThat(fake.conversation(kept2).items()).isEmpty();
  }

  @Test
  void no_first_token_in_time_is_a_504() {
    engine(Map.of(ConfigKeys.OPENAI_FIRST_TOKEN_TIMEOUT_MS, 300));
    fake.enqueue(FakeReply.text("tarde", 1).firstTokenDelay(3000));
    long started = System.nanoTime();
    AssistantFailure failure = failure(run(firstTurn("hola")));
    assertThat(failure.httpStatus()).isEqualTo(504);
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2500);
    assertThat(deltas).isEmpty();
    assertThat(fake.responseCalls()).hasSize(1);
  }

  @Test
  void a_stream_that_goes_quiet_is_a_504_but_keep_alives_and_steady_tokens_are_fine() {
    engine(Map.of(ConfigKeys.OPENAI_IDLE_TIMEOUT_MS, 300));
    fake.enqueue(FakeReply.text("uno dos tres cuatro", 4).stallAfter(2));
    AssistantFailure failure = failure(run(firstTurn("hola")));
    assertThat(failure.httpStatus()).isEqualTo(504);
    assertThat(failure.getMessage()).contains("idle_timeout");
    assertThat(deltas).hasSize(2);

    deltas.clear();
    fake.enqueue(FakeReply.text("uno dos tres cuatro", 4).perTokenDelay(150).keepAlive());
    assertThat(await(run(firstTurn("otra vez"))).text()).isEqualTo("uno dos tres cuatro");
  }

  @Test
  void a_stream_silent_before_any_text_trips_the_idle_timer_not_only_the_first_text_limit() {
    engine(
        Map.of(
            ConfigKeys.OPENAI_IDLE_TIMEOUT_MS,
            300,
            ConfigKeys.OPENAI_FIRST_TOKEN_TIMEOUT_MS,
            8000));
    fake.enqueue(FakeReply.reasoningOnly(6000, 50).thenText("tarde", 1));
    long started = System.nanoTime();
    AssistantFailure failure = failure(run(firstTurn("hola")));
    assertThat(failure.httpStatus()).isEqualTo(504);
    assertThat(failure.getMessage()).contains("idle_timeout");
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(4000);
  }

  @Test
  void any_event_keeps_a_thinking_model_alive_and_the_first_text_limit_still_bounds_it() {
    engine(
        Map.of(
            ConfigKeys.OPENAI_IDLE_TIMEOUT_MS,
            400,
            ConfigKeys.OPENAI_FIRST_TOKEN_TIMEOUT_MS,
            4000));
    // Thinks three idle periods long, its stream alive with keep-alives.
    fake.enqueue(FakeReply.text("Pensado.", 1).reasoning(1200, 300).keepAliveEvery(100));
    TurnResult thought = await(run(firstTurn("hola")));
    assertThat(thought.text()).isEqualTo("Pensado.");
    assertThat(thought.outputTokens()).isGreaterThanOrEqualTo(300);

    engine(
        Map.of(
            ConfigKeys.OPENAI_IDLE_TIMEOUT_MS, 400, ConfigKeys.OPENAI_FIRST_TOKEN_TIMEOUT_MS, 800));
    fake.enqueue(FakeReply.text("Nunca.", 1).reasoning(5000, 300).keepAliveEvery(100));
    long started = System.nanoTime();
    AssistantFailure failure = failure(run(firstTurn("otra")));
    assertThat(failure.httpStatus()).isEqualTo(504);
    assertThat(failure.getMessage()).contains("first_token_timeout");
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(3000);
  }

  @Test
  void the_default_timeouts_let_a_reasoning_model_think_in_silence_for_half_a_minute() {
    TaliaConfig defaults =
        new TaliaConfig(
                await(
                        ai.talia.webchat.config.ConfigLoader.load(
                            vertx, java.nio.file.Path.of("/nonexistent"), Map.of()))
                    .json())
            .with(ConfigKeys.OPENAI_API_KEY, fake.apiKey());
    OpenAiSettings settings = OpenAiSettings.from(defaults);
    assertThat(settings.idleTimeoutMs()).isGreaterThan(30_000);
    assertThat(settings.firstTokenTimeoutMs()).isGreaterThan(settings.idleTimeoutMs());
    // A REST caller waits http.replyTimeoutSeconds: the first text must be due before that.
    assertThat(settings.firstTokenTimeoutMs())
        .isLessThan(defaults.integer(ConfigKeys.HTTP_REPLY_TIMEOUT_SECONDS) * 1000);
    assertThat(
            OpenAiSettings.from(
                    new TaliaConfig(new io.vertx.core.json.JsonObject())
                        .with(ConfigKeys.OPENAI_API_KEY, "k"))
                .idleTimeoutMs())
        .isEqualTo(settings.idleTimeoutMs());
  }

  @Test
  void the_breaker_opens_after_repeated_failures_and_recovers() throws Exception {
    engine(
        Map.of(
            ConfigKeys.OPENAI_MAX_RETRIES,
            0,
            ConfigKeys.OPENAI_BREAKER_FAILURE_THRESHOLD,
            2,
            ConfigKeys.OPENAI_BREAKER_RESET_TIMEOUT_MS,
            400));
    fake.enqueue(2, FakeReply::serverError);
    Turn turn = turnIn(await(createConversation()), "hola");
    assertThat(engine.ready()).isTrue();
    failure(run(turn));
    assertThat(engine.ready()).isTrue();
    failure(run(turn));
    assertThat(engine.ready()).isFalse();
    assertThat(engine.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);

    int before = fake.requests().size();
    AssistantFailure refused = failure(run(turn));
    assertThat(refused.httpStatus()).isEqualTo(503);
    assertThat(fake.requests()).hasSize(before);

    Thread.sleep(450);
    assertThat(engine.ready()).isTrue();
    assertThat(engine.breakerState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    fake.enqueue(FakeReply.text("De vuelta", 1));
    assertThat(await(run(turn)).text()).isEqualTo("De vuelta");
    assertThat(engine.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void a_conversation_the_api_forgot_is_rebuilt_from_the_history_and_the_turn_retried_once() {
    engine(Map.of());
    List<StoredMessage> history = history("session-1", 25);
    fake.enqueue(FakeReply.text("Sigo aquí.", 2));

    TurnResult result = await(run(turn("session-1", "¿sigues?", "conv_forgotten", history, leads)));

    assertThat(result.text()).isEqualTo("Sigo aquí.");
    assertThat(result.conversationId()).startsWith("conv_").isNotEqualTo("conv_forgotten");
    List<JsonObject> creations =
        fake.requests("POST", "/v1/conversations").stream().map(r -> r.body()).toList();
    assertThat(creations).hasSize(1);
    assertThat(creations.get(0).getJsonArray("items")).hasSize(20);
    assertThat(creations.get(0).getJsonObject("metadata").getString("session_id"))
        .isEqualTo("session-1");
    assertThat(fake.requests("POST", "/v1/conversations/" + result.conversationId() + "/items"))
        .hasSize(1);
    assertThat(
            fake.requests("POST", "/v1/conversations/" + result.conversationId() + "/items")
                .get(0)
                .body()
                .getJsonArray("items"))
        .hasSize(5);
    List<JsonObject> items = fake.conversation(result.conversationId()).items();
    assertThat(items).hasSize(27);
    for (int i = 0; i < 25; i++) {
      assertThat(items.get(i).getString("role")).isEqualTo(history.get(i).role());
      assertThat(items.get(i).getJsonArray("content").getJsonObject(0).getString("text"))
          .isEqualTo(history.get(i).content());
    }
    assertThat(fake.responseCalls())
        .extracting(c -> c.getString("conversation"))
        .containsExactly("conv_forgotten", result.conversationId());
  }

  @Test
  void a_history_batch_whose_answer_was_lost_is_not_sent_twice() {
    engine(Map.of());
    List<StoredMessage> history = history("session-1", 25);
    fake.loseItemsAnswers(1);
    AssistantFailure failed = failure(run(turn("session-1", "¿sigues?", null, history, leads)));
    assertThat(failed.httpStatus()).isEqualTo(503);
    assertThat(fake.conversations()).as("the half-built conversation is deleted").isEmpty();

    fake.enqueue(FakeReply.text("Sigo aquí.", 2));
    TurnResult result = await(run(turn("session-1", "¿sigues?", null, history, leads)));
    List<JsonObject> items = fake.conversation(result.conversationId()).items();
    assertThat(items).hasSize(27);
    for (int i = 0; i < 25; i++) assertThat(text(items.get(i))).isEqualTo(history.get(i).content());
  }

  @Test
  void a_conversation_left_with_an_unanswered_call_is_rebuilt() {
    engine(Map.of());
    JsonObject dangling =
        new JsonObject()
            .put("type", "function_call")
            .put("call_id", "call_lost")
            .put("name", "capture_lead")
            .put("arguments", "{}");
    String stuck = await(engine == null ? null : createConversation(new JsonArray().add(dangling)));
    fake.enqueue(FakeReply.text("Hola de nuevo.", 1));

    TurnResult result =
        await(run(turn("session-1", "hola", stuck, history("session-1", 2), leads)));

    assertThat(result.conversationId()).isNotEqualTo(stuck);
    assertThat(result.text()).isEqualTo("Hola de nuevo.");
  }

  @Test
  void an_unknown_model_is_not_mistaken_for_a_lost_conversation() {
    engine(Map.of());
    fake.enqueue(
        FakeReply.httpError(
            404,
            "invalid_request_error",
            "model_not_found",
            "The model `gpt-nope` does not exist or you do not have access to it."));
    AssistantFailure failure = failure(run(turnIn(await(createConversation()), "hola")));
    assertThat(failure.httpStatus()).isEqualTo(502);
    assertThat(fake.requests("POST", "/v1/conversations")).hasSize(1);
  }

  @Test
  void a_wrong_key_is_a_503_without_retries() {
    TaliaConfig config =
        OpenAiTestSupport.config(fake, "responses")
            .with(ConfigKeys.OPENAI_API_KEY, "sk-wrong-0000000000000000000000");
    engine = new OpenAiEngine(vertx, config, registry);
    AssistantFailure failure = failure(run(firstTurn("hola")));
    assertThat(failure.httpStatus()).isEqualTo(503);
    assertThat(fake.requests()).hasSize(1);
  }

  @Test
  void an_unreachable_upstream_is_retried_then_a_503() {
    TaliaConfig config = OpenAiTestSupport.config(fake, "responses");
    await(fake.close());
    engine = new OpenAiEngine(vertx, config, registry);
    AssistantFailure failure = failure(run(firstTurn("hola")));
    assertThat(failure.httpStatus()).isEqualTo(503);
    assertThat(
            registry
                .get("talia_openai_upstream_errors")
                .tag("kind", "connection")
                .counter()
                .count())
        .isEqualTo(3);
    fake = await(FakeOpenAiServer.start(vertx));
  }

  @Test
  void records_tokens_first_token_latency_and_turn_duration() {
    engine(Map.of());
    fake.enqueue(FakeReply.text("Hola", 1).usage(50, 5));
    await(run(firstTurn("hola")));
    assertThat(registry.get("talia_openai_tokens").tag("type", "input").counter().count())
        .isEqualTo(50);
    assertThat(registry.get("talia_openai_tokens").tag("type", "output").counter().count())
        .isEqualTo(5);
    assertThat(registry.get("talia_openai_first_token").timer().count()).isEqualTo(1);
    assertThat(
            registry.get("talia_openai_turn_duration").tag("outcome", "completed").timer().count())
        .isEqualTo(1);
  }

  @Test
  void configuration_is_checked_at_start() {
    TaliaConfig noKey =
        new TaliaConfig(
            new JsonObject().put("openai", new JsonObject().put("baseUrl", fake.baseUrl())));
    assertThatThrownBy(() -> new OpenAiEngine(vertx, noKey, registry))
        .hasMessageContaining("TALIA_OPENAI_API_KEY");
    TaliaConfig badStyle = OpenAiTestSupport.config(fake, "assistants");
    assertThatThrownBy(() -> new OpenAiEngine(vertx, badStyle, registry))
        .hasMessageContaining("TALIA_OPENAI_API_STYLE");
    assertThatThrownBy(
            () ->
                new AssistantProfile(
                    "x", new JsonArray().add(new JsonObject().put("type", "web_search"))))
        .hasMessageContaining("capture_lead");
    assertThat(OpenAiSettings.from(OpenAiTestSupport.config(fake, "responses")).toString())
        .doesNotContain(fake.apiKey());
  }

  @Test
  void a_base_url_with_a_query_string_and_extra_headers_reach_every_call() {
    String secret = "azure-key-0123456789";
    fake.requireQueryParam("api-version", "preview").requireHeader("api-key", secret);
    engine(
        Map.of(
            ConfigKeys.OPENAI_BASE_URL,
            fake.baseUrl() + "/?api-version=preview",
            ConfigKeys.OPENAI_EXTRA_HEADERS,
            "{\"api-key\":\"" + secret + "\",\"OpenAI-Beta\":\"responses=v1\"}"));
    fake.enqueue(FakeReply.captureLead("Ana", null, null), FakeReply.text("Gracias, Ana.", 2));

    TurnResult result = await(run(firstTurn("Soy Ana")));

    assertThat(result.text()).isEqualTo("Gracias, Ana.");
    assertThat(fake.requests())
        .extracting(r -> r.method() + " " + r.path())
        .containsExactly("POST /v1/conversations", "POST /v1/responses", "POST /v1/responses");
    assertThat(fake.requests())
        .allSatisfy(r -> assertThat(r.header("api-key")).isEqualTo(secret))
        .allSatisfy(r -> assertThat(r.header("OpenAI-Beta")).isEqualTo("responses=v1"));
    assertThat(
            OpenAiSettings.from(
                    OpenAiTestSupport.config(fake, "responses")
                        .with(ConfigKeys.OPENAI_EXTRA_HEADERS, "{\"api-key\":\"" + secret + "\"}"))
                .toString())
        .doesNotContain(secret);
  }

  @Test
  void the_defaults_leave_a_reasoning_model_room_to_think_at_an_effort_suited_to_chat() {
    io.vertx.core.json.JsonObject packaged =
        await(
                ai.talia.webchat.config.ConfigLoader.load(
                    vertx, java.nio.file.Path.of("/nonexistent"), Map.of()))
            .json();
    TaliaConfig defaults = new TaliaConfig(packaged).with(ConfigKeys.OPENAI_API_KEY, fake.apiKey());
    OpenAiSettings settings = OpenAiSettings.from(defaults);
    assertThat(settings.model()).isEqualTo("gpt-5-mini");
    assertThat(settings.maxOutputTokens()).isGreaterThanOrEqualTo(8192);
    assertThat(settings.reasoningEffort()).isEqualTo("low");
    assertThat(
            OpenAiSettings.from(defaults.with(ConfigKeys.OPENAI_MODEL, "gpt-4.1"))
                .reasoningEffort())
        .as("a model without reasoning refuses reasoning.effort: not sent")
        .isNull();
    assertThat(
            OpenAiSettings.from(defaults.with(ConfigKeys.OPENAI_MODEL, "gpt-5-chat-latest"))
                .reasoningEffort())
        .isNull();
    assertThat(
            OpenAiSettings.from(defaults.with(ConfigKeys.OPENAI_MODEL, "o4-mini"))
                .reasoningEffort())
        .isEqualTo("low");
    assertThat(
            OpenAiSettings.from(defaults.with(ConfigKeys.OPENAI_REASONING_EFFORT, "off"))
                .reasoningEffort())
        .isNull();
    assertThat(
            OpenAiSettings.from(defaults.with(ConfigKeys.OPENAI_REASONING_EFFORT, "Medium"))
                .reasoningEffort())
        .isEqualTo("medium");
    assertThatThrownBy(
            () -> OpenAiSettings.from(defaults.with(ConfigKeys.OPENAI_REASONING_EFFORT, "turbo")))
        .hasMessageContaining("TALIA_OPENAI_REASONING_EFFORT");

    engine(Map.of());
    fake.enqueue(FakeReply.text("Hola", 1));
    await(run(firstTurn("hola")));
    assertThat(fake.responseCalls().get(0).getJsonObject("reasoning").getString("effort"))
        .isEqualTo("low");
  }

  @Test
  void settings_that_cannot_work_stop_the_start_with_one_clear_message() {
    TaliaConfig base = OpenAiTestSupport.config(fake, "responses");
    assertThatThrownBy(
            () -> OpenAiSettings.from(base.with(ConfigKeys.OPENAI_MAX_OUTPUT_TOKENS, 15)))
        .hasMessageContaining("TALIA_OPENAI_MAX_OUTPUT_TOKENS")
        .hasMessageContaining("at least 16");
    assertThat(
            OpenAiSettings.from(base.with(ConfigKeys.OPENAI_MAX_OUTPUT_TOKENS, 16))
                .maxOutputTokens())
        .isEqualTo(16);
    String secret = "sk-azure-SECRET";
    assertThatThrownBy(
            () ->
                OpenAiSettings.from(
                    base.with(ConfigKeys.OPENAI_EXTRA_HEADERS, "api-key: " + secret)))
        .hasMessageContaining("TALIA_OPENAI_EXTRA_HEADERS")
        .hasMessageContaining("JSON object")
        .hasMessageNotContaining(secret);
    assertThatThrownBy(
            () ->
                OpenAiSettings.from(
                    base.with(
                        ConfigKeys.OPENAI_EXTRA_HEADERS,
                        "{\"Authorization\":\"Bearer " + secret + "\"}")))
        .hasMessageContaining("Authorization")
        .hasMessageNotContaining(secret);
    assertThatThrownBy(
            () ->
                OpenAiSettings.from(
                    base.with(ConfigKeys.OPENAI_EXTRA_HEADERS, "{\"api-key\":\"a\\r\\nX: y\"}")))
        .hasMessageContaining("one line");
    assertThatThrownBy(
            () -> OpenAiSettings.from(base.with(ConfigKeys.OPENAI_CHAT_MAX_TOKENS_PARAM, "tokens")))
        .hasMessageContaining("TALIA_OPENAI_CHAT_MAX_TOKENS_PARAM");
    assertThatThrownBy(
            () -> OpenAiSettings.from(base.with(ConfigKeys.OPENAI_BASE_URL, "https://?x=sk-1")))
        .hasMessageContaining("TALIA_OPENAI_BASE_URL")
        .hasMessageNotContaining("sk-1");
  }

  @Test
  void stateless_sends_the_history_from_our_store_with_store_false_and_keeps_nothing_upstream() {
    engine(Map.of(ConfigKeys.OPENAI_STATE, "stateless"));
    fake.enqueue(
        FakeReply.text("Un momento.", 1)
            .thenToolCall("capture_lead", "{\"name\":\"Ana\",\"email\":null,\"phone\":null}")
            .reasoning(0, 30),
        FakeReply.text("Gracias, Ana.", 2));

    TurnResult result =
        await(run(turn("session-1", "Soy Ana", null, history("session-1", 2), leads)));

    assertThat(result.text()).isEqualTo("Un momento.\n\nGracias, Ana.");
    assertThat(result.conversationId()).isNull();
    assertThat(leads.captured).containsExactly(new LeadFields("Ana", null, null));
    assertThat(fake.requests("POST", "/v1/conversations")).isEmpty();
    assertThat(fake.conversations()).isEmpty();
    List<JsonObject> calls = fake.responseCalls();
    assertThat(calls)
        .hasSize(2)
        .allSatisfy(c -> assertThat(c.getBoolean("store")).isFalse())
        .allSatisfy(c -> assertThat(c.containsKey("conversation")).isFalse())
        .allSatisfy(c -> assertThat(c.getString("instructions")).contains("You are TalIA"));
    assertThat(calls.get(0).getJsonArray("input").stream().map(i -> (JsonObject) i).toList())
        .extracting(i -> i.getString("role") + ":" + i.getString("content"))
        .containsExactly("user:user message 0", "assistant:assistant message 1", "user:Soy Ana");
    // The follow-up carries the whole turn so far; nothing points at an item by id.
    assertThat(calls.get(1).getJsonArray("input").stream().map(i -> (JsonObject) i).toList())
        .extracting(i -> i.getString("type") + ":" + i.getString("role"))
        .containsExactly(
            "message:user",
            "message:assistant",
            "message:user",
            "message:assistant",
            "function_call:null",
            "function_call_output:null")
        .hasSize(6);
    assertThat(calls.get(1).getJsonArray("input").stream().map(i -> (JsonObject) i))
        .noneMatch(i -> i.containsKey("id"));
  }

  @Test
  void a_server_without_the_conversations_api_is_chatted_with_statelessly_said_once_in_the_log() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.setContext(context);
    appender.start();
    root.addAppender(appender);
    try {
      fake.withoutConversations(404);
      engine(Map.of());
      assertThat(engine.status().getString("state")).isEqualTo("conversation");
      fake.enqueue(FakeReply.text("Hola.", 1), FakeReply.text("Claro.", 1));
      TurnResult first = await(run(firstTurn("hola")));
      assertThat(first.text()).isEqualTo("Hola.");
      assertThat(first.conversationId()).isNull();
      TurnResult second =
          await(run(turn("session-1", "¿me ayudas?", null, history("session-1", 2), leads)));
      assertThat(second.text()).isEqualTo("Claro.");
      assertThat(fake.requests("POST", "/v1/conversations")).hasSize(1);
      assertThat(fake.responseCalls())
          .allSatisfy(c -> assertThat(c.getBoolean("store")).isFalse())
          .allSatisfy(c -> assertThat(c.containsKey("conversation")).isFalse());
      assertThat(engine.status().getString("state")).isEqualTo("stateless");
    } finally {
      root.detachAppender(appender);
    }
    assertThat(appender.list)
        .filteredOn(e -> e.getFormattedMessage().contains("no Conversations API"))
        .hasSize(1)
        .allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN));

    fake.reset();
    fake.withoutConversations(405);
    engine(Map.of());
    fake.enqueue(FakeReply.text("Hola.", 1));
    assertThat(await(run(firstTurn("hola"))).text()).isEqualTo("Hola.");
    assertThat(engine.status().getString("state")).isEqualTo("stateless");
  }

  @Test
  void stateless_by_choice_forgets_and_deletes_a_conversation_kept_from_before() {
    String old = await(createConversation());
    engine(Map.of(ConfigKeys.OPENAI_STATE, "stateless"));
    List<String> kept = new java.util.concurrent.CopyOnWriteArrayList<>();
    fake.enqueue(FakeReply.text("Hola.", 1));
    TurnResult result = await(run(keeping(kept, turnIn(old, "hola"))));
    assertThat(result.conversationId()).isNull();
    assertThat(kept).containsExactly((String) null);
    assertThat(fake.conversation(old)).isNull();
  }

  @Test
  void the_state_setting_is_checked_at_start() {
    TaliaConfig base = OpenAiTestSupport.config(fake, "responses");
    assertThatThrownBy(() -> OpenAiSettings.from(base.with(ConfigKeys.OPENAI_STATE, "threads")))
        .hasMessageContaining("TALIA_OPENAI_STATE");
    assertThatThrownBy(() -> OpenAiSettings.from(base.with(ConfigKeys.OPENAI_STORE, "false")))
        .hasMessageContaining("TALIA_OPENAI_STATE=stateless");
    assertThatThrownBy(() -> OpenAiSettings.from(base.with(ConfigKeys.OPENAI_STORE, "ja")))
        .hasMessageContaining("TALIA_OPENAI_STORE");
    assertThat(
            OpenAiSettings.from(
                    base.with(ConfigKeys.OPENAI_STATE, "stateless")
                        .with(ConfigKeys.OPENAI_STORE, "false"))
                .state())
        .isEqualTo(OpenAiSettings.State.STATELESS);
  }

  @Test
  void neither_the_api_key_nor_visitor_data_reach_the_logs_but_request_ids_do() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger ours = context.getLogger("ai.talia");
    Level before = ours.getLevel();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.setContext(context);
    appender.start();
    root.addAppender(appender);
    ours.setLevel(Level.DEBUG);
    String wrongKey = "sk-proj-WRONGwrongWRONG0000111122223333";
    try {
      engine(Map.of());
      fake.enqueue(
          FakeReply.serverError(),
          FakeReply.captureLead("Ana", "ana.secreta@example.com", "+34 612 345 678"),
          FakeReply.text("Gracias", 1),
          FakeReply.text("corte a medias", 3).endAfter(1));
      await(run(firstTurn("soy Ana, ana.secreta@example.com, +34 612 345 678")));
      failure(run(firstTurn("otra")));
      OpenAiEngine wrong =
          new OpenAiEngine(
              vertx,
              OpenAiTestSupport.config(fake, "responses").with(ConfigKeys.OPENAI_API_KEY, wrongKey),
              new SimpleMeterRegistry());
      failure(wrong.runTurn(firstTurn("hola"), d -> {}));
      await(wrong.close());
    } finally {
      root.detachAppender(appender);
      ours.setLevel(before);
    }
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.start();
    String logs =
        appender.list.stream()
            .map(e -> new String(encoder.encode(e), StandardCharsets.UTF_8))
            .collect(Collectors.joining());
    assertThat(logs)
        .doesNotContain(fake.apiKey())
        .doesNotContain(wrongKey)
        .doesNotContain("WRONG")
        .doesNotContain("sk-proj")
        .doesNotContain("Bearer");
    assertThat(logs).doesNotContain("ana.secreta").doesNotContain("612 345");
    assertThat(logs)
        .contains("\"request_id\":\"req_")
        .contains("\"status\":500")
        .contains("\"status\":401")
        .contains("invalid_api_key");
  }

  /** The turn, its conversation changes recorded in {@code kept}. */
  private static Turn keeping(List<String> kept, Turn t) {
    return new Turn(
        t.sessionId(),
        t.locale(),
        t.userMessage(),
        t.conversationId(),
        t.history(),
        t.lead(),
        t.pageContext(),
        t.leads(),
        id -> {
          kept.add(id);
          return Future.succeededFuture();
        });
  }

  private static String text(JsonObject item) {
    JsonArray content = item.getJsonArray("content");
    return content == null ? null : content.getJsonObject(0).getString("text");
  }

  private Future<String> createConversation() {
    return createConversation(new JsonArray());
  }

  private Future<String> createConversation(JsonArray items) {
    return io.vertx.ext.web.client.WebClient.create(vertx)
        .postAbs(fake.baseUrl() + "/conversations")
        .bearerTokenAuthentication(fake.apiKey())
        .sendJsonObject(new JsonObject().put("items", items))
        .map(r -> r.bodyAsJsonObject().getString("id"));
  }
}
