package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import java.util.Locale;

/**
 * The openai engine's settings, read once from {@code conf/talia.json} (the {@code openai} block)
 * and the environment. {@code temperature} and {@code reasoningEffort} are null when unset: they
 * are then not sent, because reasoning models refuse {@code temperature} and older models refuse
 * {@code reasoning}.
 */
public record OpenAiSettings(
    String apiKey,
    String baseUrl,
    ApiStyle apiStyle,
    String model,
    Double temperature,
    int maxOutputTokens,
    boolean store,
    String truncation,
    String reasoningEffort,
    String instructionsFile,
    String toolsFile,
    int maxToolRounds,
    int connectTimeoutMs,
    int requestTimeoutMs,
    int firstTokenTimeoutMs,
    int idleTimeoutMs,
    int maxRetries,
    int retryBaseDelayMs,
    int retryMaxDelayMs,
    int breakerFailureThreshold,
    int breakerResetTimeoutMs,
    int maxConnections) {

  public enum ApiStyle {
    RESPONSES,
    CHAT_COMPLETIONS
  }

  public static OpenAiSettings from(TaliaConfig config) {
    String apiKey = config.string(ConfigKeys.OPENAI_API_KEY);
    if (apiKey == null)
      throw new IllegalArgumentException("The openai engine needs TALIA_OPENAI_API_KEY");
    String baseUrl = config.string(ConfigKeys.OPENAI_BASE_URL, "https://api.openai.com/v1").trim();
    while (baseUrl.endsWith("/")) baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
    if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
      throw new IllegalArgumentException(
          "TALIA_OPENAI_BASE_URL must be an http(s) URL, got: " + baseUrl);
    }
    return new OpenAiSettings(
        apiKey.trim(),
        baseUrl,
        style(config.string(ConfigKeys.OPENAI_API_STYLE, "responses")),
        config.string(ConfigKeys.OPENAI_MODEL, "gpt-5-mini"),
        decimal(config, ConfigKeys.OPENAI_TEMPERATURE),
        positive(config, ConfigKeys.OPENAI_MAX_OUTPUT_TOKENS, 2048),
        config.bool(ConfigKeys.OPENAI_STORE, true),
        config.string(ConfigKeys.OPENAI_TRUNCATION, "auto"),
        config.string(ConfigKeys.OPENAI_REASONING_EFFORT),
        config.string(ConfigKeys.OPENAI_INSTRUCTIONS_FILE, "conf/assistant/instructions.md"),
        config.string(ConfigKeys.OPENAI_TOOLS_FILE, "conf/assistant/tools.json"),
        Math.max(0, config.integer(ConfigKeys.OPENAI_MAX_TOOL_ROUNDS, 3)),
        positive(config, ConfigKeys.OPENAI_CONNECT_TIMEOUT_MS, 5000),
        positive(config, ConfigKeys.OPENAI_REQUEST_TIMEOUT_MS, 20000),
        positive(config, ConfigKeys.OPENAI_FIRST_TOKEN_TIMEOUT_MS, 30000),
        positive(config, ConfigKeys.OPENAI_IDLE_TIMEOUT_MS, 20000),
        Math.max(0, config.integer(ConfigKeys.OPENAI_MAX_RETRIES, 2)),
        positive(config, ConfigKeys.OPENAI_RETRY_BASE_DELAY_MS, 500),
        positive(config, ConfigKeys.OPENAI_RETRY_MAX_DELAY_MS, 8000),
        positive(config, ConfigKeys.OPENAI_BREAKER_FAILURE_THRESHOLD, 5),
        positive(config, ConfigKeys.OPENAI_BREAKER_RESET_TIMEOUT_MS, 30000),
        positive(config, ConfigKeys.OPENAI_MAX_CONNECTIONS, 512));
  }

  private static ApiStyle style(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "responses" -> ApiStyle.RESPONSES;
      case "chat_completions", "chat-completions", "chat" -> ApiStyle.CHAT_COMPLETIONS;
      default ->
          throw new IllegalArgumentException(
              "TALIA_OPENAI_API_STYLE must be responses or chat_completions, got: " + value);
    };
  }

  private static Double decimal(TaliaConfig config, String key) {
    Object v = config.value(key);
    if (v instanceof Number n) return n.doubleValue();
    if (v instanceof String s && !s.isBlank()) {
      try {
        return Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "Configuration key " + key + " must be a number, got: " + s);
      }
    }
    return null;
  }

  private static int positive(TaliaConfig config, String key, int fallback) {
    int v = config.integer(key, fallback);
    if (v <= 0)
      throw new IllegalArgumentException(
          "Configuration key " + key + " must be above 0, got: " + v);
    return v;
  }

  /** Never print the key, even by accident through a record's generated toString. */
  @Override
  public String toString() {
    return "OpenAiSettings[baseUrl="
        + baseUrl
        + ", apiStyle="
        + apiStyle
        + ", model="
        + model
        + ", apiKey=***]";
  }
}
