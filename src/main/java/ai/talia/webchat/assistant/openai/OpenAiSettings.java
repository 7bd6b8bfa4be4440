package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The openai engine's settings, read once from {@code conf/talia.json} (the {@code openai} block)
 * and the environment; a wrong value stops the start with a message naming the setting (never its
 * value when it may be a secret). {@code temperature} and {@code reasoningEffort} are null when not
 * to be sent: reasoning models refuse {@code temperature} and other models refuse {@code
 * reasoning}. {@code reasoningEffort} {@code auto} (the default) becomes {@code low} for the gpt-5
 * family and the o-series, whose reasoning counts against {@code max_output_tokens}, and nothing
 * for other models.
 *
 * @param baseUrl the base URL without its query string, no trailing slash
 * @param baseQuery the base URL's query string (Azure's {@code api-version=…}), added to every
 *     call; null when it has none
 * @param extraHeaders static headers sent with every call ({@code api-key}, preview headers)
 * @param chatMaxTokensParam the Chat Completions field that carries the output cap: {@code
 *     max_completion_tokens}, or {@code max_tokens} for servers that read only that (Ollama)
 * @param state where the Responses style keeps a session's history: in an OpenAI conversation, or
 *     nowhere at OpenAI (each call sends it from our store, {@code store:false})
 */
