package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The webchat API over real HTTP against the real verticles and a real store, including one test
 * per problem code. Runs once on the embedded store and once on Postgres.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WebchatApiContract {
  private RunningGateway gateway;
  private Api api;

  abstract TestDatabases.Kind kind();

  @BeforeAll
  void start() {
    gateway = RunningGateway.start(kind());
    api = new Api(gateway.baseUrl());
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  private static void assertProblem(Api.Reply reply, int status, String code) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    JsonObject problem = reply.json();
    assertThat(problem.getString("code")).isEqualTo(code);
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("type")).isEqualTo("urn:talia:problem:" + code);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
    assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  // --- the happy path
  // ------------------------------------------------------------------------------

  @Test
  void config_gives_the_widget_its_public_settings_and_no_secret() {
    Api.Reply reply = api.get("/api/webchat/config?locale=en");
    assertThat(reply.status()).isEqualTo(200);
    JsonObject body = reply.json();
    assertThat(body.getJsonObject("consent").getBoolean("required")).isTrue();
    assertThat(body.getJsonObject("consent").getString("policy_version")).isEqualTo("2026-11");
    assertThat(body.getJsonObject("consent").getString("text")).startsWith("To chat with TalIA");
    assertThat(body.getJsonObject("consent").getString("policy_url")).isEqualTo("/privacidad.html");
    assertThat(body.getString("welcome")).startsWith("Hi!");
    assertThat(body.getJsonArray("locales")).containsExactly("es", "en");
    assertThat(body.getString("default_locale")).isEqualTo("es");
    assertThat(body.getString("title")).isEqualTo("TalIA");
    assertThat(body.getString("theme")).isEqualTo("auto");
    assertThat(reply.body())
        .doesNotContainIgnoringCase("apikey")
        .doesNotContainIgnoringCase("token");
  }

  @Test
  void a_session_is_created_with_a_token_shown_once() {
    Api.Reply reply =
        api.post(
            "/api/webchat/sessions",
            new JsonObject()
                .put("locale", "en")
                .put("page_url", "https://landing.example/")
                .put("utm", new JsonObject().put("source", "ads")));
    assertThat(reply.status()).isEqualTo(201);
    JsonObject body = reply.json();
    assertThat(UUID.fromString(body.getString("session_id"))).isNotNull();
    assertThat(body.getString("session_token")).hasSizeGreaterThanOrEqualTo(40);
    assertThat(body.getString("created_at")).isNotBlank();
  }

  @Test
  void a_consented_visitor_gets_the_assistants_reply_and_both_messages_are_in_history() {
    Api.Session s = api.consentedSession("es");
    Api.Reply reply = api.say(s, "Hola");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonObject body = reply.json();
    assertThat(body.getString("status")).isEqualTo("completed");
    assertThat(body.getString("session_id")).isEqualTo(s.id());
    assertThat(body.getJsonObject("message").getLong("seq")).isEqualTo(1);
    assertThat(body.getJsonObject("message").getString("role")).isEqualTo("user");
    assertThat(body.getJsonObject("reply").getLong("seq")).isEqualTo(2);
    assertThat(body.getJsonObject("reply").getString("role")).isEqualTo("assistant");
    assertThat(body.getJsonObject("reply").getString("content")).isNotBlank();

    JsonObject history = api.history(s).json();
    JsonArray messages = history.getJsonArray("messages");
    assertThat(messages).hasSize(2);
    assertThat(messages.getJsonObject(0).getString("content")).isEqualTo("Hola");
    assertThat(messages.getJsonObject(1).getString("content"))
        .isEqualTo(body.getJsonObject("reply").getString("content"));
    assertThat(history.getBoolean("has_more")).isFalse();
    for (Object m : messages) {
      assertThat(((JsonObject) m).fieldNames())
          .contains("id", "seq", "role", "content", "created_at");
    }
  }

  @Test
  void history_pages_with_after_seq_and_limit() {
    Api.Session s = api.consentedSession("es");
    api.say(s, "Hola");
    api.say(s, "¿Qué precio tiene?");
    JsonObject page =
        api.request("GET", "/api/webchat/history/" + s.id() + "?after_seq=1&limit=2")
            .bearer(s.token())
            .send()
            .json();
    assertThat(
            page.getJsonArray("messages").stream()
                .map(m -> ((JsonObject) m).getLong("seq"))
                .toList())
        .containsExactly(2L, 3L);
    assertThat(page.getBoolean("has_more")).isTrue();
  }

  @Test
  void the_same_client_message_id_twice_gives_the_first_answer_without_a_second_row_or_turn() {
    Api.Session s = api.consentedSession("es");
    String cmid = UUID.randomUUID().toString();
    JsonObject first = api.say(s, "Hola", cmid).json();
    JsonObject second = api.say(s, "Hola", cmid).json();
    assertThat(second.getJsonObject("reply").getString("id"))
        .isEqualTo(first.getJsonObject("reply").getString("id"));
    assertThat(second.getJsonObject("message").getString("id"))
        .isEqualTo(first.getJsonObject("message").getString("id"));
    assertThat(api.history(s).json().getJsonArray("messages")).hasSize(2);
  }

  @Test
  void prefer_respond_async_answers_202_and_the_reply_lands_in_history() throws Exception {
    Api.Session s = api.consentedSession("es");
    Api.Reply reply =
        api.request("POST", "/api/webchat/messages")
            .bearer(s.token())
            .header("Prefer", "respond-async")
            .json(
                new JsonObject()
                    .put("session_id", s.id())
                    .put("author", "user")
                    .put("content", "Hola"))
            .send();
    assertThat(reply.status()).isEqualTo(202);
    assertThat(reply.json().getString("status")).isEqualTo("queued");
    assertThat(reply.json().getString("message_id")).isNotBlank();
    JsonArray messages = new JsonArray();
    for (int i = 0; i < 100 && messages.size() < 2; i++) {
      Thread.sleep(50);
      messages = api.history(s).json().getJsonArray("messages");
    }
    assertThat(messages).hasSize(2);
    assertThat(messages.getJsonObject(0).getString("id"))
        .isEqualTo(reply.json().getString("message_id"));
  }

  @Test
  void an_unknown_session_id_without_a_token_starts_that_session_and_returns_its_token() {
    String id = "landing_" + UUID.randomUUID().toString().substring(0, 8);
    Api.Reply reply =
        api.post(
            "/api/webchat/messages",
            new JsonObject().put("session_id", id).put("author", "user").put("content", "Hola"));
    // Consent is required by default, so the first message is refused, but the session exists now.
    assertProblem(reply, 403, "consent_required");
    String token = reply.json().getString("session_token");
    assertThat(token).isNotBlank();
    Api.Session s = new Api.Session(id, token);
    Api.Reply consent =
        api.request("POST", "/api/webchat/consent")
            .bearer(token)
            .json(
                new JsonObject()
                    .put("session_id", id)
                    .put("policy_version", "2026-11")
                    .put("granted", true))
            .send();
    assertThat(consent.status()).isEqualTo(201);
    assertThat(consent.json().getString("consent_id")).isNotBlank();
    assertThat(consent.json().getString("granted_at")).isNotBlank();
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
  }

  @Test
  void withdrawn_consent_stops_the_chat() {
    Api.Session s = api.consentedSession("es");
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
    Api.Reply withdrawn = api.consent(s, false);
    assertThat(withdrawn.status()).isEqualTo(201);
    assertProblem(api.say(s, "¿Sigues ahí?"), 403, "consent_required");
  }

  @Test
  void operational_endpoints_answer() {
    assertThat(api.get("/health").json().getString("status")).isEqualTo("up");
    Api.Reply ready = api.get("/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("store")).isEqualTo("up");
    assertThat(ready.json().getJsonObject("engine").getString("name")).isEqualTo("scripted");
    api.consentedSession("es");
    Api.Reply metrics = api.get("/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("vertx_http_server_requests_total")
        .contains("talia_session_actors_live");
    Api.Reply openapi = api.get("/openapi.yaml");
    assertThat(openapi.status()).isEqualTo(200);
    assertThat(openapi.body()).startsWith("openapi: 3.");
  }

  // --- one test per problem code
  // -------------------------------------------------------------------

  @Test
  void invalid_json() {
    Api.Reply reply = api.request("POST", "/api/webchat/messages").raw("{\"session_id\": ").send();
    assertProblem(reply, 400, "invalid_json");
    assertProblem(
        api.request("POST", "/api/webchat/messages").raw("[1,2]").send(), 400, "invalid_json");
  }

  @Test
  void validation_failed_lists_each_field() {
    Api.Reply reply =
        api.post(
            "/api/webchat/messages",
            new JsonObject().put("session_id", "bad id!").put("author", "bot").put("content", ""));
    assertProblem(reply, 422, "validation_failed");
    List<String> fields =
        reply.json().getJsonArray("errors").stream()
            .map(e -> ((JsonObject) e).getString("field"))
            .toList();
    assertThat(fields).contains("session_id", "author", "content");

    Api.Session s = api.consentedSession("es");
    Api.Reply tooLong = api.say(s, "x".repeat(4001));
    assertProblem(tooLong, 422, "validation_failed");
    assertThat(tooLong.body()).contains("too_long");
    assertProblem(
        api.post("/api/webchat/sessions", new JsonObject().put("locale", "fr")),
        422,
        "validation_failed");
    assertProblem(
        api.request("GET", "/api/webchat/history/" + s.id() + "?limit=0").bearer(s.token()).send(),
        422,
        "validation_failed");
    assertProblem(
        api.request("POST", "/api/webchat/consent")
            .bearer(s.token())
            .json(
                new JsonObject()
                    .put("session_id", s.id())
                    .put("policy_version", "1999-01")
                    .put("granted", true))
            .send(),
        422,
        "validation_failed");
  }

  @Test
  void unauthorized_without_the_right_session_token_and_nothing_leaks() {
    Api.Session s = api.consentedSession("es");
    api.say(s, "Mi secreto");
    Api.Reply noToken = api.get("/api/webchat/history/" + s.id());
    assertProblem(noToken, 401, "unauthorized");
    Api.Reply wrong =
        api.request("GET", "/api/webchat/history/" + s.id()).bearer("not-the-token").send();
    assertProblem(wrong, 401, "unauthorized");
    assertThat(wrong.body()).doesNotContain("Mi secreto");
    Api.Reply post = api.say(new Api.Session(s.id(), "not-the-token"), "hola");
    assertProblem(post, 401, "unauthorized");
    Api.Reply anonymous =
        api.post(
            "/api/webchat/messages",
            new JsonObject()
                .put("session_id", s.id())
                .put("author", "user")
                .put("content", "hola"));
    assertProblem(anonymous, 401, "unauthorized");
    assertThat(api.history(s).json().getJsonArray("messages")).hasSize(2);
  }

  @Test
  void session_not_found() {
    String unknown = UUID.randomUUID().toString();
    assertProblem(
        api.request("GET", "/api/webchat/history/" + unknown).bearer("some-token").send(),
        404,
        "session_not_found");
    assertProblem(
        api.say(new Api.Session(unknown, "some-token"), "hola"), 404, "session_not_found");
  }

  @Test
  void consent_required() {
    Api.Session s = api.newSession("es");
    assertProblem(api.say(s, "Hola"), 403, "consent_required");
    assertThat(api.history(s).json().getJsonArray("messages")).isEmpty();
  }

  @Test
  void not_found_and_method_not_allowed() {
    assertProblem(api.get("/api/webchat/nothing-here"), 404, "not_found");
    assertProblem(
        api.request("PUT", "/api/webchat/messages").json(new JsonObject()).send(),
        405,
        "method_not_allowed");
  }

  @Test
  void payload_too_large() {
    Api.Reply reply =
        api.request("POST", "/api/webchat/messages")
            .raw("{\"content\":\"" + "x".repeat(17 * 1024) + "\"}")
            .header("Content-Type", "application/json")
            .send();
    assertProblem(reply, 413, "payload_too_large");
  }

  @Test
  void rate_limited_per_session_with_retry_after() {
    try (RunningGateway strict =
        RunningGateway.start(
            kind(),
            c ->
                c.with(ConfigKeys.LIMITS_SESSION_RATE_CAPACITY, 2)
                    .with(ConfigKeys.LIMITS_SESSION_RATE_PER_MINUTE, 1))) {
      Api strictApi = new Api(strict.baseUrl());
      Api.Session s = strictApi.consentedSession("es");
      assertThat(strictApi.say(s, "uno").status()).isEqualTo(200);
      assertThat(strictApi.say(s, "dos").status()).isEqualTo(200);
      Api.Reply third = strictApi.say(s, "tres");
      assertProblem(third, 429, "rate_limited");
      assertThat(Long.parseLong(third.header("Retry-After"))).isBetween(1L, 60L);
      // Another session is not affected.
      assertThat(strictApi.say(strictApi.consentedSession("es"), "hola").status()).isEqualTo(200);
    }
  }

  @Test
  void rate_limited_per_client_ip() {
    try (RunningGateway strict =
        RunningGateway.start(
            kind(),
            c ->
                c.with(ConfigKeys.LIMITS_IP_RATE_CAPACITY, 3)
                    .with(ConfigKeys.LIMITS_IP_RATE_PER_MINUTE, 1))) {
      Api strictApi = new Api(strict.baseUrl());
      for (int i = 0; i < 3; i++)
        assertThat(strictApi.get("/api/webchat/config").status()).isEqualTo(200);
      Api.Reply refused = strictApi.get("/api/webchat/config");
      assertProblem(refused, 429, "rate_limited");
      assertThat(refused.header("Retry-After")).isNotNull();
    }
  }

  @Test
  void session_busy_when_the_turn_queue_is_full() throws Exception {
    try (RunningGateway slow =
        RunningGateway.start(
            kind(),
            c ->
                c.with(ConfigKeys.LIMITS_SESSION_QUEUE_MAX, 1)
                    .with(ConfigKeys.SCRIPTED_CHUNK_DELAY_MS, 100))) {
      Api slowApi = new Api(slow.baseUrl());
      Api.Session s = slowApi.consentedSession("es");
      var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
      List<java.util.concurrent.Future<Api.Reply>> sent =
          IntStream.range(0, 6)
              .mapToObj(
                  i ->
                      pool.submit(
                          () ->
                              slowApi
                                  .request("POST", "/api/webchat/messages")
                                  .bearer(s.token())
                                  .header("Prefer", "respond-async")
                                  .json(
                                      new JsonObject()
                                          .put("session_id", s.id())
                                          .put("author", "user")
                                          .put("content", "mensaje " + i))
                                  .send()))
              .toList();
      List<Api.Reply> replies = new java.util.ArrayList<>();
      for (var f : sent) replies.add(f.get());
      pool.shutdown();
      List<Api.Reply> busy = replies.stream().filter(r -> r.status() == 429).toList();
      assertThat(busy).isNotEmpty();
      busy.forEach(r -> assertProblem(r, 429, "session_busy"));
      assertThat(replies.stream().filter(r -> r.status() == 202).count()).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void turn_limit_reached() {
    try (RunningGateway capped =
        RunningGateway.start(kind(), c -> c.with(ConfigKeys.LIMITS_SESSION_MAX_TURNS, 2))) {
      Api cappedApi = new Api(capped.baseUrl());
      Api.Session s = cappedApi.consentedSession("es");
      assertThat(cappedApi.say(s, "uno").status()).isEqualTo(200);
      String cmid = UUID.randomUUID().toString();
      Api.Reply second = cappedApi.say(s, "dos", cmid);
      assertThat(second.status()).isEqualTo(200);
      assertProblem(cappedApi.say(s, "tres"), 429, "turn_limit_reached");
      // A resend of a message already answered is no new turn: it gets its answer, limit or not.
      Api.Reply resent = cappedApi.say(s, "dos", cmid);
      assertThat(resent.status()).isEqualTo(200);
      assertThat(resent.json().getJsonObject("reply").getString("id"))
          .isEqualTo(second.json().getJsonObject("reply").getString("id"));
    }
  }

  @Test
  void widget_token_and_allowed_origins_when_configured() {
    try (RunningGateway locked =
        RunningGateway.start(
            kind(),
            c ->
                c.with(ConfigKeys.WEBCHAT_PUBLIC_TOKEN, "widget-secret")
                    .with(
                        ConfigKeys.WEBCHAT_ALLOWED_ORIGINS,
                        new JsonArray().add("https://landing.example")))) {
      Api lockedApi = new Api(locked.baseUrl());
      assertProblem(lockedApi.get("/api/webchat/config"), 401, "unauthorized");
      assertProblem(
          lockedApi
              .request("GET", "/api/webchat/config")
              .header("X-Talia-Widget-Token", "nope")
              .send(),
          401,
          "unauthorized");
      Api.Reply allowed =
          lockedApi
              .request("GET", "/api/webchat/config")
              .header("X-Talia-Widget-Token", "widget-secret")
              .header("Origin", "https://landing.example")
              .send();
      assertThat(allowed.status()).isEqualTo(200);
      assertThat(allowed.header("Access-Control-Allow-Origin"))
          .isEqualTo("https://landing.example");
      Api.Reply other =
          lockedApi
              .request("GET", "/api/webchat/config")
              .header("X-Talia-Widget-Token", "widget-secret")
              .header("Origin", "https://evil.example")
              .send();
      assertProblem(other, 403, "origin_not_allowed");
      assertThat(other.header("Access-Control-Allow-Origin")).isNull();
      Api.Reply preflight =
          lockedApi
              .request("OPTIONS", "/api/webchat/messages")
              .header("Origin", "https://landing.example")
              .header("Access-Control-Request-Method", "POST")
              .header(
                  "Access-Control-Request-Headers",
                  "content-type,authorization,x-talia-widget-token")
              .send();
      assertThat(preflight.status()).isBetween(200, 204);
      assertThat(preflight.header("Access-Control-Allow-Origin"))
          .isEqualTo("https://landing.example");
    }
  }
}
