package ai.talia.webchat.assistant;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.fakeopenai.FakeOpenAiServer;
import ai.talia.webchat.fakeopenai.FakeReply;
import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.MessageStatus;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.store.StoredMessage;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.StreamClient;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.approvaltests.Approvals;
import org.approvaltests.core.Options;
import org.approvaltests.reporters.QuietReporter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole gateway on the openai engine — real verticles, real store, real HTTP and sockets —
 * against the fake OpenAI server: conversations kept per session, the capture_lead tool, failed
 * turns kept and retried, cut streams never stored, the breaker in /ready, and the cost caps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OpenAiGatewayContract {
  private static final String UUID_RE =
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
  private Vertx fakeVertx;
  private FakeOpenAiServer fake;
  private RunningGateway gateway;
  private Api api;

  abstract TestDatabases.Kind kind();

  @BeforeAll
  void startFake() {
    fakeVertx = Vertx.vertx();
    fake = await(FakeOpenAiServer.start(fakeVertx));
  }

  @AfterAll
  void stopFake() {
    await(fake.close());
    await(fakeVertx.close());
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
  }

  @AfterEach
  void stopGateway() {
    if (gateway != null) gateway.close();
    gateway = null;
  }

  private void start(UnaryOperator<TaliaConfig> overrides) {
    gateway =
        RunningGateway.start(
            kind(),
            c ->
                overrides.apply(
                    c.with(ConfigKeys.ENGINE_NAME, "openai")
                        .with(ConfigKeys.OPENAI_API_KEY, fake.apiKey())
                        .with(ConfigKeys.OPENAI_BASE_URL, fake.baseUrl())
                        .with(ConfigKeys.OPENAI_RETRY_BASE_DELAY_MS, 20)
                        .with(ConfigKeys.OPENAI_RETRY_MAX_DELAY_MS, 100)));
    api = new Api(gateway.baseUrl());
  }

  private void start() {
    start(c -> c);
  }

  private static void assertProblem(Api.Reply reply, int status, String code) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    assertThat(reply.json().getString("code")).isEqualTo(code);
  }

  private static String itemText(JsonObject item) {
    JsonArray content = item.getJsonArray("content");
    return content == null || content.isEmpty() ? null : content.getJsonObject(0).getString("text");
  }

  private JsonArray messages(Api.Session s) {
    return api.history(s).json().getJsonArray("messages");
  }

  // --- conversations
  // ---------------------------------------------------------------------------------

  @Test
  void the_first_turn_creates_the_conversation_and_every_later_turn_of_the_session_uses_it() {
    start();
    Api.Session s = api.consentedSession("es");
    fake.enqueue(
        FakeReply.text("Hola, soy TalIA.", 3).usage(120, 8),
        FakeReply.text("Claro que sí.", 2).usage(150, 5));

    Api.Reply first = api.say(s, "Hola");
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(first.json().getJsonObject("reply").getString("content"))
        .isEqualTo("Hola, soy TalIA.");
    Api.Reply second = api.say(s, "¿Me ayudas?");
    assertThat(second.json().getJsonObject("reply").getString("content"))
        .isEqualTo("Claro que sí.");

    assertThat(fake.requests("POST", "/v1/conversations")).hasSize(1);
    String conversation =
        await(new StoreClient(gateway.vertx()).findSession(s.id())).assistantThreadId();
    assertThat(conversation).isNotNull().isEqualTo(fake.conversations().keySet().iterator().next());
    List<JsonObject> calls = fake.responseCalls();
    assertThat(calls)
        .hasSize(2)
        .allSatisfy(
            call -> {
              assertThat(call.getString("conversation")).isEqualTo(conversation);
              assertThat(call.getBoolean("stream")).isTrue();
              assertThat(call.getString("model")).isEqualTo("gpt-5-mini");
              assertThat(call.getString("instructions")).contains("TalIA").contains("locale is es");
              assertThat(call.getJsonArray("tools").getJsonObject(0).getString("name"))
                  .isEqualTo("capture_lead");
            });

    // The usage numbers are stored with the reply and counted on the session.
    List<DomainEvent> events = await(new StoreClient(gateway.vertx()).events(s.id()));
    assertThat(events)
        .filteredOn(e -> e.type().equals("webchat_message_received"))
        .extracting(
            e -> e.data().getInteger("input_tokens") + "/" + e.data().getInteger("output_tokens"))
        .containsExactly("120/8", "150/5");
    assertThat(await(new StoreClient(gateway.vertx()).findSession(s.id())).tokensUsed())
        .isEqualTo(283);
  }

  /**
   * Streamed calls use one HTTP client per event loop, once made by the first turn on that loop.
   * The actor that made it going idle and stopping must not close it under later actors there.
   */
  @Test
  void sessions_stream_after_the_actor_that_first_streamed_on_their_event_loop_stopped()
      throws Exception {
    start(c -> c.with(ConfigKeys.SESSION_IDLE_SECONDS, 1));
    fake.enqueue(FakeReply.text("Hola, soy TalIA.", 3));
    Api.Reply first = api.say(api.consentedSession("es"), "Hola");
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    for (int i = 0; i < 100 && liveActors() > 0; i++) Thread.sleep(100);
    assertThat(liveActors()).as("the first actor stopped after its idle time").isZero();

    // Actors are spread over the event loops in turn: three times as many sessions as loops
    // put some on the first actor's loop.
    int sessions = 3 * VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    for (int i = 0; i < sessions; i++) {
      fake.enqueue(FakeReply.text("Hola de nuevo.", 3));
      Api.Reply later = api.say(api.consentedSession("es"), "Hola");
      assertThat(later.status()).as("session %d: %s", i, later.body()).isEqualTo(200);
      assertThat(later.json().getJsonObject("reply").getString("content"))
          .isEqualTo("Hola de nuevo.");
    }
  }

  private int liveActors() {
    Matcher m =
        Pattern.compile("(?m)^talia_session_actors_live(?:\\{[^}]*\\})? ([0-9.]+)")
            .matcher(api.get("/metrics").body());
    assertThat(m.find()).isTrue();
    return (int) Double.parseDouble(m.group(1));
  }

  @Test
  void a_reply_longer_than_a_visitor_message_may_be_is_stored_whole() {
    start();
    Api.Session s = api.consentedSession("es");
    // 8,192 output tokens (the default cap) can be well over 16,000 characters.
    String longReply = "Detalle del plan número uno. ".repeat(1200);
    fake.enqueue(FakeReply.text(longReply, 40));
    Api.Reply reply = api.say(s, "Cuéntamelo todo");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.json().getJsonObject("reply").getString("content")).isEqualTo(longReply);
    assertThat(await(new StoreClient(gateway.vertx()).history(s.id(), 0, 10)))
        .extracting(StoredMessage::content)
        .contains(longReply);
  }

  @Test
  void a_conversation_the_api_forgot_is_rebuilt_and_the_session_keeps_the_new_one() {
    start();
    Api.Session s = api.consentedSession("es");
    fake.enqueue(FakeReply.text("Primera respuesta."), FakeReply.text("Segunda respuesta."));
    assertThat(api.say(s, "uno").status()).isEqualTo(200);
    StoreClient store = new StoreClient(gateway.vertx());
    String lost = await(store.findSession(s.id())).assistantThreadId();
    fake.forget(lost);

    Api.Reply reply = api.say(s, "dos");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.json().getJsonObject("reply").getString("content"))
        .isEqualTo("Segunda respuesta.");
    String rebuilt = await(store.findSession(s.id())).assistantThreadId();
    assertThat(rebuilt).isNotEqualTo(lost);
    // The new conversation holds the session's own history, from our store.
    assertThat(fake.conversation(rebuilt).items().toString())
        .contains("uno")
        .contains("Primera respuesta.");
  }

  // --- the capture_lead tool, and a snapshot of the base conversation
  // ------------------------------

  @Test
  void base_conversation_on_the_openai_engine_captures_the_lead_through_the_tool() {
    start();
    Api.Session s = api.consentedSession("es");
    List<String> lines =
        List.of(
            "Hola",
            "Me llamo Ana Pérez",
            "mi teléfono es +34 000 000 000",
            "mi correo es ana.perez@example.com y mi teléfono +34 612 345 678",
            "Gracias");
    try (StreamClient socket = StreamClient.connect(gateway.port(), "https://landing.example")) {
      socket.hello(s.id(), s.token(), 0);
      socket.until(StreamClient.type("ready"));
      for (String line : lines) assertThat(api.say(s, line).status()).isEqualTo(200);
      // The follow-up text after a tool round streams to the socket like any reply.
      List<JsonObject> frames =
          socket.until(
              f ->
                  "reply.completed".equals(f.getString("type"))
                      && f.getJsonObject("message").getLong("seq") == 10);
      assertThat(frames).anyMatch(f -> "lead.captured".equals(f.getString("type")));
      assertThat(frames).filteredOn(StreamClient.type("reply.delta")).hasSizeGreaterThan(1);
    }

    StringBuilder out = new StringBuilder("== transcript (es, openai engine) ==\n");
    for (Object o : messages(s)) {
      JsonObject m = (JsonObject) o;
      out.append(m.getLong("seq"))
          .append(' ')
          .append(m.getString("role"))
          .append(" [")
          .append(m.getString("status"))
          .append("]: ")
          .append(m.getString("content"))
          .append('\n');
    }
    out.append("\n== capture_lead calls and the outputs sent back to the model ==\n");
    for (JsonObject call : fake.responseCalls()) {
      Object input = call.getValue("input");
      if (!(input instanceof JsonArray items)) continue;
      for (Object item : items) {
        if (item instanceof JsonObject i && "function_call_output".equals(i.getString("type"))) {
          out.append(i.getString("output")).append('\n');
        }
      }
    }
    StoreClient store = new StoreClient(gateway.vertx());
    out.append("\n== events ==\n");
    for (DomainEvent e : await(store.events(s.id()))) {
      out.append(e.type())
          .append(' ')
          .append(e.data().encode().replace(s.id(), "<session>").replaceAll(UUID_RE, "<id>"))
          .append('\n');
    }
    LeadRecord lead = await(store.findLead(s.id()));
    out.append("\n== lead ==\nname=")
        .append(lead.name())
        .append("\nemail=")
        .append(lead.email())
        .append("\nphone=")
        .append(lead.phone())
        .append("\nsource=")
        .append(lead.source())
        .append("\nconsent_is_the_granted_one=")
        .append(lead.consentId().equals(await(store.latestConsent(s.id())).id()))
        .append('\n');
    Approvals.verify(
        out.toString(),
        new Options()
            .withReporter(new QuietReporter())
            .forFile()
            .withBaseName("base-conversation-openai-es." + kind().name().toLowerCase(Locale.ROOT)));
  }

  @Test
  void without_consent_the_tool_stores_nothing_and_tells_the_model() {
    start(c -> c.with(ConfigKeys.CONSENT_REQUIRED, false));
    Api.Session s = api.newSession("es");
    Api.Reply reply = api.say(s, "Me llamo Ana Pérez, ana@example.com");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.json().getJsonObject("reply").getString("content"))
        .contains("política de privacidad");
    assertThat(await(new StoreClient(gateway.vertx()).findLead(s.id()))).isNull();
    String output =
        fake.responseCalls().get(1).getJsonArray("input").getJsonObject(0).getString("output");
    assertThat(new JsonObject(output).getString("status")).isEqualTo("consent_missing");
  }

  // --- failures
  // ------------------------------------------------------------------------------------

  @Test
  void
      a_failed_turn_keeps_the_user_message_and_resending_the_same_id_retries_it_without_a_duplicate() {
    start(c -> c.with(ConfigKeys.OPENAI_MAX_RETRIES, 1));
    Api.Session s = api.consentedSession("es");
    fake.enqueue(2, FakeReply::serverError);
    String id = UUID.randomUUID().toString();

    Api.Reply failed = api.say(s, "¿Tenéis prueba gratis?", id);
    assertProblem(failed, 503, "assistant_unavailable");
    JsonArray afterFailure = messages(s);
    assertThat(afterFailure).hasSize(1);
    assertThat(afterFailure.getJsonObject(0).getString("status")).isEqualTo("failed");
    assertThat(afterFailure.getJsonObject(0).getString("content"))
        .isEqualTo("¿Tenéis prueba gratis?");

    fake.enqueue(FakeReply.text("Sí, 14 días gratis.", 3));
    Api.Reply retried = api.say(s, "¿Tenéis prueba gratis?", id);
    assertThat(retried.status()).as(retried.body()).isEqualTo(200);
    assertThat(retried.json().getJsonObject("reply").getString("content"))
        .isEqualTo("Sí, 14 días gratis.");
    JsonArray history = messages(s);
    assertThat(history).hasSize(2);
    assertThat(history.getJsonObject(0).getLong("seq")).isEqualTo(1);
    assertThat(history.getJsonObject(0).getString("status")).isEqualTo("completed");
    assertThat(history.getJsonObject(1).getLong("seq")).isEqualTo(2);
    assertThat(history.getJsonObject(1).getString("role")).isEqualTo("assistant");

    // And once more: the first answer, no third turn.
    int calls = fake.responseCalls().size();
    Api.Reply again = api.say(s, "¿Tenéis prueba gratis?", id);
    assertThat(again.json().getJsonObject("reply").getString("id"))
        .isEqualTo(retried.json().getJsonObject("reply").getString("id"));
    assertThat(fake.responseCalls()).hasSize(calls);
    assertThat(messages(s)).hasSize(2);
  }

  @Test
  void a_reply_cut_by_the_output_cap_after_text_is_stored_shown_and_counted_as_incomplete() {
    start();
    Api.Session s = api.consentedSession("es");
    fake.enqueue(
        FakeReply.text("Tenemos tres planes: Básico, Pro y", 6)
            .reasoning(50, 1500)
            .incomplete("max_output_tokens")
            .usage(300, 2048));
    String id = UUID.randomUUID().toString();
    try (StreamClient socket = StreamClient.connect(gateway.port(), "https://landing.example")) {
      socket.hello(s.id(), s.token(), 0);
      socket.until(StreamClient.type("ready"));
      Api.Reply reply = api.say(s, "¿Qué planes tenéis?", id);
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      JsonObject stored = reply.json().getJsonObject("reply");
      assertThat(stored.getString("content")).isEqualTo("Tenemos tres planes: Básico, Pro y");
      assertThat(stored.getString("status")).isEqualTo("incomplete");
      assertThat(reply.json().getJsonObject("message").getString("status")).isEqualTo("completed");
      List<JsonObject> frames = socket.until(StreamClient.type("reply.completed"));
      JsonObject completed = frames.get(frames.size() - 1).getJsonObject("message");
      assertThat(completed.getString("status")).isEqualTo("incomplete");
      assertThat(completed.getString("content")).isEqualTo(stored.getString("content"));
      assertThat(frames).noneMatch(StreamClient.type("reply.failed"));
    }
    JsonArray history = messages(s);
    assertThat(history).hasSize(2);
    assertThat(history.getJsonObject(1).getString("status")).isEqualTo("incomplete");
    assertThat(history.getJsonObject(1).getString("content"))
        .isEqualTo("Tenemos tres planes: Básico, Pro y");
    assertThat(await(new StoreClient(gateway.vertx()).findSession(s.id())).tokensUsed())
        .isEqualTo(2348);
    // A resend is answered with what was stored, not a second model call.
    int calls = fake.responseCalls().size();
    Api.Reply again = api.say(s, "¿Qué planes tenéis?", id);
    assertThat(again.json().getJsonObject("reply").getString("status")).isEqualTo("incomplete");
    assertThat(fake.responseCalls()).hasSize(calls);
  }

  @Test
  void a_model_that_spends_its_whole_cap_thinking_fails_the_turn_and_its_tokens_count() {
    start(
        c ->
            c.with(ConfigKeys.LIMITS_SESSION_MAX_TOKENS, 1000)
                .with(ConfigKeys.OPENAI_MAX_RETRIES, 0));
    Api.Session s = api.consentedSession("es");
    fake.enqueue(
        FakeReply.reasoningOnly(50, 1024).incomplete("max_output_tokens").usage(100, 1024));
    Api.Reply failed = api.say(s, "Piensa mucho");
    assertProblem(failed, 502, "assistant_unavailable");
    assertThat(messages(s).getJsonObject(0).getString("status")).isEqualTo("failed");
    assertThat(api.get("/metrics").body()).contains("talia_daily_tokens_used 1124.0");
    int calls = fake.responseCalls().size();
    assertProblem(api.say(s, "¿Sigues?"), 429, "token_limit_reached");
    assertThat(fake.responseCalls()).hasSize(calls);
  }

  @Test
  void
      a_resend_after_a_turn_that_failed_mid_stream_never_puts_the_visitors_words_in_a_conversation_twice() {
    start();
    Api.Session s = api.consentedSession("es");
    StoreClient store = new StoreClient(gateway.vertx());
    fake.enqueue(FakeReply.text("¡Hola! ¿En qué te ayudo?", 3));
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
    String first = await(store.findSession(s.id())).assistantThreadId();

    // The stream breaks after text was shown: the response had already put the input in `first`.
    fake.enqueue(FakeReply.text("Tenemos tres planes", 3).perTokenDelay(20).resetAfter(1));
    String id = UUID.randomUUID().toString();
    Api.Reply failed = api.say(s, "¿Qué planes tenéis?", id);
    assertThat(failed.status()).as(failed.body()).isIn(502, 503);
    assertThat(await(store.findSession(s.id())).assistantThreadId()).isNull();
    assertThat(fake.conversation(first)).as("the abandoned conversation is deleted").isNull();

    fake.enqueue(FakeReply.text("Básico, Pro y Empresa.", 3));
    Api.Reply retried = api.say(s, "¿Qué planes tenéis?", id);
    assertThat(retried.status()).as(retried.body()).isEqualTo(200);
    String second = await(store.findSession(s.id())).assistantThreadId();
    assertThat(second).isNotNull().isNotEqualTo(first);
    assertThat(fake.conversation(second).items())
        .extracting(i -> i.getString("role") + ": " + itemText(i))
        .containsExactly(
            "user: Hola",
            "assistant: ¡Hola! ¿En qué te ayudo?",
            "user: ¿Qué planes tenéis?",
            "assistant: Básico, Pro y Empresa.");

    // A failure the API refused with a status left nothing behind: the conversation stays.
    fake.enqueue(FakeReply.rateLimited(), FakeReply.overloaded(), FakeReply.overloaded());
    String other = UUID.randomUUID().toString();
    assertProblem(api.say(s, "¿Y el precio?", other), 503, "assistant_unavailable");
    assertThat(await(store.findSession(s.id())).assistantThreadId()).isEqualTo(second);
    fake.enqueue(FakeReply.text("Desde 9 €.", 2));
    assertThat(api.say(s, "¿Y el precio?", other).status()).isEqualTo(200);
    assertThat(fake.conversation(second).items())
        .filteredOn(i -> "user".equals(i.getString("role")))
        .extracting(OpenAiGatewayContract::itemText)
        .containsExactly("Hola", "¿Qué planes tenéis?", "¿Y el precio?");
  }

  @Test
  void
      a_turn_cut_by_a_crash_leaves_the_session_without_its_conversation_so_the_resend_holds_the_words_once() {
    start();
    Api.Session s = api.consentedSession("es");
    StoreClient store = new StoreClient(gateway.vertx());
    fake.enqueue(FakeReply.text("¡Hola!", 1));
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
    String first = await(store.findSession(s.id())).assistantThreadId();
    // A crash mid-turn: the message was stored pending, and its response had put it in `first`.
    // The test writes as that crashed owner did, under its own claim of the session.
    long epoch = await(store.claimSession(s.id(), "interrupted")).epoch();
    String id = UUID.randomUUID().toString();
    await(
        store.appendUserMessage(
            new ai.talia.webchat.store.StoredMessage(
                UUID.randomUUID().toString(),
                s.id(),
                3,
                "user",
                "¿Tenéis demo?",
                java.time.Instant.now(),
                id,
                MessageStatus.PENDING,
                null,
                null,
                0,
                0),
            epoch));
    await(
        io.vertx.ext.web.client.WebClient.create(gateway.vertx())
            .postAbs(fake.baseUrl() + "/conversations/" + first + "/items")
            .bearerTokenAuthentication(fake.apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put(
                        "items",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("role", "user")
                                    .put("content", "¿Tenéis demo?")))));
    gateway.restart();
    api = new Api(gateway.baseUrl());
    store = new StoreClient(gateway.vertx());

    fake.enqueue(FakeReply.text("Sí, 14 días.", 2));
    Api.Reply retried = api.say(s, "¿Tenéis demo?", id);
    assertThat(retried.status()).as(retried.body()).isEqualTo(200);
    String second = await(store.findSession(s.id())).assistantThreadId();
    assertThat(second).isNotEqualTo(first);
    assertThat(fake.conversation(second).items())
        .filteredOn(i -> "user".equals(i.getString("role")))
        .extracting(OpenAiGatewayContract::itemText)
        .containsExactly("Hola", "¿Tenéis demo?");
  }

  @Test
  void an_error_event_before_any_text_is_retried_and_the_conversation_holds_the_input_once() {
    start();
    Api.Session s = api.consentedSession("es");
    fake.enqueue(
        FakeReply.text("nunca", 1).errorAfter(0, "server_error", "The server had an error"),
        FakeReply.text("Hola, soy TalIA.", 2));
    Api.Reply reply = api.say(s, "Hola");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.json().getJsonObject("reply").getString("content"))
        .isEqualTo("Hola, soy TalIA.");
    String conversation =
        await(new StoreClient(gateway.vertx()).findSession(s.id())).assistantThreadId();
    assertThat(fake.conversations()).containsOnlyKeys(conversation);
    assertThat(fake.conversation(conversation).items())
        .extracting(i -> i.getString("role") + ": " + itemText(i))
        .containsExactly("user: Hola", "assistant: Hola, soy TalIA.");
  }

  @Test
  void no_first_token_in_time_answers_504() {
    start(
        c ->
            c.with(ConfigKeys.OPENAI_FIRST_TOKEN_TIMEOUT_MS, 300)
                .with(ConfigKeys.OPENAI_MAX_RETRIES, 0));
    Api.Session s = api.consentedSession("es");
    fake.enqueue(FakeReply.text("Demasiado tarde.").firstTokenDelay(3_000));
    assertProblem(api.say(s, "Hola"), 504, "assistant_unavailable");
    assertThat(messages(s).getJsonObject(0).getString("status")).isEqualTo("failed");
  }

  @Test
  void a_stream_cut_half_way_reaches_the_socket_as_failed_and_is_never_stored_as_a_reply() {
    start();
    Api.Session s = api.consentedSession("es");
    fake.enqueue(FakeReply.text("uno dos tres cuatro cinco", 5).perTokenDelay(20).resetAfter(2));
    try (StreamClient socket = StreamClient.connect(gateway.port(), "https://landing.example")) {
      socket.hello(s.id(), s.token(), 0);
      socket.until(StreamClient.type("ready"));
      String id = UUID.randomUUID().toString();
      Api.Reply cut = api.say(s, "Cuéntame", id);
      assertThat(cut.status()).as(cut.body()).isIn(502, 503);
      assertThat(cut.json().getString("code")).isEqualTo("assistant_unavailable");
      List<JsonObject> frames = socket.until(StreamClient.type("reply.failed"));
      assertThat(frames).anyMatch(StreamClient.type("reply.delta"));
      assertThat(frames).noneMatch(StreamClient.type("reply.completed"));
      assertThat(messages(s)).hasSize(1);
      assertThat(fake.responseCalls()).hasSize(1); // text had reached the visitor: never retried

      fake.enqueue(FakeReply.text("uno dos tres cuatro cinco", 5));
      assertThat(api.say(s, "Cuéntame", id).status()).isEqualTo(200);
      List<JsonObject> retry = socket.until(StreamClient.type("reply.completed"));
      assertThat(retry.get(retry.size() - 1).getJsonObject("message").getString("content"))
          .isEqualTo("uno dos tres cuatro cinco");
    }
    JsonArray history = messages(s);
    assertThat(history).hasSize(2);
    assertThat(history.getJsonObject(1).getString("content"))
        .isEqualTo("uno dos tres cuatro cinco");
  }

  @Test
  void
      the_breaker_opens_after_repeated_failures_shows_in_ready_and_refuses_without_calling_openai() {
    start(
        c ->
            c.with(ConfigKeys.OPENAI_MAX_RETRIES, 0)
                .with(ConfigKeys.OPENAI_BREAKER_FAILURE_THRESHOLD, 2)
                .with(ConfigKeys.OPENAI_BREAKER_RESET_TIMEOUT_MS, 60_000));
    assertThat(api.get("/ready").json().getJsonObject("engine").getString("breaker"))
        .isEqualTo("closed");
    Api.Session s = api.consentedSession("es");
    fake.enqueue(2, FakeReply::overloaded);
    assertProblem(api.say(s, "uno"), 503, "assistant_unavailable");
    assertProblem(api.say(s, "dos"), 503, "assistant_unavailable");

    Api.Reply ready = api.get("/ready");
    assertThat(ready.status()).as(ready.body()).isEqualTo(503);
    assertThat(ready.json().getJsonObject("engine").getString("breaker")).isEqualTo("open");
    int calls = fake.responseCalls().size();
    assertProblem(api.say(s, "tres"), 503, "assistant_unavailable");
    assertThat(fake.responseCalls()).hasSize(calls);
    assertThat(messages(s))
        .hasSize(3)
        .allSatisfy(m -> assertThat(((JsonObject) m).getString("status")).isEqualTo("failed"));
  }

  @Test
  void chat_completions_style_sends_the_history_from_our_store() {
    start(c -> c.with(ConfigKeys.OPENAI_API_STYLE, "chat_completions"));
    Api.Session s = api.consentedSession("en");
    fake.enqueue(FakeReply.text("First answer."), FakeReply.text("Second answer."));
    assertThat(api.say(s, "first question").status()).isEqualTo(200);
    Api.Reply second = api.say(s, "second question");
    assertThat(second.json().getJsonObject("reply").getString("content"))
        .isEqualTo("Second answer.");
    assertThat(fake.requests("POST", "/v1/conversations")).isEmpty();
    JsonArray sent = fake.chatCompletionCalls().get(1).getJsonArray("messages");
    List<String> roles = new ArrayList<>();
    for (Object o : sent)
      roles.add(((JsonObject) o).getString("role") + ":" + ((JsonObject) o).getValue("content"));
    assertThat(roles.get(0)).startsWith("system:");
    assertThat(roles.subList(1, roles.size()))
        .containsExactly("user:first question", "assistant:First answer.", "user:second question");
  }

  @Test
  void azure_without_the_conversations_api_chats_statelessly_from_our_own_store() {
    String key = "azure-key-0000111122223333";
    fake.withoutConversations(404)
        .requireQueryParam("api-version", "preview")
        .requireHeader("api-key", key);
    start(
        c ->
            c.with(ConfigKeys.OPENAI_BASE_URL, fake.baseUrl() + "?api-version=preview")
                .with(ConfigKeys.OPENAI_EXTRA_HEADERS, "{\"api-key\":\"" + key + "\"}"));
    Api.Session s = api.consentedSession("es");
    fake.enqueue(
        FakeReply.text("Tenemos tres planes: Básico,", 3).incomplete("max_output_tokens"),
        FakeReply.text("El Pro cuesta 29 €.", 3));

    Api.Reply first = api.say(s, "¿Qué planes tenéis?");
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(first.json().getJsonObject("reply").getString("status")).isEqualTo("incomplete");
    Api.Reply second = api.say(s, "¿Y el Pro?");
    assertThat(second.status()).as(second.body()).isEqualTo(200);
    assertThat(second.json().getJsonObject("reply").getString("content"))
        .isEqualTo("El Pro cuesta 29 €.");

    assertThat(fake.requests("POST", "/v1/conversations")).hasSize(1);
    assertThat(await(new StoreClient(gateway.vertx()).findSession(s.id())).assistantThreadId())
        .isNull();
    List<JsonObject> calls = fake.responseCalls();
    assertThat(calls).allSatisfy(c -> assertThat(c.getBoolean("store")).isFalse());
    List<String> input = new ArrayList<>();
    for (Object o : calls.get(1).getJsonArray("input"))
      input.add(((JsonObject) o).getString("role") + ": " + ((JsonObject) o).getString("content"));
    assertThat(input)
        .containsExactly(
            "user: ¿Qué planes tenéis?",
            "assistant: Tenemos tres planes: Básico,",
            "user: ¿Y el Pro?");
    assertThat(api.get("/ready").json().getJsonObject("engine").getString("state"))
        .isEqualTo("stateless");
  }

  // --- cost control
  // ----------------------------------------------------------------------------------

  @Test
  void a_session_over_its_token_allowance_is_refused_with_its_own_code_and_counted() {
    start(c -> c.with(ConfigKeys.LIMITS_SESSION_MAX_TOKENS, 100));
    Api.Session s = api.consentedSession("es");
    fake.enqueue(FakeReply.text("Una respuesta larga.").usage(90, 20));
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
    int calls = fake.responseCalls().size();

    assertProblem(api.say(s, "¿Y ahora?"), 429, "token_limit_reached");
    assertThat(fake.responseCalls()).hasSize(calls);
    assertThat(messages(s)).hasSize(2);
    assertThat(api.get("/metrics").body())
        .contains("talia_messages_refused_total{code=\"token_limit_reached\"} 1.0");
    // Another session still chats.
    fake.enqueue(FakeReply.text("Hola."));
    assertThat(api.say(api.consentedSession("es"), "Hola").status()).isEqualTo(200);
  }

  @Test
  void tokens_a_failed_turn_already_cost_count_against_the_session_and_the_day() {
    start(
        c ->
            c.with(ConfigKeys.LIMITS_SESSION_MAX_TOKENS, 100)
                .with(ConfigKeys.OPENAI_MAX_RETRIES, 0));
    Api.Session s = api.consentedSession("es");
    // The model calls the tool (a billed round), then fails on the round that should answer.
    fake.enqueue(
        FakeReply.captureLead("Ana Pérez", null, null).usage(90, 20), FakeReply.serverError());
    Api.Reply failed = api.say(s, "Me llamo Ana Pérez");
    assertThat(failed.status()).as(failed.body()).isIn(502, 503);
    assertThat(failed.json().getString("code")).isEqualTo("assistant_unavailable");
    assertThat(api.get("/metrics").body()).contains("talia_daily_tokens_used 110.0");

    int calls = fake.responseCalls().size();
    assertProblem(api.say(s, "¿Sigues ahí?"), 429, "token_limit_reached");
    assertThat(fake.responseCalls()).hasSize(calls);
  }

  @Test
  void the_daily_budget_spent_refuses_every_session_until_midnight_utc() {
    start(c -> c.with(ConfigKeys.LIMITS_DAILY_TOKEN_BUDGET, 100));
    fake.enqueue(FakeReply.text("Respuesta.").usage(80, 30));
    assertThat(api.say(api.consentedSession("es"), "Hola").status()).isEqualTo(200);

    Api.Session other = api.consentedSession("es");
    Api.Reply refused = api.say(other, "Hola");
    assertProblem(refused, 503, "daily_budget_exhausted");
    long retryAfter = Long.parseLong(refused.header("Retry-After"));
    assertThat(retryAfter).isBetween(1L, 86_400L);
    assertThat(messages(other)).isEmpty();
    String metrics = api.get("/metrics").body();
    assertThat(metrics)
        .contains("talia_daily_tokens_used 110.0")
        .contains("talia_daily_token_budget 100.0")
        .contains("talia_messages_refused_total{code=\"daily_budget_exhausted\"} 1.0");
  }

  @Test
  void metrics_show_first_token_turn_latency_tokens_and_upstream_errors() {
    start(c -> c.with(ConfigKeys.OPENAI_MAX_RETRIES, 0));
    Api.Session s = api.consentedSession("es");
    fake.enqueue(FakeReply.text("Hola.").usage(10, 3), FakeReply.rateLimited());
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
    assertThat(api.say(s, "otra").status()).isEqualTo(503);
    String metrics = api.get("/metrics").body();
    assertThat(metrics)
        .contains("talia_openai_first_token_seconds_count{api_style=\"responses\"} 1")
        .contains("talia_openai_tokens_total{api_style=\"responses\",type=\"input\"} 10.0")
        .contains("talia_openai_tokens_total{api_style=\"responses\",type=\"output\"} 3.0")
        .containsPattern(
            "talia_openai_upstream_errors_total\\{api_style=\"responses\",kind=\"[a-z_]+\"} 1.0")
        .contains(
            "talia_openai_turn_duration_seconds_count{api_style=\"responses\",outcome=\"completed\"} 1");
    assertThat(metrics).doesNotContain(fake.apiKey());
  }
}
