package ai.talia.webchat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.http.HttpSettings;
import ai.talia.webchat.http.StreamSettings;
import ai.talia.webchat.http.WebchatSettings;
import ai.talia.webchat.lead.LeadSettings;
import ai.talia.webchat.session.ConsentSettings;
import ai.talia.webchat.session.LimitsSettings;
import ai.talia.webchat.session.SessionSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings records: built from the packaged defaults alone, and each bad value named. */
class SettingsTest {
  private static final TaliaConfig DEFAULTS = new TaliaConfig(new JsonObject());

  @Test
  void every_key_has_its_default_in_the_packaged_conf() {
    JsonObject packaged = TaliaConfig.packagedDefaults();
    for (ConfigKeys key : ConfigKeys.values()) {
      String path = key.key();
      int dot = path.lastIndexOf('.');
      Object parent = new TaliaConfig(packaged).value(path.substring(0, dot));
      assertThat(parent)
          .as("conf/talia.json has a block for " + key)
          .isInstanceOf(JsonObject.class);
      assertThat(((JsonObject) parent).containsKey(path.substring(dot + 1)))
          .as("conf/talia.json has a default for " + key)
          .isTrue();
    }
  }

  @Test
  void the_packaged_defaults_alone_make_every_settings_record() {
    assertThat(HttpSettings.fromConfig(DEFAULTS).port()).isEqualTo(8080);
    assertThat(StreamSettings.fromConfig(DEFAULTS).helloTimeoutMillis()).isEqualTo(10_000);
    assertThat(WebchatSettings.fromConfig(DEFAULTS).locales()).containsExactly("es", "en");
    assertThat(ConsentSettings.fromConfig(DEFAULTS).required()).isTrue();
    assertThat(SessionSettings.fromConfig(DEFAULTS).historyWindow()).isEqualTo(40);
    assertThat(LeadSettings.fromConfig(DEFAULTS).defaultRegion()).isEqualTo("ES");
    // One home of defaults: the session token cap is conf/talia.json's, not a call site's 0.
    assertThat(LimitsSettings.fromConfig(DEFAULTS).sessionMaxTokens()).isEqualTo(200_000);
  }

  @Test
  void a_blank_value_takes_the_default_and_a_bad_one_is_named() {
    assertThat(HttpSettings.fromConfig(DEFAULTS.with(ConfigKeys.HTTP_HOST, " ")).host())
        .isEqualTo("0.0.0.0");
    assertThatThrownBy(() -> HttpSettings.fromConfig(DEFAULTS.with(ConfigKeys.HTTP_PORT, 70_000)))
        .hasMessage("http.port must be from 0 to 65535, got 70000");
    assertThatThrownBy(() -> HttpSettings.fromConfig(DEFAULTS.with(ConfigKeys.HTTP_PORT, "web")))
        .hasMessageContaining("http.port")
        .hasMessageContaining("web");
    assertThatThrownBy(
            () ->
                StreamSettings.fromConfig(
                    DEFAULTS.with(ConfigKeys.STREAM_HELLO_TIMEOUT_SECONDS, 0)))
        .hasMessage("stream.helloTimeoutSeconds must be 1 or more, got 0");
    assertThatThrownBy(
            () -> LimitsSettings.fromConfig(DEFAULTS.with(ConfigKeys.LIMITS_SESSION_QUEUE_MAX, -1)))
        .hasMessage("limits.sessionQueueMax must be 0 or more, got -1");
    assertThatThrownBy(
            () -> LimitsSettings.fromConfig(DEFAULTS.with(ConfigKeys.LIMITS_CONTENT_MAX_CHARS, 0)))
        .hasMessageContaining("limits.contentMaxChars must be from 1 to");
    assertThatThrownBy(
            () ->
                LimitsSettings.fromConfig(DEFAULTS.with(ConfigKeys.LIMITS_DAILY_TOKEN_BUDGET, -5)))
        .hasMessageContaining("limits.dailyTokenBudget");
    assertThatThrownBy(
            () -> SessionSettings.fromConfig(DEFAULTS.with(ConfigKeys.SESSION_IDLE_SECONDS, 0)))
        .hasMessage("session.idleSeconds must be 1 or more, got 0");
    assertThatThrownBy(
            () -> LeadSettings.fromConfig(DEFAULTS.with(ConfigKeys.LEAD_DEFAULT_REGION, "Spain")))
        .hasMessage("lead.defaultRegion must be a two-letter region code, got: Spain");
    assertThatThrownBy(
            () ->
                ConsentSettings.fromConfig(
                    DEFAULTS.with(ConfigKeys.CONSENT_TEXT, new JsonObject().put("es", 3))))
        .hasMessage("consent.text.es must be a text, got: 3");
  }

  @Test
  void list_keys_split_an_environment_value_and_others_keep_it_whole() {
    JsonObject out =
        ConfigLoader.applyEnvironment(
            new JsonObject(),
            Map.of(
                "TALIA_WEBCHAT_ALLOWED_ORIGINS", "https://a.example, ,https://b.example",
                "TALIA_WEBCHAT_PUBLIC_TOKEN", "a,b"));
    TaliaConfig config = new TaliaConfig(out);
    assertThat(config.value(ConfigKeys.WEBCHAT_ALLOWED_ORIGINS))
        .isEqualTo(new JsonArray().add("https://a.example").add("https://b.example"));
    assertThat(config.string(ConfigKeys.WEBCHAT_PUBLIC_TOKEN)).isEqualTo("a,b");
  }

  @Test
  void redaction_hides_every_secret_and_only_secrets() {
    TaliaConfig config =
        DEFAULTS
            .with(ConfigKeys.OPENAI_API_KEY, "sk-secret")
            .with(ConfigKeys.DB_URL, "postgresql://u:pw@h/db")
            .with(ConfigKeys.WEBCHAT_TITLE, "Shop");
    JsonObject redacted = config.redacted();
    assertThat(redacted.encode()).doesNotContain("sk-secret").doesNotContain("pw@h");
    assertThat(new TaliaConfig(redacted).string(ConfigKeys.OPENAI_API_KEY)).isEqualTo("***");
    assertThat(new TaliaConfig(redacted).string(ConfigKeys.WEBCHAT_TITLE)).isEqualTo("Shop");
    // A secret that is not set stays unset rather than looking configured.
    assertThat(new TaliaConfig(redacted).string(ConfigKeys.WEBHOOK_SECRET)).isNull();
  }
}
