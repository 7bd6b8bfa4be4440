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
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Text a hostile visitor sends, on both stores: every text limit holds 4-byte characters at the
 * limit and refuses one unit more, on H2 and Postgres alike.
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

  // --- length limits, in UTF-16 units, with 4-byte characters ----------------------------------

  private static String emoji(int units) {
    return EMOJI.repeat(units / 2) + (units % 2 == 1 ? "a" : "");
  }

  @Test
  void a_message_at_its_limits_in_four_byte_characters_is_stored_whole_and_one_unit_more_refused() {
    int contentMax = gateway.config().integer(ConfigKeys.LIMITS_CONTENT_MAX_CHARS, 4000);
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
  void a_content_limit_the_store_cannot_hold_is_refused_at_start() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      var config =
          gateway
              .config()
              .with(ConfigKeys.HTTP_PORT, 0)
              .with(ConfigKeys.LIMITS_CONTENT_MAX_CHARS, FieldLimits.MESSAGE_CONTENT + 1);
      var registry =
          new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
              io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
      assertThatThrownBy(() -> await(ai.talia.webchat.Gateway.start(vertx, config, registry)))
          .hasMessageContaining(ConfigKeys.LIMITS_CONTENT_MAX_CHARS)
          .hasMessageContaining(String.valueOf(FieldLimits.MESSAGE_CONTENT));
    } finally {
      await(vertx.close());
    }
  }
}
