package ai.talia.webchat.fakeopenai;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.assistant.openai.SseEvent;
import ai.talia.webchat.assistant.openai.SseParser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake speaks OpenAI's wire format: shapes, event order, sequence numbers, errors and headers.
 */
class FakeOpenAiServerTest {
  private Vertx vertx;
  private FakeOpenAiServer fake;
  private WebClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    fake = await(FakeOpenAiServer.start(vertx));
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    client.close();
    await(fake.close());
    await(vertx.close());
  }

  @Test
  void refuses_a_missing_or_wrong_key_with_openais_error_body() {
    HttpResponse<Buffer> none =
        await(client.postAbs(fake.baseUrl() + "/conversations").sendJsonObject(new JsonObject()));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.getHeader("x-request-id")).startsWith("req_");
    JsonObject error = none.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");

    HttpResponse<Buffer> wrong =
        await(
            client
                .postAbs(fake.baseUrl() + "/conversations")
                .bearerTokenAuthentication("sk-wrong-key-0000000000001234")
                .sendJsonObject(new JsonObject()));
    assertThat(wrong.statusCode()).isEqualTo(401);
    JsonObject wrongError = wrong.bodyAsJsonObject().getJsonObject("error");
    assertThat(wrongError.getString("code")).isEqualTo("invalid_api_key");
    assertThat(wrongError.getString("message"))
        .contains("sk-wro")
        .contains("1234")
        .doesNotContain("sk-wrong-key-0000000000001234");
  }

  @Test
  void conversations_can_be_created_read_extended_listed_and_deleted() {
    JsonObject created =
        post(
                "/conversations",
                new JsonObject()
                    .put("metadata", new JsonObject().put("session_id", "s-1"))
                    .put("items", new JsonArray().add(userMessage("hola"))))
            .bodyAsJsonObject();
    String id = created.getString("id");
    assertThat(id).startsWith("conv_");
    assertThat(created.getString("object")).isEqualTo("conversation");
    assertThat(created.getLong("created_at")).isPositive();
    assertThat(created.getJsonObject("metadata"))
        .isEqualTo(new JsonObject().put("session_id", "s-1"));

    assertThat(get("/conversations/" + id).bodyAsJsonObject().getString("id")).isEqualTo(id);

    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 21; i++) tooMany.add(userMessage("m" + i));
    HttpResponse<Buffer> refused =
        post("/conversations/" + id + "/items", new JsonObject().put("items", tooMany));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("array_above_max_length");

    JsonObject added =
        post(
                "/conversations/" + id + "/items",
                new JsonObject()
                    .put(
                        "items",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("type", "message")
                                    .put("role", "assistant")
                                    .put("content", "¡Hola!"))))
            .bodyAsJsonObject();
    assertThat(added.getString("object")).isEqualTo("list");
    assertThat(added.getJsonArray("data")).hasSize(1);

    JsonObject list = get("/conversations/" + id + "/items?order=asc").bodyAsJsonObject();
    assertThat(list.getString("object")).isEqualTo("list");
    assertThat(list.getBoolean("has_more")).isFalse();
    JsonArray data = list.getJsonArray("data");
    assertThat(data).hasSize(2);
    assertThat(data.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("type"))
        .isEqualTo("input_text");
    assertThat(data.getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("type"))
        .isEqualTo("output_text");
    assertThat(list.getString("first_id")).isEqualTo(data.getJsonObject(0).getString("id"));

    JsonObject deleted =
        await(
                client
                    .deleteAbs(fake.baseUrl() + "/conversations/" + id)
                    .bearerTokenAuthentication(fake.apiKey())
                    .send())
            .bodyAsJsonObject();
    assertThat(deleted)
        .isEqualTo(
            new JsonObject()
                .put("id", id)
                .put("object", "conversation.deleted")
                .put("deleted", true));
    HttpResponse<Buffer> gone = get("/conversations/" + id);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(gone.bodyAsJsonObject().getJsonObject("error").getString("message")).contains(id);
  }

  @Test
  void streams_a_text_reply_event_by_event_in_the_documented_order() {
    String conversation = newConversation();
    fake.enqueue(FakeReply.text("Hola, ¿qué tal? 👋", 4).usage(30, 7));
    HttpResponse<Buffer> response = post("/responses", responseRequest(conversation, "hola"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("content-type")).startsWith("text/event-stream");
    assertThat(response.getHeader("x-request-id")).startsWith("req_");
    List<SseEvent> events = parse(response.body());

    assertThat(events)
        .extracting(SseEvent::type)
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed");
    for (int i = 0; i < events.size(); i++) {
      JsonObject data = new JsonObject(events.get(i).data());
      assertThat(data.getString("type")).isEqualTo(events.get(i).type());
      assertThat(data.getInteger("sequence_number")).isEqualTo(i);
    }
    StringBuilder text = new StringBuilder();
    events.stream()
        .filter(e -> e.type().equals("response.output_text.delta"))
        .forEach(e -> text.append(new JsonObject(e.data()).getString("delta")));
    assertThat(text).hasToString("Hola, ¿qué tal? 👋");

    JsonObject completed =
        new JsonObject(events.get(events.size() - 1).data()).getJsonObject("response");
    assertThat(completed.getString("id")).startsWith("resp_");
    assertThat(completed.getString("object")).isEqualTo("response");
    assertThat(completed.getString("status")).isEqualTo("completed");
    assertThat(completed.getJsonObject("conversation").getString("id")).isEqualTo(conversation);
    assertThat(completed.getJsonObject("usage").getInteger("input_tokens")).isEqualTo(30);
    assertThat(completed.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(7);
    assertThat(completed.getJsonObject("usage").getInteger("total_tokens")).isEqualTo(37);
    JsonObject message = completed.getJsonArray("output").getJsonObject(0);
    assertThat(message.getString("type")).isEqualTo("message");
    assertThat(message.getString("role")).isEqualTo("assistant");
    assertThat(message.getJsonArray("content").getJsonObject(0).getString("text"))
        .isEqualTo("Hola, ¿qué tal? 👋");

    // The conversation now holds the input and the output.
    assertThat(fake.conversation(conversation).items())
        .extracting(i -> i.getString("role"))
        .containsExactly("user", "assistant");
  }

  @Test
  void a_function_call_streams_its_arguments_and_blocks_the_conversation_until_answered() {
    String conversation = newConversation();
    String args = "{\"name\":\"Ana\",\"email\":\"ana@example.com\",\"phone\":null}";
    fake.enqueue(FakeReply.toolCall("capture_lead", args));
    List<SseEvent> events =
        parse(post("/responses", responseRequest(conversation, "soy Ana")).body());
    assertThat(events)
        .extracting(SseEvent::type)
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed");
    StringBuilder pieces = new StringBuilder();
    events.stream()
        .filter(e -> e.type().equals("response.function_call_arguments.delta"))
        .forEach(e -> pieces.append(new JsonObject(e.data()).getString("delta")));
    assertThat(pieces).hasToString(args);
    JsonObject call = new JsonObject(events.get(7).data()).getJsonObject("item");
    assertThat(call.getString("type")).isEqualTo("function_call");
    assertThat(call.getString("name")).isEqualTo("capture_lead");
    assertThat(call.getString("arguments")).isEqualTo(args);
    String callId = call.getString("call_id");
    assertThat(callId).startsWith("call_");
    assertThat(fake.conversation(conversation).pendingCallIds()).containsExactly(callId);

    HttpResponse<Buffer> blocked = post("/responses", responseRequest(conversation, "¿hola?"));
    assertThat(blocked.statusCode()).isEqualTo(400);
    assertThat(blocked.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .isEqualTo("No tool output found for function call " + callId + ".");

    fake.enqueue(FakeReply.text("¡Gracias, Ana!", 2));
    JsonObject answer =
        responseRequest(conversation, null)
            .put(
                "input",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("type", "function_call_output")
                            .put("call_id", callId)
                            .put("output", "{\"status\":\"stored\"}")));
    HttpResponse<Buffer> followUp = post("/responses", answer);
    assertThat(followUp.statusCode()).isEqualTo(200);
    assertThat(parse(followUp.body()))
        .extracting(SseEvent::type)
        .contains("response.output_text.delta", "response.completed");
    assertThat(fake.conversation(conversation).pendingCallIds()).isEmpty();
  }

  @Test
  void answers_json_when_not_streaming() {
    fake.enqueue(FakeReply.text("Hola", 1));
    JsonObject request = responseRequest(null, "hola").put("stream", false);
    request.remove("conversation");
    JsonObject response = post("/responses", request).bodyAsJsonObject();
    assertThat(response.getString("status")).isEqualTo("completed");
    assertThat(
            response
                .getJsonArray("output")
                .getJsonObject(0)
                .getJsonArray("content")
                .getJsonObject(0)
                .getString("text"))
        .isEqualTo("Hola");
  }

  @Test
  void http_errors_carry_the_error_body_and_retry_after() {
    fake.enqueue(
        FakeReply.rateLimited().retryAfter(2),
        FakeReply.insufficientQuota(),
        FakeReply.serverError());
    HttpResponse<Buffer> limited = post("/responses", responseRequest(null, "a"));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.getHeader("retry-after")).isEqualTo("2");
    assertThat(limited.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("rate_limit_exceeded");
    HttpResponse<Buffer> quota = post("/responses", responseRequest(null, "a"));
    assertThat(quota.statusCode()).isEqualTo(429);
    assertThat(quota.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("insufficient_quota");
    HttpResponse<Buffer> server = post("/responses", responseRequest(null, "a"));
    assertThat(server.statusCode()).isEqualTo(500);
    assertThat(server.bodyAsJsonObject().getJsonObject("error").getString("type"))
        .isEqualTo("server_error");
  }

  @Test
  void an_unknown_conversation_is_a_404() {
    HttpResponse<Buffer> response = post("/responses", responseRequest("conv_nope", "hola"));
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("conv_nope");
  }

  @Test
  void refuses_a_non_strict_schema_and_bad_parameters() {
    JsonObject request = responseRequest(null, "hola");
    request
        .getJsonArray("tools")
        .getJsonObject(0)
        .getJsonObject("parameters")
        .put("required", new JsonArray().add("name"));
    HttpResponse<Buffer> schema = post("/responses", request);
    assertThat(schema.statusCode()).isEqualTo(400);
    assertThat(schema.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("Missing 'email'");

    HttpResponse<Buffer> safety =
        post("/responses", responseRequest(null, "hola").put("safety_identifier", "x".repeat(65)));
    assertThat(safety.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("string_above_max_length");

    HttpResponse<Buffer> both =
        post("/responses", responseRequest("conv_x", "hola").put("previous_response_id", "resp_1"));
    assertThat(both.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("mutually_exclusive_parameters");

    HttpResponse<Buffer> notJson =
        await(
            client
                .postAbs(fake.baseUrl() + "/responses")
                .bearerTokenAuthentication(fake.apiKey())
                .putHeader("content-type", "application/json")
                .sendBuffer(Buffer.buffer("{nope")));
    assertThat(notJson.statusCode()).isEqualTo(400);
  }

  @Test
  void streams_misbehave_as_programmed() {
    fake.enqueue(FakeReply.text("uno dos tres", 3).errorAfter(1, "server_error", "boom"));
    List<SseEvent> withError = parse(post("/responses", responseRequest(null, "a")).body());
    SseEvent last = withError.get(withError.size() - 1);
    assertThat(last.type()).isEqualTo("error");
    assertThat(new JsonObject(last.data()).getString("code")).isEqualTo("server_error");
    assertThat(withError.stream().filter(e -> e.type().endsWith(".delta"))).hasSize(1);

    fake.enqueue(FakeReply.text("uno dos", 2).failed("server_error", "The model failed"));
    List<SseEvent> failed = parse(post("/responses", responseRequest(null, "a")).body());
    JsonObject failedResponse =
        new JsonObject(failed.get(failed.size() - 1).data()).getJsonObject("response");
    assertThat(failed.get(failed.size() - 1).type()).isEqualTo("response.failed");
    assertThat(failedResponse.getString("status")).isEqualTo("failed");
    assertThat(failedResponse.getJsonObject("error").getString("code")).isEqualTo("server_error");

    fake.enqueue(FakeReply.text("uno dos", 2).incomplete("max_output_tokens"));
    List<SseEvent> incomplete = parse(post("/responses", responseRequest(null, "a")).body());
    assertThat(incomplete.get(incomplete.size() - 1).type()).isEqualTo("response.incomplete");
    assertThat(
            new JsonObject(incomplete.get(incomplete.size() - 1).data())
                .getJsonObject("response")
                .getJsonObject("incomplete_details")
                .getString("reason"))
        .isEqualTo("max_output_tokens");

    fake.enqueue(FakeReply.text("uno dos tres", 3).endAfter(2));
    List<SseEvent> cut = parse(post("/responses", responseRequest(null, "a")).body());
    assertThat(cut).extracting(SseEvent::type).doesNotContain("response.completed");
    assertThat(cut.stream().filter(e -> e.type().endsWith(".delta"))).hasSize(2);

    fake.enqueue(FakeReply.text("a b", 2).keepAlive().fragmentWrites(5));
    HttpResponse<Buffer> keepAlive = post("/responses", responseRequest(null, "a"));
    assertThat(keepAlive.bodyAsString()).contains(": keep-alive");
    assertThat(parse(keepAlive.body())).extracting(SseEvent::type).endsWith("response.completed");
  }

  @Test
  void a_reasoning_model_thinks_in_silence_then_writes_its_messages_in_separate_items() {
    fake.enqueue(
        FakeReply.text("Respuesta.", 1)
            .commentaryFirst("Voy a mirarlo.")
            .thenText("Algo más.", 1)
            .reasoning(300, 120)
            .usage(50, 10));
    long started = System.nanoTime();
    List<SseEvent> events = parse(post("/responses", responseRequest(null, "hola")).body());
    assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(290);

    List<JsonObject> added =
        events.stream()
            .filter(e -> e.type().equals("response.output_item.added"))
            .map(e -> new JsonObject(e.data()).getJsonObject("item"))
            .toList();
    assertThat(added)
        .extracting(i -> i.getString("type"))
        .containsExactly("reasoning", "message", "message", "message");
    assertThat(added.get(1).getString("phase")).isEqualTo("commentary");
    assertThat(added.get(2).containsKey("phase")).isFalse();
    // Nothing between the reasoning item's start and its end: the model thinks in silence.
    int reasoningAdded = indexOf(events, "response.output_item.added");
    assertThat(events.get(reasoningAdded + 1).type()).isEqualTo("response.output_item.done");
    assertThat(
            events.stream()
                .filter(e -> e.type().equals("response.output_text.delta"))
                .map(e -> new JsonObject(e.data()).getInteger("output_index")))
        .containsExactly(1, 2, 3);
    JsonObject completed =
        new JsonObject(events.get(events.size() - 1).data()).getJsonObject("response");
    assertThat(completed.getJsonArray("output")).hasSize(4);
    assertThat(
            completed
                .getJsonObject("usage")
                .getJsonObject("output_tokens_details")
                .getInteger("reasoning_tokens"))
        .isEqualTo(120);
  }

  @Test
  void
      an_incomplete_or_failed_response_carries_its_usage_and_leaves_its_items_in_the_conversation() {
    String conversation = newConversation();
    fake.enqueue(FakeReply.text("uno dos", 2).incomplete("max_output_tokens").usage(40, 2048));
    List<SseEvent> incomplete =
        parse(post("/responses", responseRequest(conversation, "a")).body());
    JsonObject cut =
        new JsonObject(incomplete.get(incomplete.size() - 1).data()).getJsonObject("response");
    assertThat(cut.getString("status")).isEqualTo("incomplete");
    assertThat(cut.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(2048);
    assertThat(cut.getJsonArray("output").getJsonObject(0).getString("status"))
        .isEqualTo("incomplete");
    List<JsonObject> items = fake.conversation(conversation).items();
    assertThat(items).extracting(i -> i.getString("role")).containsExactly("user", "assistant");
    assertThat(items.get(1).getString("status")).isEqualTo("incomplete");

    fake.enqueue(
        FakeReply.reasoningOnly(0, 30).failed("server_error", "The model failed").usage(40, 30));
    List<SseEvent> failed = parse(post("/responses", responseRequest(conversation, "b")).body());
    JsonObject failedResponse =
        new JsonObject(failed.get(failed.size() - 1).data()).getJsonObject("response");
    assertThat(failedResponse.getJsonObject("usage").getInteger("total_tokens")).isEqualTo(70);
    // The failed response's input is in the conversation too, beside the reasoning it produced.
    assertThat(fake.conversation(conversation).items())
        .extracting(i -> i.getString("type") + ":" + i.getString("role"))
        .containsExactly("message:user", "message:assistant", "message:user", "reasoning:null");

    fake.enqueue(FakeReply.text("tres cuatro cinco", 3).resetAfter(1));
    client
        .postAbs(fake.baseUrl() + "/responses")
        .bearerTokenAuthentication(fake.apiKey())
        .sendJsonObject(responseRequest(conversation, "c"))
        .otherwiseEmpty()
        .toCompletionStage()
        .toCompletableFuture()
        .join();
    // Cut before its message was done: only its input stays.
    assertThat(fake.conversation(conversation).items())
        .extracting(i -> i.getString("type") + ":" + i.getString("role"))
        .endsWith("reasoning:null", "message:user")
        .hasSize(5);
  }

  @Test
  void a_server_without_the_conversations_api_answers_404_and_still_serves_responses() {
    fake.withoutConversations(404);
    HttpResponse<Buffer> create = post("/conversations", new JsonObject());
    assertThat(create.statusCode()).isEqualTo(404);
    assertThat(create.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("404");
    fake.enqueue(FakeReply.text("Hola", 1));
    assertThat(
            parseCompleted(post("/responses", responseRequest(null, "hola"))).getString("status"))
        .isEqualTo("completed");
  }

  @Test
  void a_deployment_can_require_a_query_parameter_and_a_header() {
    fake.requireQueryParam("api-version", "preview").requireHeader("api-key", "azure-key");
    assertThat(post("/conversations", new JsonObject()).statusCode()).isEqualTo(404);
    HttpResponse<Buffer> noHeader =
        await(
            client
                .postAbs(fake.baseUrl() + "/conversations?api-version=preview")
                .bearerTokenAuthentication(fake.apiKey())
                .sendJsonObject(new JsonObject()));
    assertThat(noHeader.statusCode()).isEqualTo(401);
    HttpResponse<Buffer> both =
        await(
            client
                .postAbs(fake.baseUrl() + "/conversations?api-version=preview")
                .bearerTokenAuthentication(fake.apiKey())
                .putHeader("api-key", "azure-key")
                .sendJsonObject(new JsonObject()));
    assertThat(both.statusCode()).isEqualTo(200);
    assertThat(fake.requests("POST", "/v1/conversations")).hasSize(3);
  }

  @Test
  void items_of_a_response_not_stored_cannot_be_named_by_id_later() {
    fake.enqueue(FakeReply.captureLead("Ana", null, null));
    JsonObject first =
        parseCompleted(post("/responses", responseRequest(null, "Soy Ana").put("store", false)));
    JsonObject call = first.getJsonArray("output").getJsonObject(0);
    JsonArray input =
        new JsonArray()
            .add(userMessage("Soy Ana"))
            .add(call)
            .add(
                new JsonObject()
                    .put("type", "function_call_output")
                    .put("call_id", call.getString("call_id"))
                    .put("output", "{}"));
    HttpResponse<Buffer> byId =
        post("/responses", responseRequest(null, "x").put("store", false).put("input", input));
    assertThat(byId.statusCode()).isEqualTo(400);
    assertThat(byId.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("not persisted");

    call.remove("id");
    fake.enqueue(FakeReply.text("Gracias", 1));
    assertThat(
            post("/responses", responseRequest(null, "x").put("store", false).put("input", input))
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void chat_completions_refuse_max_tokens_for_reasoning_models_and_can_repeat_the_tool_name() {
    JsonObject request =
        new JsonObject()
            .put("model", "gpt-5-mini")
            .put("max_tokens", 100)
            .put(
                "messages",
                new JsonArray().add(new JsonObject().put("role", "user").put("content", "hola")));
    HttpResponse<Buffer> refused = post("/chat/completions", request);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("param"))
        .isEqualTo("max_tokens");

    fake.enqueue(FakeReply.captureLead("Ana", null, null).repeatToolName());
    JsonObject tool =
        new JsonObject()
            .put("type", "function")
            .put(
                "function",
                new JsonObject()
                    .put("name", "capture_lead")
                    .put("parameters", new JsonObject().put("type", "object")));
    JsonObject ollama =
        request
            .copy()
            .put("model", "llama3.2")
            .put("stream", true)
            .put("tools", new JsonArray().add(tool));
    List<SseEvent> events = parse(post("/chat/completions", ollama).body());
    long named =
        events.stream()
            .filter(e -> !e.data().equals("[DONE]"))
            .map(e -> new JsonObject(e.data()).getJsonArray("choices"))
            .filter(c -> !c.isEmpty())
            .map(c -> c.getJsonObject(0).getJsonObject("delta").getJsonArray("tool_calls"))
            .filter(t -> t != null)
            .filter(t -> t.getJsonObject(0).getJsonObject("function").getString("name") != null)
            .count();
    assertThat(named).isEqualTo(4);
  }

  @Test
  void chat_completions_stream_chunks_tool_calls_by_index_usage_and_done() {
    String args = "{\"name\":null,\"email\":\"a@b.co\",\"phone\":null}";
    fake.enqueue(
        FakeReply.text("Un momento", 2)
            .thenToolCall("capture_lead", args)
            .thenToolCall("capture_lead", args));
    JsonObject request =
        new JsonObject()
            .put("model", "gpt-5-mini")
            .put("stream", true)
            .put("stream_options", new JsonObject().put("include_usage", true))
            .put(
                "tools",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("type", "function")
                            .put(
                                "function",
                                new JsonObject()
                                    .put("name", "capture_lead")
                                    .put("parameters", new JsonObject().put("type", "object")))))
            .put(
                "messages",
                new JsonArray()
                    .add(new JsonObject().put("role", "system").put("content", "be brief"))
                    .add(new JsonObject().put("role", "user").put("content", "a@b.co")));
    HttpResponse<Buffer> response = post("/chat/completions", request);
    assertThat(response.statusCode()).isEqualTo(200);
    List<SseEvent> events = parse(response.body());
    assertThat(events).extracting(SseEvent::type).containsOnly("message");
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    JsonObject usageChunk = new JsonObject(events.get(events.size() - 2).data());
    assertThat(usageChunk.getJsonArray("choices")).isEmpty();
    assertThat(usageChunk.getJsonObject("usage").getInteger("prompt_tokens")).isPositive();

    StringBuilder content = new StringBuilder();
    StringBuilder[] arguments = {new StringBuilder(), new StringBuilder()};
    List<String> ids = new ArrayList<>();
    String finish = null;
    for (SseEvent e : events.subList(0, events.size() - 2)) {
      JsonObject chunk = new JsonObject(e.data());
      assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
      JsonObject choice = chunk.getJsonArray("choices").getJsonObject(0);
      JsonObject delta = choice.getJsonObject("delta");
      if (delta.getString("content") != null) content.append(delta.getString("content"));
      if (delta.getJsonArray("tool_calls") != null) {
        JsonObject piece = delta.getJsonArray("tool_calls").getJsonObject(0);
        if (piece.getString("id") != null) ids.add(piece.getString("id"));
        arguments[piece.getInteger("index")].append(
            piece.getJsonObject("function").getString("arguments"));
      }
      if (choice.getString("finish_reason") != null) finish = choice.getString("finish_reason");
    }
    assertThat(content).hasToString("Un momento");
    assertThat(ids).hasSize(2).doesNotHaveDuplicates();
    assertThat(arguments[0]).hasToString(args);
    assertThat(arguments[1]).hasToString(args);
    assertThat(finish).isEqualTo("tool_calls");
  }

  @Test
  void chat_completions_checks_that_tool_messages_answer_tool_calls() {
    JsonObject unanswered =
        new JsonObject()
            .put("model", "m")
            .put(
                "messages",
                new JsonArray()
                    .add(new JsonObject().put("role", "user").put("content", "hola"))
                    .add(
                        new JsonObject()
                            .put("role", "assistant")
                            .put("content", null)
                            .put(
                                "tool_calls",
                                new JsonArray()
                                    .add(
                                        new JsonObject()
                                            .put("id", "call_1")
                                            .put("type", "function")
                                            .put(
                                                "function",
                                                new JsonObject()
                                                    .put("name", "capture_lead")
                                                    .put("arguments", "{}")))))
                    .add(new JsonObject().put("role", "user").put("content", "¿?")));
    HttpResponse<Buffer> response = post("/chat/completions", unanswered);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("call_1");
  }

  @Test
  void the_scripted_model_asks_for_details_and_calls_capture_lead() {
    JsonObject greeting = parseCompleted(post("/responses", responseRequest(null, "hola")));
    assertThat(greeting.getJsonArray("output").getJsonObject(0).getString("type"))
        .isEqualTo("message");

    JsonObject withDetails =
        parseCompleted(
            post("/responses", responseRequest(null, "Me llamo Ana López, ana@example.com")));
    JsonObject call = withDetails.getJsonArray("output").getJsonObject(0);
    assertThat(call.getString("type")).isEqualTo("function_call");
    JsonObject args = new JsonObject(call.getString("arguments"));
    assertThat(args.getString("name")).isEqualTo("Ana López");
    assertThat(args.getString("email")).isEqualTo("ana@example.com");
    assertThat(args.containsKey("phone")).isTrue();
  }

  @Test
  void records_every_request() {
    post("/conversations", new JsonObject());
    assertThat(fake.requests()).hasSize(1);
    assertThat(fake.requests().get(0).header("authorization")).isEqualTo("Bearer " + fake.apiKey());
    assertThat(fake.requests("POST", "/v1/conversations")).hasSize(1);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private String newConversation() {
    return post("/conversations", new JsonObject()).bodyAsJsonObject().getString("id");
  }

  private static JsonObject userMessage(String text) {
    return new JsonObject().put("type", "message").put("role", "user").put("content", text);
  }

  private static JsonObject responseRequest(String conversation, String input) {
    JsonObject tool =
        new JsonObject()
            .put("type", "function")
            .put("name", "capture_lead")
            .put("strict", true)
            .put(
                "parameters",
                new JsonObject()
                    .put("type", "object")
                    .put(
                        "properties",
                        new JsonObject()
                            .put(
                                "name",
                                new JsonObject()
                                    .put("type", new JsonArray().add("string").add("null")))
                            .put(
                                "email",
                                new JsonObject()
                                    .put("type", new JsonArray().add("string").add("null")))
                            .put(
                                "phone",
                                new JsonObject()
                                    .put("type", new JsonArray().add("string").add("null"))))
                    .put("required", new JsonArray().add("name").add("email").add("phone"))
                    .put("additionalProperties", false));
    JsonObject request =
        new JsonObject()
            .put("model", "gpt-5-mini")
            .put("instructions", "Be TalIA.")
            .put("tools", new JsonArray().add(tool))
            .put("stream", true)
            .put("input", input);
    if (conversation != null) request.put("conversation", conversation);
    return request;
  }

  private static int indexOf(List<SseEvent> events, String type) {
    for (int i = 0; i < events.size(); i++) if (events.get(i).type().equals(type)) return i;
    return -1;
  }

  private JsonObject parseCompleted(HttpResponse<Buffer> response) {
    List<SseEvent> events = parse(response.body());
    return new JsonObject(events.get(events.size() - 1).data()).getJsonObject("response");
  }

  private static List<SseEvent> parse(Buffer body) {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);
    parser.feed(body);
    parser.finish();
    return events;
  }

  private HttpResponse<Buffer> post(String path, JsonObject body) {
    return await(
        client
            .postAbs(fake.baseUrl() + path)
            .bearerTokenAuthentication(fake.apiKey())
            .sendJsonObject(body));
  }

  private HttpResponse<Buffer> get(String path) {
    return await(
        client.getAbs(fake.baseUrl() + path).bearerTokenAuthentication(fake.apiKey()).send());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
