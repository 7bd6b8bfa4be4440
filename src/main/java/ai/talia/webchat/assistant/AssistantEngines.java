package ai.talia.webchat.assistant;

import ai.talia.webchat.assistant.openai.OpenAiEngine;
import ai.talia.webchat.assistant.scripted.ScriptedEngine;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the engine: {@code engine.name} ({@code TALIA_ENGINE}), else openai when an API key is
 * set, else scripted.
 */
public final class AssistantEngines {
  private static final Logger log = LoggerFactory.getLogger(AssistantEngines.class);

  private AssistantEngines() {}

  public static String chosen(TaliaConfig config) {
    String name = config.string(ConfigKeys.ENGINE_NAME);
    if (name != null) return name.trim().toLowerCase(Locale.ROOT);
    return config.string(ConfigKeys.OPENAI_API_KEY) != null ? "openai" : "scripted";
  }

  public static AssistantEngine create(Vertx vertx, TaliaConfig config, MeterRegistry registry) {
    if (config.string(ConfigKeys.OPENAI_ASSISTANT_ID) != null) {
      log.warn(
          "TALIA_OPENAI_ASSISTANT_ID is set but no longer used: OpenAI shut the Assistants API down on 2026-08-26. "
              + "The assistant's model, instructions and tools now live in conf/ (openai block, conf/assistant/) and run "
              + "on the Responses API with the Conversations API. Remove the variable to silence this warning.");
    }
    String name = chosen(config);
    return switch (name) {
      case "scripted" -> new ScriptedEngine(vertx, config);
      case "openai" -> new OpenAiEngine(vertx, config, registry);
      default ->
          throw new IllegalArgumentException(
              "Unknown TALIA_ENGINE '" + name + "': use openai or scripted");
    };
  }
}
