package ai.talia.webchat.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one home of every configuration key, one declaration each: its dotted path in {@code
 * conf/talia.json} (which holds its default), its kind, the environment variable that overrides it
 * (if any) and whether its value is a secret. The environment mapping ({@link ConfigLoader}), list
 * parsing and redaction ({@link TaliaConfig#redacted()}) follow from these. The README's
 * configuration table mirrors this list.
 */
public enum ConfigKeys {
  RUNTIME_EVENT_LOOPS("runtime.eventLoops", Kind.NUMBER, "TALIA_EVENT_LOOPS"),
  HTTP_HOST("http.host", Kind.TEXT, "TALIA_HTTP_HOST"),
  HTTP_PORT("http.port", Kind.NUMBER, "TALIA_HTTP_PORT"),
  HTTP_IDLE_TIMEOUT_SECONDS("http.idleTimeoutSeconds", Kind.NUMBER),
  HTTP_BODY_LIMIT_BYTES("http.bodyLimitBytes", Kind.NUMBER),
  HTTP_TRUSTED_PROXIES("http.trustedProxies", Kind.LIST, "TALIA_TRUSTED_PROXIES"),
  HTTP_ROUTER_INSTANCES("http.routerInstances", Kind.NUMBER, "TALIA_ROUTER_INSTANCES"),
  HTTP_REPLY_TIMEOUT_SECONDS("http.replyTimeoutSeconds", Kind.NUMBER),
  HTTP_HEADER_TIMEOUT_SECONDS("http.headerTimeoutSeconds", Kind.NUMBER),
  HTTP_BODY_TIMEOUT_SECONDS("http.bodyTimeoutSeconds", Kind.NUMBER),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS(
      "http.maxConnectionsPerAddress", Kind.NUMBER, "TALIA_HTTP_MAX_CONNECTIONS_PER_ADDRESS"),
  WEBCHAT_PUBLIC_TOKEN(
      "webchat.publicToken", Kind.TEXT, "TALIA_WEBCHAT_PUBLIC_TOKEN", Exposure.SECRET),
  WEBCHAT_ALLOWED_ORIGINS("webchat.allowedOrigins", Kind.LIST, "TALIA_WEBCHAT_ALLOWED_ORIGINS"),
  WEBCHAT_TITLE("webchat.title", Kind.TEXT),
  WEBCHAT_THEME("webchat.theme", Kind.TEXT),
  WEBCHAT_LOCALES("webchat.locales", Kind.LIST),
  WEBCHAT_DEFAULT_LOCALE("webchat.defaultLocale", Kind.TEXT),
  WEBCHAT_WELCOME("webchat.welcome", Kind.JSON),
  CONSENT_REQUIRED("consent.required", Kind.FLAG, "TALIA_CONSENT_REQUIRED"),
  CONSENT_POLICY_VERSION("consent.policyVersion", Kind.TEXT, "TALIA_CONSENT_POLICY_VERSION"),
  CONSENT_POLICY_URL("consent.policyUrl", Kind.TEXT),
  CONSENT_TEXT("consent.text", Kind.JSON),
  CONSENT_IP_HASH_SALT("consent.ipHashSalt", Kind.TEXT, "TALIA_IP_HASH_SALT", Exposure.SECRET),
  LIMITS_CONTENT_MAX_CHARS("limits.contentMaxChars", Kind.NUMBER),
  LIMITS_SESSION_QUEUE_MAX("limits.sessionQueueMax", Kind.NUMBER),
  LIMITS_SESSION_MAX_TURNS("limits.sessionMaxTurns", Kind.NUMBER, "TALIA_SESSION_MAX_TURNS"),
  LIMITS_SESSION_MAX_TOKENS("limits.sessionMaxTokens", Kind.NUMBER, "TALIA_SESSION_MAX_TOKENS"),
  LIMITS_DAILY_TOKEN_BUDGET("limits.dailyTokenBudget", Kind.NUMBER, "TALIA_DAILY_TOKEN_BUDGET"),
  LIMITS_SESSION_RATE_CAPACITY("limits.sessionRate.capacity", Kind.NUMBER),
  LIMITS_SESSION_RATE_PER_MINUTE("limits.sessionRate.refillPerMinute", Kind.NUMBER),
  LIMITS_IP_RATE_CAPACITY("limits.ipRate.capacity", Kind.NUMBER),
  LIMITS_IP_RATE_PER_MINUTE("limits.ipRate.refillPerMinute", Kind.NUMBER),
  SESSION_IDLE_SECONDS("session.idleSeconds", Kind.NUMBER, "TALIA_SESSION_IDLE_SECONDS"),
  SESSION_HISTORY_WINDOW("session.historyWindow", Kind.NUMBER),
  SESSION_SHUTDOWN_GRACE_SECONDS("session.shutdownGraceSeconds", Kind.NUMBER),
  /** Whether a turn's model request may go out while its user message's insert is in flight. */
  SESSION_MODEL_BEFORE_COMMIT("session.modelBeforeCommit", Kind.FLAG),
  STREAM_HELLO_TIMEOUT_SECONDS("stream.helloTimeoutSeconds", Kind.NUMBER),
  /** How long a hello may take to be answered with ready (the session's actor reached). */
  STREAM_JOIN_TIMEOUT_SECONDS("stream.joinTimeoutSeconds", Kind.NUMBER),
  STREAM_PING_INTERVAL_SECONDS("stream.pingIntervalSeconds", Kind.NUMBER),
  STREAM_READ_IDLE_SECONDS("stream.readIdleSeconds", Kind.NUMBER),
  STREAM_MAX_MESSAGE_BYTES("stream.maxMessageBytes", Kind.NUMBER),
  STREAM_WRITE_QUEUE_MAX_BYTES("stream.writeQueueMaxBytes", Kind.NUMBER),
  STREAM_MAX_SOCKETS_PER_ADDRESS(
      "stream.maxSocketsPerAddress", Kind.NUMBER, "TALIA_STREAM_MAX_SOCKETS_PER_ADDRESS"),
  DB_URL("db.url", Kind.TEXT, "TALIA_DB_URL", Exposure.SECRET),
  DB_DATA_DIR("db.dataDir", Kind.TEXT, "TALIA_DATA_DIR"),
  DB_POOL_SIZE("db.poolSize", Kind.NUMBER),
  DB_WRITE_CONNECTIONS("db.writeConnections", Kind.NUMBER, "TALIA_DB_WRITE_CONNECTIONS"),
  ENGINE_NAME("engine.name", Kind.TEXT, "TALIA_ENGINE"),
  SCRIPTED_FLOW_FILE("scripted.flowFile", Kind.TEXT),
  SCRIPTED_CHUNK_CHARS("scripted.chunkChars", Kind.NUMBER),
  SCRIPTED_CHUNK_DELAY_MS("scripted.chunkDelayMs", Kind.NUMBER),
  LEAD_DEFAULT_REGION("lead.defaultRegion", Kind.TEXT, "TALIA_LEAD_DEFAULT_REGION"),
  OPENAI_API_KEY("openai.apiKey", Kind.TEXT, "TALIA_OPENAI_API_KEY", Exposure.SECRET),
  OPENAI_MODEL("openai.model", Kind.TEXT, "TALIA_OPENAI_MODEL"),
  OPENAI_BASE_URL("openai.baseUrl", Kind.TEXT, "TALIA_OPENAI_BASE_URL"),
  OPENAI_API_STYLE("openai.apiStyle", Kind.TEXT, "TALIA_OPENAI_API_STYLE"),
  OPENAI_ASSISTANT_ID("openai.assistantId", Kind.TEXT, "TALIA_OPENAI_ASSISTANT_ID"),
  ADMIN_TOKEN("admin.token", Kind.TEXT, "TALIA_ADMIN_TOKEN", Exposure.SECRET),
  /** The first delay before a failed OpenAI conversation deletion is retried (doubles to 1 h). */
  ADMIN_OPENAI_DELETION_RETRY_SECONDS("admin.openaiDeletionRetrySeconds", Kind.NUMBER),
  /** Unset keeps sessions forever (README § Admin API). */
  RETENTION_DAYS("retention.days", Kind.NUMBER, "TALIA_RETENTION_DAYS"),
  RETENTION_BATCH_SIZE("retention.batchSize", Kind.NUMBER, "TALIA_RETENTION_BATCH_SIZE"),
  RETENTION_INTERVAL_MINUTES("retention.intervalMinutes", Kind.NUMBER),
  RETENTION_FIRST_RUN_SECONDS("retention.firstRunSeconds", Kind.NUMBER),
  WEBHOOK_URL("webhooks.url", Kind.TEXT, "TALIA_WEBHOOK_URL", Exposure.SECRET),
  WEBHOOK_SECRET("webhooks.secret", Kind.TEXT, "TALIA_WEBHOOK_SECRET", Exposure.SECRET),
  WEBHOOK_EVENTS("webhooks.events", Kind.LIST, "TALIA_WEBHOOK_EVENTS"),
  WEBHOOK_ENDPOINTS("webhooks.endpoints", Kind.JSON, null, Exposure.SECRET),
  WEBHOOK_TIMEOUT_MS("webhooks.timeoutMs", Kind.NUMBER, "TALIA_WEBHOOK_TIMEOUT_MS"),
  WEBHOOK_MAX_ATTEMPTS("webhooks.maxAttempts", Kind.NUMBER, "TALIA_WEBHOOK_MAX_ATTEMPTS"),
  WEBHOOK_RETRY_BASE_DELAY_MS(
      "webhooks.retryBaseDelayMs", Kind.NUMBER, "TALIA_WEBHOOK_RETRY_BASE_DELAY_MS"),
  WEBHOOK_RETRY_MAX_DELAY_MS("webhooks.retryMaxDelayMs", Kind.NUMBER),
  WEBHOOK_RETENTION_HOURS(
      "webhooks.deliveredRetentionHours", Kind.NUMBER, "TALIA_WEBHOOK_RETENTION_HOURS"),
  WEBHOOK_CONCURRENCY("webhooks.concurrency", Kind.NUMBER),
  WEBHOOK_POLL_INTERVAL_MS("webhooks.pollIntervalMs", Kind.NUMBER),
  WEBHOOK_CLAIM_LEASE_MS("webhooks.claimLeaseMs", Kind.NUMBER),
  CLUSTER_MEMBERS("cluster.members", Kind.LIST, "TALIA_CLUSTER_MEMBERS"),
  CLUSTER_HOST("cluster.host", Kind.TEXT, "TALIA_CLUSTER_HOST"),
  CLUSTER_PORT("cluster.port", Kind.NUMBER, "TALIA_CLUSTER_PORT"),
  CLUSTER_BUS_PORT("cluster.busPort", Kind.NUMBER, "TALIA_CLUSTER_BUS_PORT"),
  CLUSTER_KUBERNETES_SERVICE_DNS(
      "cluster.kubernetesServiceDns", Kind.TEXT, "TALIA_CLUSTER_KUBERNETES_SERVICE_DNS"),
  CLUSTER_HEARTBEAT_SECONDS("cluster.heartbeatSeconds", Kind.NUMBER),
  CLUSTER_MAX_NO_HEARTBEAT_SECONDS(
      "cluster.maxNoHeartbeatSeconds", Kind.NUMBER, "TALIA_CLUSTER_MAX_NO_HEARTBEAT_SECONDS"),
  OPENAI_TEMPERATURE("openai.temperature", Kind.NUMBER, "TALIA_OPENAI_TEMPERATURE"),
  OPENAI_MAX_OUTPUT_TOKENS("openai.maxOutputTokens", Kind.NUMBER, "TALIA_OPENAI_MAX_OUTPUT_TOKENS"),
  OPENAI_STORE("openai.store", Kind.FLAG, "TALIA_OPENAI_STORE"),
  OPENAI_TRUNCATION("openai.truncation", Kind.TEXT, "TALIA_OPENAI_TRUNCATION"),
  OPENAI_REASONING_EFFORT("openai.reasoningEffort", Kind.TEXT, "TALIA_OPENAI_REASONING_EFFORT"),
  OPENAI_INSTRUCTIONS_FILE("openai.instructionsFile", Kind.TEXT, "TALIA_OPENAI_INSTRUCTIONS_FILE"),
  OPENAI_TOOLS_FILE("openai.toolsFile", Kind.TEXT, "TALIA_OPENAI_TOOLS_FILE"),
  OPENAI_MAX_TOOL_ROUNDS("openai.maxToolRounds", Kind.NUMBER, "TALIA_OPENAI_MAX_TOOL_ROUNDS"),
  OPENAI_CONNECT_TIMEOUT_MS(
      "openai.connectTimeoutMs", Kind.NUMBER, "TALIA_OPENAI_CONNECT_TIMEOUT_MS"),
  OPENAI_REQUEST_TIMEOUT_MS(
      "openai.requestTimeoutMs", Kind.NUMBER, "TALIA_OPENAI_REQUEST_TIMEOUT_MS"),
  OPENAI_FIRST_TOKEN_TIMEOUT_MS(
      "openai.firstTokenTimeoutMs", Kind.NUMBER, "TALIA_OPENAI_FIRST_TOKEN_TIMEOUT_MS"),
  OPENAI_IDLE_TIMEOUT_MS("openai.idleTimeoutMs", Kind.NUMBER, "TALIA_OPENAI_IDLE_TIMEOUT_MS"),
  OPENAI_MAX_RETRIES("openai.retry.maxRetries", Kind.NUMBER, "TALIA_OPENAI_MAX_RETRIES"),
  OPENAI_RETRY_BASE_DELAY_MS(
      "openai.retry.baseDelayMs", Kind.NUMBER, "TALIA_OPENAI_RETRY_BASE_DELAY_MS"),
  OPENAI_RETRY_MAX_DELAY_MS(
      "openai.retry.maxDelayMs", Kind.NUMBER, "TALIA_OPENAI_RETRY_MAX_DELAY_MS"),
  OPENAI_BREAKER_FAILURE_THRESHOLD(
      "openai.breaker.failureThreshold", Kind.NUMBER, "TALIA_OPENAI_BREAKER_FAILURE_THRESHOLD"),
  OPENAI_BREAKER_RESET_TIMEOUT_MS(
      "openai.breaker.resetTimeoutMs", Kind.NUMBER, "TALIA_OPENAI_BREAKER_RESET_TIMEOUT_MS"),
  OPENAI_MAX_CONNECTIONS("openai.maxConnections", Kind.NUMBER, "TALIA_OPENAI_MAX_CONNECTIONS"),
  OPENAI_EXTRA_HEADERS(
      "openai.extraHeaders", Kind.JSON, "TALIA_OPENAI_EXTRA_HEADERS", Exposure.SECRET),
  OPENAI_CHAT_MAX_TOKENS_PARAM(
      "openai.chatMaxTokensParam", Kind.TEXT, "TALIA_OPENAI_CHAT_MAX_TOKENS_PARAM"),
  OPENAI_STATE("openai.state", Kind.TEXT, "TALIA_OPENAI_STATE");

  /** What a key holds: an environment value of a {@link #LIST} key is a comma-separated list. */
  public enum Kind {
    TEXT,
    NUMBER,
    FLAG,
    LIST,
    JSON
  }

  /** Whether a key's value may be logged. */
  public enum Exposure {
    PLAIN,
    SECRET
  }

  private final String key;
  private final Kind kind;
  private final @Nullable String env;
  private final Exposure exposure;

  ConfigKeys(String key, Kind kind) {
    this(key, kind, null, Exposure.PLAIN);
  }

  ConfigKeys(String key, Kind kind, String env) {
    this(key, kind, env, Exposure.PLAIN);
  }

  ConfigKeys(String key, Kind kind, @Nullable String env, Exposure exposure) {
    this.key = key;
    this.kind = kind;
    this.env = env;
    this.exposure = exposure;
  }

  /** The dotted path, e.g. {@code http.port}. */
  public String key() {
    return key;
  }

  public Kind kind() {
    return kind;
  }

  /** The environment variable that overrides this key, or null when none does. */
  public @Nullable String env() {
    return env;
  }

  public boolean secret() {
    return exposure == Exposure.SECRET;
  }

  @Override
  public String toString() {
    return key;
  }

  /** Environment variable → key, in declaration order. */
  public static final Map<String, ConfigKeys> BY_ENV;

  /** Environment variable → dotted key. */
  public static final Map<String, String> ENV;

  static {
    Map<String, ConfigKeys> byEnv = new LinkedHashMap<>();
    Map<String, String> env = new LinkedHashMap<>();
    for (ConfigKeys k : values()) {
      if (k.env != null) {
        byEnv.put(k.env, k);
        env.put(k.env, k.key);
      }
    }
    BY_ENV = Collections.unmodifiableMap(byEnv);
    ENV = Collections.unmodifiableMap(env);
  }
}
