package ai.talia.webchat.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

/**
 * The admin gate over real HTTP: off without a token, 401 without the right one, rate limited per
 * IP, outside the widget's CORS and widget-token chain.
 */
class AdminAccessTest {
  private static final String TOKEN = "the-admin-token-4f1c9a";
  private static final String ORIGIN = "https://landing.example";
  private static final String ADMIN_PATH = "/api/admin/no-such-thing";

  private static RunningGateway gateway(String adminToken) {
    return RunningGateway.start(
        TestDatabases.Kind.EMBEDDED,
        c -> {
          c =
              c.with(ConfigKeys.WEBCHAT_ALLOWED_ORIGINS, new JsonArray().add(ORIGIN))
                  .with(ConfigKeys.WEBCHAT_PUBLIC_TOKEN, "widget-token");
          return adminToken == null ? c : c.with(ConfigKeys.ADMIN_TOKEN, adminToken);
        });
  }

  @Test
  void without_an_admin_token_every_admin_path_is_not_found() {
    try (RunningGateway g = gateway(null)) {
      Api api = new Api(g.baseUrl());
      for (String path :
          new String[] {
            "/api/admin", "/api/admin/", ADMIN_PATH, "/api/admin/webhooks/deliveries"
          }) {
        Api.Reply r = api.request("GET", path).bearer(TOKEN).send();
        assertThat(r.status()).as(path).isEqualTo(404);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().getString("code")).isEqualTo("not_found");
      }
      assertThat(api.request("POST", ADMIN_PATH).send().status()).isEqualTo(404);
    }
  }

  @Test
  void with_a_token_only_its_bearer_gets_through() {
    try (RunningGateway g = gateway(TOKEN)) {
      Api api = new Api(g.baseUrl());
      Api.Reply none = api.get(ADMIN_PATH);
      assertThat(none.status()).isEqualTo(401);
      assertThat(api.get("/api/admin").status()).isEqualTo(401);
      assertThat(none.json().getString("code")).isEqualTo("unauthorized");
      Api.Reply wrong = api.request("GET", ADMIN_PATH).bearer(TOKEN + "x").send();
      assertThat(wrong.status()).isEqualTo(401);
      assertThat(api.request("GET", ADMIN_PATH).header("Authorization", TOKEN).send().status())
          .isEqualTo(401);
      // Past the gate: the path itself does not exist. No widget token was needed.
      Api.Reply right = api.request("GET", ADMIN_PATH).bearer(TOKEN).send();
      assertThat(right.status()).isEqualTo(404);
      assertThat(right.json().getString("code")).isEqualTo("not_found");
      assertThat(
              api.request("GET", ADMIN_PATH)
                  .header("Authorization", "bearer " + TOKEN)
                  .send()
                  .status())
          .isEqualTo(404);
    }
  }

  @Test
  void the_admin_api_never_answers_cors_for_the_widgets_origins() {
    try (RunningGateway g = gateway(TOKEN)) {
      Api api = new Api(g.baseUrl());
      // The widget's API does answer this origin's preflight: the test would see CORS if it were
      // there.
      Api.Reply widget = preflight(api, "/api/webchat/config");
      assertThat(widget.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);

      Api.Reply admin = preflight(api, ADMIN_PATH);
      assertThat(admin.status()).isEqualTo(401);
      assertThat(admin.header("Access-Control-Allow-Origin")).isNull();
      Api.Reply get = api.request("GET", ADMIN_PATH).header("Origin", ORIGIN).bearer(TOKEN).send();
      assertThat(get.header("Access-Control-Allow-Origin")).isNull();
      assertThat(get.status()).isEqualTo(404);
      // Another origin is not refused as the widget's API would (403 origin_not_allowed): the
      // admin API does not look at origins, only at its token.
      Api.Reply foreign =
          api.request("GET", ADMIN_PATH)
              .header("Origin", "https://evil.example")
              .bearer(TOKEN)
              .send();
      assertThat(foreign.status()).isEqualTo(404);
    }
  }

  private static Api.Reply preflight(Api api, String path) {
    return api.request("OPTIONS", path)
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send();
  }

  @Test
  void refused_attempts_are_rate_limited_per_ip_and_then_even_the_right_token_waits() {
    try (RunningGateway g = gateway(TOKEN)) {
      Api api = new Api(g.baseUrl());
      for (int i = 0; i < AdminAccess.FAILURES_CAPACITY; i++)
        assertThat(api.request("GET", ADMIN_PATH).bearer("guess-" + i).send().status())
            .isEqualTo(401);
      Api.Reply limited = api.request("GET", ADMIN_PATH).bearer("guess-x").send();
      assertThat(limited.status()).isEqualTo(429);
      assertThat(limited.json().getString("code")).isEqualTo("rate_limited");
      assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 60L);
      // No oracle: while limited, the right token gets no other answer.
      assertThat(api.request("GET", ADMIN_PATH).bearer(TOKEN).send().status()).isEqualTo(429);
      // The widget's API is not affected.
      assertThat(
              api.request("GET", "/api/webchat/config")
                  .header("X-Talia-Widget-Token", "widget-token")
                  .send()
                  .status())
          .isEqualTo(200);
    }
  }
}
