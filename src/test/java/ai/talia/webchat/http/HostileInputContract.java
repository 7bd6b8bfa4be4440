package ai.talia.webchat.http;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.store.FieldLimits;
import ai.talia.webchat.store.SessionRecord;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.store.StoredMessage;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.StreamClient;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Text a hostile visitor sends, on both stores: NUL characters and lone surrogates are refused with
 * 422 naming the field wherever input enters (Postgres cannot store them as sent), and every text
 * limit holds 4-byte characters at the limit and refuses one unit more, on H2 and Postgres alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HostileInputContract {
  /** U+1F600: two UTF-16 units, one code point, four bytes of UTF-8. */
  private static final String EMOJI = "😀";

  private RunningGateway gateway;
  private Api api;
  private StoreClient store;

  abstract TestDatabases.Kind kind();

  @BeforeAll
  void start() {
    gateway =
        RunningGateway.start(
            kind(),
            c ->
                c.with(ConfigKeys.LIMITS_IP_RATE_CAPACITY, 10_000)
                    .with(ConfigKeys.LIMITS_SESSION_RATE_CAPACITY, 1_000));
    api = new Api(gateway.baseUrl());
    store = new StoreClient(gateway.vertx());
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  private static void assertRefused(Api.Reply reply, String field, String reason) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(422);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    assertThat(reply.json().getString("code")).isEqualTo("validation_failed");
    assertThat(reply.json().getJsonArray("errors"))
        .as(reply.body())
        .contains(new JsonObject().put("field", field).put("reason", reason));
  }

  /** A JSON body written by hand, so that {@code \u0000} and lone surrogates reach the wire. */
  private Api.Reply postRaw(String path, String token, String json) {
    Api.Request request =
        api.request("POST", path).raw(json).header("Content-Type", "application/json");
    if (token != null) request.bearer(token);
    return request.send();
  }

  private static String message(Api.Session s, String contentJson, String cmidJson) {
    return "{\"session_id\":\""
        + s.id()
        + "\",\"author\":\"user\",\"content\":"
        + contentJson
        + ",\"client_message_id\":"
        + cmidJson
        + "}";
  }

  // --- NUL and lone surrogates -------------------------------------------------------------------

  @Test
  void nul_and_lone_surrogates_in_a_message_are_refused_naming_the_field_and_nothing_is_stored() {
    Api.Session s = api.consentedSession("es");
    String cmid = "\"" + UUID.randomUUID() + "\"";
    assertRefused(
        postRaw("/api/webchat/messages", s.token(), message(s, "\"hola\\u0000\"", cmid)),
        "content",
        "contains_nul");
    assertRefused(
        postRaw("/api/webchat/messages", s.token(), message(s, "\"\\ud83d hola\"", cmid)),
        "content",
        "lone_surrogate");
    assertRefused(
        postRaw("/api/webchat/messages", s.token(), message(s, "\"hola \\ude00\"", cmid)),
        "content",
        "lone_surrogate");
    assertRefused(
        postRaw("/api/webchat/messages", s.token(), message(s, "\"hola\"", "\"c-\\u0000\"")),
        "client_message_id",
        "contains_nul");
    assertRefused(
        postRaw("/api/webchat/messages", s.token(), message(s, "\"hola\"", "\"c-\\udbff\"")),
        "client_message_id",
        "lone_surrogate");
    assertThat(api.history(s).json().getJsonArray("messages")).isEmpty();
    // A well-formed pair is text like any other, and the same client_message_id still works.
    Api.Reply fine =
        postRaw("/api/webchat/messages", s.token(), message(s, "\"hola \\ud83d\\ude00\"", cmid));
    assertThat(fine.status()).as(fine.body()).isEqualTo(200);
    assertThat(fine.json().getJsonObject("message").getString("content")).isEqualTo("hola 😀");
  }

  @Test
  void nul_and_lone_surrogates_in_a_new_session_are_refused_naming_the_field() {
    assertRefused(
        postRaw("/api/webchat/sessions", null, "{\"page_url\":\"https://a.example/\\u0000\"}"),
        "page_url",
        "contains_nul");
    assertRefused(
        postRaw("/api/webchat/sessions", null, "{\"page_url\":\"https://a.example/\\ud800\"}"),
        "page_url",
        "lone_surrogate");
    assertRefused(
        postRaw("/api/webchat/sessions", null, "{\"utm\":{\"source\":\"ads\\u0000\"}}"),
        "utm.source",
        "contains_nul");
    assertRefused(
        postRaw("/api/webchat/sessions", null, "{\"utm\":{\"tags\":[\"a\",\"\\udfff\"]}}"),
        "utm.tags[1]",
        "lone_surrogate");
    assertRefused(
        postRaw("/api/webchat/sessions", null, "{\"utm\":{\"sour\\u0000ce\":\"ads\"}}"),
        "utm",
        "contains_nul");
    assertRefused(
        postRaw("/api/webchat/sessions", null, "{\"locale\":\"es\\u0000\"}"),
        "locale",
        "contains_nul");
    // The first message of an unknown session id starts it: checked before anything is stored.
    String id = "landing_" + UUID.randomUUID().toString().substring(0, 8);
    assertRefused(
        postRaw(
            "/api/webchat/messages",
            null,
            "{\"session_id\":\"" + id + "\",\"author\":\"user\",\"content\":\"\\u0000\"}"),
        "content",
        "contains_nul");
    assertThat(await(store.findSession(id))).isNull();
  }

  @Test
  void nul_and_lone_surrogates_in_consent_path_and_query_are_refused_naming_the_field() {
    Api.Session s = api.consentedSession("es");
    assertRefused(
        postRaw(
            "/api/webchat/consent",
            s.token(),
            "{\"session_id\":\""
                + s.id()
                + "\",\"policy_version\":\"v\\u0000\",\"granted\":false}"),
        "policy_version",
        "contains_nul");
    assertRefused(
        postRaw(
            "/api/webchat/consent",
            s.token(),
            "{\"session_id\":\"" + s.id() + "\",\"policy_version\":\"\\udc00\",\"granted\":false}"),
        "policy_version",
        "lone_surrogate");
    assertRefused(
        api.request("GET", "/api/webchat/history/" + s.id() + "%00").bearer(s.token()).send(),
        "session_id",
        "contains_nul");
    assertRefused(
        api.request("GET", "/api/webchat/history/" + s.id() + "?after_seq=%00")
            .bearer(s.token())
            .send(),
        "after_seq",
        "contains_nul");
    assertRefused(api.get("/api/webchat/config?locale=es%00"), "locale", "contains_nul");
    assertRefused(api.get("/api/webchat/config?ref%00=1"), "query", "contains_nul");
    // Consent is still granted: the refused withdrawals stored nothing.
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
  }

  @Test
  void nul_and_lone_surrogates_over_the_socket_are_refused_naming_the_field() {
    Api.Session s = api.consentedSession("es");
    try (StreamClient socket = StreamClient.connect(gateway.port(), null)) {
      socket.hello(s.id(), s.token(), 0);
      assertThat(socket.next().getString("type")).isEqualTo("ready");
      socket.sendText(
          "{\"type\":\"message\",\"content\":\"a\\u0000b\",\"client_message_id\":\"c1\"}");
      JsonObject nul = socket.next();
      assertThat(nul.getString("type")).isEqualTo("error");
      assertThat(nul.getString("code")).isEqualTo("validation_failed");
      assertThat(nul.getJsonArray("errors"))
          .contains(new JsonObject().put("field", "content").put("reason", "contains_nul"));
      socket.sendText(
          "{\"type\":\"message\",\"content\":\"hola\",\"client_message_id\":\"c\\ud800\"}");
      JsonObject surrogate = socket.next();
      assertThat(surrogate.getString("code")).isEqualTo("validation_failed");
      assertThat(surrogate.getJsonArray("errors"))
          .contains(
              new JsonObject().put("field", "client_message_id").put("reason", "lone_surrogate"));
      socket.sendText(
          "{\"type\":\"message\",\"content\":\"¿Qué precio tiene?\",\"client_message_id\":\"c2\"}");
      List<JsonObject> frames = socket.until(StreamClient.type("reply.completed"));
      assertThat(frames).noneMatch(StreamClient.type("error"));
    }
    try (StreamClient socket = StreamClient.connect(gateway.port(), null)) {
      socket.sendText(
          "{\"type\":\"hello\",\"session_id\":\"" + s.id() + "\",\"session_token\":\"x\\u0000\"}");
      JsonObject refused = socket.next();
      assertThat(refused.getString("code")).isEqualTo("validation_failed");
      assertThat(refused.getJsonArray("errors"))
          .contains(new JsonObject().put("field", "session_token").put("reason", "contains_nul"));
      assertThat(socket.awaitClose()).isEqualTo(StreamCloseCodes.PROTOCOL_ERROR);
    }
    List<StoredMessage> stored = await(store.history(s.id(), 0, 10));
    assertThat(stored).extracting(StoredMessage::content).contains("¿Qué precio tiene?");
    assertThat(stored).extracting(StoredMessage::content).doesNotContain("a\u0000b");
  }

  // --- length limits, in UTF-16 units, with 4-byte characters ----------------------------------

  private static String emoji(int units) {
    return EMOJI.repeat(units / 2) + (units % 2 == 1 ? "a" : "");
  }

  @Test
  void a_message_at_its_limits_in_four_byte_characters_is_stored_whole_and_one_unit_more_refused() {
    int contentMax = gateway.config().integer(ConfigKeys.LIMITS_CONTENT_MAX_CHARS);
    Api.Session s = api.consentedSession("es");
    String content = emoji(contentMax);
    String cmid = emoji(FieldLimits.CLIENT_MESSAGE_ID);
    Api.Reply atLimit = api.say(s, content, cmid);
    assertThat(atLimit.status()).as(atLimit.body()).isEqualTo(200);
    StoredMessage stored = await(store.history(s.id(), 0, 1)).get(0);
    assertThat(stored.content()).isEqualTo(content);
    assertThat(stored.clientMessageId()).isEqualTo(cmid);
    // Resending it finds it by that client_message_id: the same answer, no second row.
    Api.Reply resent = api.say(s, content, cmid);
    assertThat(resent.json().getJsonObject("message").getString("id"))
        .isEqualTo(atLimit.json().getJsonObject("message").getString("id"));

    assertRefused(api.say(s, content + "a"), "content", "too_long");
    // As many code points as the limit (twice the units) was accepted before, and broke H2.
    assertRefused(api.say(s, EMOJI.repeat(contentMax)), "content", "too_long");
    assertRefused(api.say(s, "hola", cmid + "a"), "client_message_id", "too_long");
    assertRefused(
        api.say(s, "hola", EMOJI.repeat(FieldLimits.CLIENT_MESSAGE_ID)),
        "client_message_id",
        "too_long");
    assertThat(await(store.history(s.id(), 0, 10))).hasSize(2);
  }

  @Test
  void a_session_at_its_limits_in_four_byte_characters_is_stored_whole_and_one_unit_more_refused() {
    String prefix = "https://landing.example/";
    String pageUrl = prefix + emoji(FieldLimits.PAGE_URL - prefix.length());
    // {"c":"…"} is 8 units around the value.
    JsonObject utm = new JsonObject().put("c", emoji(FieldLimits.UTM_JSON - 8));
    assertThat(utm.encode()).hasSize(FieldLimits.UTM_JSON);
    Api.Reply created =
        api.post(
            "/api/webchat/sessions", new JsonObject().put("page_url", pageUrl).put("utm", utm));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    SessionRecord session = await(store.findSession(created.json().getString("session_id")));
    assertThat(session.pageUrl()).isEqualTo(pageUrl);
    assertThat(session.utm()).isEqualTo(utm);

    assertRefused(
        api.post("/api/webchat/sessions", new JsonObject().put("page_url", pageUrl + "a")),
        "page_url",
        "too_long");
    assertRefused(
        api.post(
            "/api/webchat/sessions",
            new JsonObject().put("page_url", prefix + EMOJI.repeat(FieldLimits.PAGE_URL))),
        "page_url",
        "too_long");
    assertRefused(
        api.post(
            "/api/webchat/sessions",
            new JsonObject()
                .put("utm", new JsonObject().put("c", emoji(FieldLimits.UTM_JSON - 7)))),
        "utm",
        "too_long");
  }

  @Test
  void a_withdrawal_at_the_policy_version_limit_in_four_byte_characters_is_stored_whole() {
    Api.Session s = api.consentedSession("es");
    String version = emoji(FieldLimits.POLICY_VERSION);
    Api.Reply withdrawn = consent(s, version, false);
    assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(201);
    assertThat(await(store.latestConsent(s.id())).policyVersion()).isEqualTo(version);
    assertRefused(consent(s, version + "a", false), "policy_version", "too_long");
    assertRefused(
        consent(s, EMOJI.repeat(FieldLimits.POLICY_VERSION), false), "policy_version", "too_long");
  }

  @Test
  void a_name_at_its_limit_in_four_byte_letters_is_stored_whole() {
    // U+1D400 MATHEMATICAL BOLD CAPITAL A: a letter outside the BMP.
    String name = "𝐀".repeat(FieldLimits.LEAD_NAME / 2);
    Api.Session s = api.consentedSession("es");
    assertThat(api.say(s, "Hola").status()).isEqualTo(200);
    assertThat(api.say(s, name).status()).isEqualTo(200);
    assertThat(await(store.findLead(s.id())).name()).isEqualTo(name);
    Api.Session other = api.consentedSession("es");
    assertThat(api.say(other, "Hola").status()).isEqualTo(200);
    assertThat(api.say(other, name + "a").status()).isEqualTo(200);
    assertThat(await(store.findLead(other.id()))).isNull();
  }

  private Api.Reply consent(Api.Session s, String version, boolean granted) {
    return api.request("POST", "/api/webchat/consent")
        .bearer(s.token())
        .json(
            new JsonObject()
                .put("session_id", s.id())
                .put("policy_version", version)
                .put("granted", granted))
        .send();
  }

  @Test
  void a_content_limit_above_the_visitor_maximum_is_refused_at_start() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      var config =
          gateway
              .config()
              .with(ConfigKeys.HTTP_PORT, 0)
              .with(ConfigKeys.LIMITS_CONTENT_MAX_CHARS, FieldLimits.VISITOR_CONTENT + 1);
      var registry =
          new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
              io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
      assertThatThrownBy(() -> await(ai.talia.webchat.Gateway.start(vertx, config, registry)))
          .hasMessageContaining(ConfigKeys.LIMITS_CONTENT_MAX_CHARS.key())
          .hasMessageContaining(String.valueOf(FieldLimits.VISITOR_CONTENT));
    } finally {
      await(vertx.close());
    }
  }
}
