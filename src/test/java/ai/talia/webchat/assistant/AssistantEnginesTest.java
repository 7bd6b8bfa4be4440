package ai.talia.webchat.assistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.support.RunningGateway;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AssistantEnginesTest {
  private final Vertx vertx = Vertx.vertx();
  private final TaliaConfig defaults = RunningGateway.baseConfig();

  @AfterEach
  void close() {
    RunningGateway.await(vertx.close());
  }

  @Test
  void openai_is_the_default_when_an_api_key_is_set_and_scripted_otherwise() {
    assertThat(AssistantEngines.chosen(defaults)).isEqualTo("scripted");
    TaliaConfig withKey = defaults.with(ConfigKeys.OPENAI_API_KEY, "sk-test-123");
    assertThat(AssistantEngines.chosen(withKey)).isEqualTo("openai");
    assertThat(AssistantEngines.create(vertx, withKey, new SimpleMeterRegistry()).name())
        .isEqualTo("openai");
    assertThat(AssistantEngines.chosen(withKey.with(ConfigKeys.ENGINE_NAME, "Scripted")))
        .isEqualTo("scripted");
  }

  @Test
  void a_wrong_engine_or_openai_without_a_key_fails_at_start_with_a_clear_message() {
    assertThatThrownBy(
            () ->
                AssistantEngines.create(
                    vertx, defaults.with(ConfigKeys.ENGINE_NAME, "gpt"), new SimpleMeterRegistry()))
        .hasMessageContaining("Unknown TALIA_ENGINE 'gpt'");
    assertThatThrownBy(
            () ->
                AssistantEngines.create(
                    vertx,
                    defaults.with(ConfigKeys.ENGINE_NAME, "openai"),
                    new SimpleMeterRegistry()))
        .hasMessageContaining("TALIA_OPENAI_API_KEY");
  }
}
