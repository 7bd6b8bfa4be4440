package ai.talia.webchat.assistant;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import io.vertx.core.Vertx;

/** Builds the openai engine, refusing to start without an API key. */
final class OpenAiEngineLoader {
  private OpenAiEngineLoader() {}

  static AssistantEngine create(Vertx vertx, TaliaConfig config) {
    if (config.string(ConfigKeys.OPENAI_API_KEY) == null) {
      throw new IllegalArgumentException("TALIA_ENGINE=openai needs TALIA_OPENAI_API_KEY");
    }
    throw new IllegalStateException("The openai engine is not part of this build yet; use TALIA_ENGINE=scripted");
  }
}
