package ai.talia.webchat.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.WebhookReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The webhook configuration: defaults, the env endpoint, conf endpoints, clear start-up errors. */
class WebhookSettingsTest {
  private static final TaliaConfig BASE = RunningGateway.baseConfig();
  private static final String SECRET = WebhookReceiver.newSecret();

  @Test
  void the_defaults_are_the_issues_and_no_endpoint_means_no_outbox_rows() {
    WebhookSettings s = WebhookSettings.fromConfig(BASE);
    assertThat(s.enabled()).isFalse();
    assertThat(s.endpointsFor("lead_captured")).isEmpty();
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.maxAttempts()).isEqualTo(12);
    assertThat(s.retryBaseDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.retryMaxDelay()).isEqualTo(Duration.ofHours(1));
    assertThat(s.deliveredRetention()).isEqualTo(Duration.ofDays(7));
    assertThat(s.claimLease()).isEqualTo(Duration.ofSeconds(40));
  }

  @Test
  void the_environment_gives_one_endpoint_named_default_with_its_event_filter() {
    WebhookSettings s =
        WebhookSettings.fromConfig(
            BASE.with(ConfigKeys.WEBHOOK_URL, "https://crm.example/hooks/talia")
                .with(ConfigKeys.WEBHOOK_SECRET, SECRET)
                .with(
                    ConfigKeys.WEBHOOK_EVENTS,
                    new JsonArray().add("lead_captured").add("consent_withdrawn")));
    assertThat(s.endpoints()).hasSize(1);
    WebhookEndpoint e = s.endpoints().get(0);
    assertThat(e.id()).isEqualTo("default");
    assertThat(e.events()).containsExactlyInAnyOrder("lead_captured", "consent_withdrawn");
    assertThat(s.endpointsFor("lead_captured")).containsExactly("default");
    assertThat(s.endpointsFor("webchat_message_sent")).isEmpty();
    // What a log may show of it: no path (a hook URL can be a credential), no secret.
    assertThat(e.toString())
        .contains("https://crm.example")
        .doesNotContain("/hooks")
        .doesNotContain(SECRET);
    assertThat(s.toString()).doesNotContain(SECRET.substring(6)).doesNotContain("/hooks/talia");
  }

  @Test
  void conf_endpoints_add_to_the_env_one_each_with_its_own_events() {
    String other = WebhookReceiver.newSecret();
    WebhookSettings s =
        WebhookSettings.fromConfig(
            BASE.with(ConfigKeys.WEBHOOK_URL, "https://crm.example/in")
                .with(ConfigKeys.WEBHOOK_SECRET, SECRET)
                .with(
                    ConfigKeys.WEBHOOK_ENDPOINTS,
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("id", "sales-team")
                                .put("url", "http://127.0.0.1:9000/leads")
                                .put("secret", other)
                                .put("events", new JsonArray().add("lead_captured")))
                        .add(
                            new JsonObject()
                                .put("id", "zapier")
                                .put("url", "https://hooks.zapier.example/catch/1/abc")
                                .put("secret", other))));
    assertThat(s.endpoints())
        .extracting(WebhookEndpoint::id)
        .containsExactly("default", "sales-team", "zapier");
    assertThat(s.endpointsFor("lead_captured")).containsExactly("default", "sales-team", "zapier");
    assertThat(s.endpointsFor("webchat_started")).containsExactly("default", "zapier");
  }

  @Test
  void a_malformed_secret_stops_the_start_with_a_message_that_never_shows_it() {
    String notBase64 = "whsec_not*base64*at*all*value";
    String tooShort = "whsec_" + Base64.getEncoder().encodeToString(new byte[8]);
    String noPrefix = Base64.getEncoder().encodeToString(new byte[32]);
    for (String bad : List.of(notBase64, tooShort, noPrefix)) {
      assertThatThrownBy(
              () ->
                  WebhookSettings.fromConfig(
                      BASE.with(ConfigKeys.WEBHOOK_URL, "https://crm.example/in")
                          .with(ConfigKeys.WEBHOOK_SECRET, bad)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("TALIA_WEBHOOK_SECRET must")
          .hasMessageContaining("openssl rand -base64 32")
          .hasMessageNotContaining(bad)
          .hasMessageNotContaining(bad.substring(6));
    }
    assertThatThrownBy(() -> WebhookSecret.parse(tooShort, "X"))
        .hasMessageContaining("24 to 64 bytes, it encodes 8");
  }

  @Test
  void other_mistakes_are_named_clearly() {
    assertThatThrownBy(
            () ->
                WebhookSettings.fromConfig(BASE.with(ConfigKeys.WEBHOOK_URL, "https://x.example/")))
        .hasMessage(
            "TALIA_WEBHOOK_SECRET is required with TALIA_WEBHOOK_URL: every webhook is signed");
    assertThatThrownBy(
            () -> WebhookSettings.fromConfig(BASE.with(ConfigKeys.WEBHOOK_SECRET, SECRET)))
        .hasMessageContaining("TALIA_WEBHOOK_URL is not");
    assertThatThrownBy(
            () ->
                WebhookSettings.fromConfig(
                    BASE.with(ConfigKeys.WEBHOOK_URL, "ftp://files.example/secret-token")
                        .with(ConfigKeys.WEBHOOK_SECRET, SECRET)))
        .hasMessageContaining("TALIA_WEBHOOK_URL must be an absolute http:// or https:// URL")
        .hasMessageNotContaining("secret-token");
    assertThatThrownBy(
            () ->
                WebhookSettings.fromConfig(
                    BASE.with(ConfigKeys.WEBHOOK_URL, "https://x.example/")
                        .with(ConfigKeys.WEBHOOK_SECRET, SECRET)
                        .with(ConfigKeys.WEBHOOK_EVENTS, new JsonArray().add("lead.captured"))))
        .hasMessageContaining("TALIA_WEBHOOK_EVENTS names an unknown event type \"lead.captured\"")
        .hasMessageContaining("lead_captured");
    assertThatThrownBy(
            () ->
                WebhookSettings.fromConfig(
                    BASE.with(
                        ConfigKeys.WEBHOOK_ENDPOINTS,
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("id", "Bad Id")
                                    .put("url", "https://x.example/")
                                    .put("secret", SECRET)))))
        .hasMessageStartingWith("webhooks.endpoints[0].id must be");
    JsonObject twice =
        new JsonObject().put("id", "crm").put("url", "https://x.example/").put("secret", SECRET);
    assertThatThrownBy(
            () ->
                WebhookSettings.fromConfig(
                    BASE.with(
                        ConfigKeys.WEBHOOK_ENDPOINTS,
                        new JsonArray().add(twice).add(twice.copy()))))
        .hasMessageStartingWith("Two webhook endpoints have the id crm");
    assertThatThrownBy(
            () ->
                WebhookSettings.fromConfig(
                    BASE.with(ConfigKeys.WEBHOOK_TIMEOUT_MS, 10_000)
                        .with(ConfigKeys.WEBHOOK_CLAIM_LEASE_MS, 5_000)))
        .hasMessageContaining("claimLeaseMs must exceed the attempt timeout");
    assertThatThrownBy(
            () -> WebhookSettings.fromConfig(BASE.with(ConfigKeys.WEBHOOK_MAX_ATTEMPTS, "0")))
        .hasMessageContaining("webhooks.maxAttempts must be between 1 and 100");
  }

  @Test
  void every_event_type_of_the_store_can_be_subscribed() {
    assertThat(WebhookSettings.EVENT_TYPES)
        .isEqualTo(
            Set.of(
                "webchat_started",
                "consent_granted",
                "consent_withdrawn",
                "webchat_message_sent",
                "webchat_message_received",
                "lead_captured",
                "session_erased"));
  }
}