public record OpenAiSettings(
    String apiKey,
    String baseUrl,
    @Nullable String baseQuery,
    Map<String, String> extraHeaders,
    String chatMaxTokensParam,
    State state,
    ApiStyle apiStyle,
    String model,
    @Nullable Double temperature,
    int maxOutputTokens,
    boolean store,
    String truncation,
    @Nullable String reasoningEffort,
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

  public enum State {
    CONVERSATION,
    STATELESS
  }

  /** The API refuses a {@code max_output_tokens} below this (OpenAPI: {@code minimum: 16}). */
  static final int MIN_OUTPUT_TOKENS = 16;

  /** {@code reasoning.effort} values of OpenAI's OpenAPI document (not every model takes each). */
  static final Set<String> REASONING_EFFORTS =
      Set.of("none", "minimal", "low", "medium", "high", "xhigh", "max");

  private static final Pattern REASONING_MODEL = Pattern.compile("(gpt-5|o[1-9])(?!.*-chat).*");

  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  /** Headers the engine sets itself: an extra header may not replace them. */
  private static final Set<String> OWN_HEADERS =
      Set.of(
          "authorization",
          "content-type",
          "content-length",
          "accept",
          "host",
          "connection",
          "transfer-encoding");

  public static OpenAiSettings from(TaliaConfig config) {
    String apiKey = config.string(ConfigKeys.OPENAI_API_KEY);
    if (apiKey == null)
      throw new IllegalArgumentException("The openai engine needs TALIA_OPENAI_API_KEY");
    String url = config.requiredString(ConfigKeys.OPENAI_BASE_URL).trim();
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new IllegalArgumentException(
          "TALIA_OPENAI_BASE_URL must be an http(s) URL, got: " + withoutQuery(url));
    }
    if (url.contains("#"))
      throw new IllegalArgumentException("TALIA_OPENAI_BASE_URL must not have a #fragment");
    // Azure's v1 endpoint takes ?api-version=…: the path comes before it, on every call.
    int q = url.indexOf('?');
    String baseQuery = q < 0 || q == url.length() - 1 ? null : url.substring(q + 1);
    String baseUrl = q < 0 ? url : url.substring(0, q);
    while (baseUrl.endsWith("/")) baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
    try {
      URI parsed = new URI(baseUrl + (baseQuery == null ? "" : "?" + baseQuery));
      if (parsed.getHost() == null) throw new URISyntaxException(baseUrl, "no host");
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "TALIA_OPENAI_BASE_URL is not a valid URL: " + withoutQuery(url));
    }
    int maxOutputTokens = config.integer(ConfigKeys.OPENAI_MAX_OUTPUT_TOKENS);
    if (maxOutputTokens < MIN_OUTPUT_TOKENS) {
      throw new IllegalArgumentException(
          "TALIA_OPENAI_MAX_OUTPUT_TOKENS must be at least "
              + MIN_OUTPUT_TOKENS
              + " (the API refuses less), got: "
              + maxOutputTokens);
    }
    String model = config.requiredString(ConfigKeys.OPENAI_MODEL);
    State state = state(config.requiredString(ConfigKeys.OPENAI_STATE));
    boolean store = config.bool(ConfigKeys.OPENAI_STORE);
    if (state == State.CONVERSATION && !store) {
      throw new IllegalArgumentException(
          "TALIA_OPENAI_STORE=false cannot keep a conversation at OpenAI: "
              + "set TALIA_OPENAI_STATE=stateless to keep nothing of the chat there");
    }
    return new OpenAiSettings(
        apiKey.trim(),
        baseUrl,
        baseQuery,
        extraHeaders(config.value(ConfigKeys.OPENAI_EXTRA_HEADERS)),
        chatMaxTokensParam(config.string(ConfigKeys.OPENAI_CHAT_MAX_TOKENS_PARAM)),
        state,
        style(config.requiredString(ConfigKeys.OPENAI_API_STYLE)),
        model,
        decimal(config, ConfigKeys.OPENAI_TEMPERATURE),
        maxOutputTokens,
        store,
        config.requiredString(ConfigKeys.OPENAI_TRUNCATION),
        reasoningEffort(config.requiredString(ConfigKeys.OPENAI_REASONING_EFFORT), model),
        config.requiredString(ConfigKeys.OPENAI_INSTRUCTIONS_FILE),
        config.requiredString(ConfigKeys.OPENAI_TOOLS_FILE),
        Math.max(0, config.integer(ConfigKeys.OPENAI_MAX_TOOL_ROUNDS)),
        Check.atLeast(config, ConfigKeys.OPENAI_CONNECT_TIMEOUT_MS, 1),
        Check.atLeast(config, ConfigKeys.OPENAI_REQUEST_TIMEOUT_MS, 1),
        Check.atLeast(config, ConfigKeys.OPENAI_FIRST_TOKEN_TIMEOUT_MS, 1),
        Check.atLeast(config, ConfigKeys.OPENAI_IDLE_TIMEOUT_MS, 1),
        Math.max(0, config.integer(ConfigKeys.OPENAI_MAX_RETRIES)),
        Check.atLeast(config, ConfigKeys.OPENAI_RETRY_BASE_DELAY_MS, 1),
        Check.atLeast(config, ConfigKeys.OPENAI_RETRY_MAX_DELAY_MS, 1),
        Check.atLeast(config, ConfigKeys.OPENAI_BREAKER_FAILURE_THRESHOLD, 1),
        Check.atLeast(config, ConfigKeys.OPENAI_BREAKER_RESET_TIMEOUT_MS, 1),
        Check.atLeast(config, ConfigKeys.OPENAI_MAX_CONNECTIONS, 1));
  }

  /** The URL of an API path ({@code /responses}) on the base URL, its query string kept. */
  public String url(String path) {
    if (baseQuery == null) return baseUrl + path;
    return baseUrl + path + (path.indexOf('?') < 0 ? '?' : '&') + baseQuery;
  }

  private static String withoutQuery(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q) + "?…";
  }

  /**
   * {@code TALIA_OPENAI_EXTRA_HEADERS}: a JSON object of header names to string values (in {@code
   * conf/talia.json} an object, in the environment its JSON text). Values are secrets (an {@code
   * api-key}): no message repeats them.
   */
  static Map<String, String> extraHeaders(@Nullable Object value) {
    if (value == null || (value instanceof String s && s.isBlank())) return Map.of();
    JsonObject json;
    if (value instanceof JsonObject o) {
      json = o;
    } else {
      try {
        json = new JsonObject(value.toString());
      } catch (DecodeException | ClassCastException e) {
        throw new IllegalArgumentException(
            "TALIA_OPENAI_EXTRA_HEADERS must be a JSON object of header names to values, "
                + "e.g. {\"api-key\":\"…\"}; it is not valid JSON");
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json) {
      String name = e.getKey();
      if (!HEADER_NAME.matcher(name).matches())
        throw new IllegalArgumentException(
            "TALIA_OPENAI_EXTRA_HEADERS: '" + name + "' is not a valid header name");
      if (OWN_HEADERS.contains(name.toLowerCase(Locale.ROOT)))
        throw new IllegalArgumentException(
            "TALIA_OPENAI_EXTRA_HEADERS may not set "
                + name
                + ": the engine sets it (the key goes in TALIA_OPENAI_API_KEY)");
      if (!(e.getValue() instanceof String v) || v.chars().anyMatch(c -> c < 0x20 && c != '\t'))
        throw new IllegalArgumentException(
            "TALIA_OPENAI_EXTRA_HEADERS: the value of "
                + name
                + " must be a string on one line, without control characters");
      headers.put(name, (String) e.getValue());
    }
    return Collections.unmodifiableMap(headers);
  }

  /**
   * {@code auto}: {@code low} — quick enough for a chat, and it leaves most of the output cap to
   * the reply — for models that reason (the gpt-5 family but its {@code -chat} models, the
   * o-series), nothing for others; {@code off}: nothing; else one of the API's values.
   */
  static @Nullable String reasoningEffort(String value, String model) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("off")) return null;
    if (v.equals("auto"))
      return REASONING_MODEL.matcher(model.trim().toLowerCase(Locale.ROOT)).matches()
          ? "low"
          : null;
    if (REASONING_EFFORTS.contains(v)) return v;
    throw new IllegalArgumentException(
        "TALIA_OPENAI_REASONING_EFFORT must be auto, off or one of "
            + new TreeSet<>(REASONING_EFFORTS)
            + ", got: "
            + value);
  }

  private static State state(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "conversation" -> State.CONVERSATION;
      case "stateless" -> State.STATELESS;
      default ->
          throw new IllegalArgumentException(
              "TALIA_OPENAI_STATE must be conversation or stateless, got: " + value);
    };
  }

  private static String chatMaxTokensParam(@Nullable String value) {
    if (value == null) return "max_completion_tokens";
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("max_completion_tokens") || v.equals("max_tokens")) return v;
    throw new IllegalArgumentException(
        "TALIA_OPENAI_CHAT_MAX_TOKENS_PARAM must be max_completion_tokens or max_tokens, got: "
            + value);
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

  private static @Nullable Double decimal(TaliaConfig config, ConfigKeys key) {
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

  /** Never print the key, even by accident through a record's generated toString. */
  @Override
  public String toString() {
    return "OpenAiSettings[baseUrl="
        + baseUrl
        + (baseQuery == null ? "" : "?…")
        + ", extraHeaders="
        + extraHeaders.size()
        + ", state="
        + state
        + ", apiStyle="
        + apiStyle
        + ", model="
        + model
        + ", apiKey=***]";
  }
}
