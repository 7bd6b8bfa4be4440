package ai.talia.webchat.config;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private Vertx vertx;
  @TempDir Path workDir;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  @Test
  void the_packaged_conf_gives_every_default() {
    TaliaConfig config = await(ConfigLoader.load(vertx, workDir, Map.of()));
    assertThat(config.integer(ConfigKeys.HTTP_PORT)).isEqualTo(8080);
    assertThat(config.string(ConfigKeys.DB_URL)).isNull();
    assertThat(config.string(ConfigKeys.DB_DATA_DIR)).isEqualTo("./data");
    assertThat(config.bool(ConfigKeys.CONSENT_REQUIRED)).isTrue();
    assertThat(config.list(ConfigKeys.WEBCHAT_LOCALES)).containsExactly("es", "en");
    assertThat(config.integer(ConfigKeys.LIMITS_CONTENT_MAX_CHARS)).isEqualTo(4000);
    assertThat(config.integer(ConfigKeys.HTTP_BODY_LIMIT_BYTES)).isEqualTo(16384);
    // Every key of ConfigKeys.ENV points at a key that conf/talia.json defines (one home, no
    // orphans).
    for (String key : ConfigKeys.ENV.values()) {
      String parent = key.substring(0, key.lastIndexOf('.'));
      assertThat(config.value(parent)).as("conf/talia.json has a block for " + key).isNotNull();
      assertThat(config.json().getJsonObject(key.split("\\.", -1)[0]).fieldNames().isEmpty())
          .isFalse();
    }
  }

  @Test
  void dot_env_overrides_the_conf_files_and_the_environment_overrides_dot_env() throws Exception {
    Files.createDirectories(workDir.resolve("conf"));
    Files.writeString(
        workDir.resolve("conf/talia.json"),
        "{\"http\":{\"port\":9000},\"webchat\":{\"title\":\"Local\"}}");
    Files.writeString(
        workDir.resolve(".env"),
        """
        # local settings
        TALIA_HTTP_PORT=9100
        TALIA_ENGINE="scripted"
        TALIA_WEBCHAT_ALLOWED_ORIGINS=https://a.example, https://b.example
        TALIA_DB_URL=postgresql://from-dotenv/db
        """);
    TaliaConfig config =
        await(
            ConfigLoader.load(
                vertx,
                workDir,
                Map.of("TALIA_DB_URL", "postgresql://from-env/db", "UNRELATED", "x")));
    assertThat(config.integer(ConfigKeys.HTTP_PORT)).isEqualTo(9100);
    assertThat(config.string(ConfigKeys.WEBCHAT_TITLE)).isEqualTo("Local");
    // A local conf file changes only the keys it names.
    assertThat(config.string(ConfigKeys.HTTP_HOST)).isEqualTo("0.0.0.0");
    assertThat(config.list(ConfigKeys.WEBCHAT_LOCALES)).containsExactly("es", "en");
    assertThat(config.string(ConfigKeys.ENGINE_NAME)).isEqualTo("scripted");
    assertThat(config.list(ConfigKeys.WEBCHAT_ALLOWED_ORIGINS))
        .containsExactly("https://a.example", "https://b.example");
    assertThat(config.string(ConfigKeys.DB_URL)).isEqualTo("postgresql://from-env/db");
    assertThat(config.json().containsKey("TALIA_HTTP_PORT")).isFalse();
    assertThat(config.json().containsKey("UNRELATED")).isFalse();
  }

  @Test
  void a_flag_is_true_or_false_and_anything_else_is_a_clear_error() {
    assertThat(
            await(ConfigLoader.load(vertx, workDir, Map.of("TALIA_CONSENT_REQUIRED", " FALSE ")))
                .bool(ConfigKeys.CONSENT_REQUIRED))
        .isFalse();
    assertThat(
            await(ConfigLoader.load(vertx, workDir, Map.of("TALIA_CONSENT_REQUIRED", "True")))
                .bool(ConfigKeys.CONSENT_REQUIRED))
        .isTrue();
    // Read leniently, "yes" was false: consent silently off.
    for (String unclear : new String[] {"yes", "1", "on", "tru"}) {
      TaliaConfig config =
          await(ConfigLoader.load(vertx, workDir, Map.of("TALIA_CONSENT_REQUIRED", unclear)));
      assertThatThrownBy(() -> config.bool(ConfigKeys.CONSENT_REQUIRED))
          .as(unclear)
          .hasMessageContaining("consent.required")
          .hasMessageContaining("true or false");
    }
  }

  @Test
  void a_bad_number_is_a_clear_error() {
    TaliaConfig config =
        await(ConfigLoader.load(vertx, workDir, Map.of("TALIA_HTTP_PORT", "eighty")));
    assertThatThrownBy(() -> config.integer(ConfigKeys.HTTP_PORT))
        .hasMessageContaining("http.port")
        .hasMessageContaining("eighty");
  }
}
