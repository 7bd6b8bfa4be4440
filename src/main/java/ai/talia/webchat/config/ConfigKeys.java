package ai.talia.webchat.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one home of every configuration key: its dotted path in {@code conf/talia.json} and the
 * environment variable that overrides it. The README's configuration table mirrors this list.
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  public static final String HTTP_HOST = "http.host";
  public static final String HTTP_PORT = "http.port";
  public static final String HTTP_IDLE_TIMEOUT_SECONDS = "http.idleTimeoutSeconds";
  public static final String HTTP_BODY_LIMIT_BYTES = "http.bodyLimitBytes";
  public static final String HTTP_TRUSTED_PROXIES = "http.trustedProxies";
  public static final String HTTP_ROUTER_INSTANCES = "http.routerInstances";
  public static final String HTTP_REPLY_TIMEOUT_SECONDS = "http.replyTimeoutSeconds";
  public static final String HTTP_HEADER_TIMEOUT_SECONDS = "http.headerTimeoutSeconds";
  public static final String HTTP_BODY_TIMEOUT_SECONDS = "http.bodyTimeoutSeconds";
  public static final String HTTP_MAX_CONNECTIONS_PER_ADDRESS = "http.maxConnectionsPerAddress";

  public static final String WEBCHAT_PUBLIC_TOKEN = "webchat.publicToken";
  public static final String WEBCHAT_ALLOWED_ORIGINS = "webchat.allowedOrigins";
  public static final String WEBCHAT_TITLE = "webchat.title";
  public static final String WEBCHAT_THEME = "webchat.theme";
  public static final String WEBCHAT_LOCALES = "webchat.locales";
  public static final String WEBCHAT_DEFAULT_LOCALE = "webchat.defaultLocale";
  public static final String WEBCHAT_WELCOME = "webchat.welcome";

  public static final String CONSENT_REQUIRED = "consent.required";
  public static final String CONSENT_POLICY_VERSION = "consent.policyVersion";
  public static final String CONSENT_POLICY_URL = "consent.policyUrl";
  public static final String CONSENT_TEXT = "consent.text";
  public static final String CONSENT_IP_HASH_SALT = "consent.ipHashSalt";

  public static final String LIMITS_CONTENT_MAX_CHARS = "limits.contentMaxChars";
  public static final String LIMITS_SESSION_QUEUE_MAX = "limits.sessionQueueMax";
  public static final String LIMITS_SESSION_MAX_TURNS = "limits.sessionMaxTurns";
  public static final String LIMITS_SESSION_MAX_TOKENS = "limits.sessionMaxTokens";
  public static final String LIMITS_DAILY_TOKEN_BUDGET = "limits.dailyTokenBudget";
  public static final String LIMITS_SESSION_RATE_CAPACITY = "limits.sessionRate.capacity";
  public static final String LIMITS_SESSION_RATE_PER_MINUTE = "limits.sessionRate.refillPerMinute";
  public static final String LIMITS_IP_RATE_CAPACITY = "limits.ipRate.capacity";
  public static final String LIMITS_IP_RATE_PER_MINUTE = "limits.ipRate.refillPerMinute";

  public static final String SESSION_IDLE_SECONDS = "session.idleSeconds";
  public static final String SESSION_HISTORY_WINDOW = "session.historyWindow";
  public static final String SESSION_SHUTDOWN_GRACE_SECONDS = "session.shutdownGraceSeconds";

  public static final String STREAM_HELLO_TIMEOUT_SECONDS = "stream.helloTimeoutSeconds";
  public static final String STREAM_PING_INTERVAL_SECONDS = "stream.pingIntervalSeconds";
  public static final String STREAM_READ_IDLE_SECONDS = "stream.readIdleSeconds";
  public static final String STREAM_MAX_MESSAGE_BYTES = "stream.maxMessageBytes";
  public static final String STREAM_WRITE_QUEUE_MAX_BYTES = "stream.writeQueueMaxBytes";
  public static final String STREAM_MAX_SOCKETS_PER_ADDRESS = "stream.maxSocketsPerAddress";

  public static final String DB_URL = "db.url";
  public static final String DB_DATA_DIR = "db.dataDir";
  public static final String DB_POOL_SIZE = "db.poolSize";

  public static final String ENGINE_NAME = "engine.name";
  public static final String SCRIPTED_FLOW_FILE = "scripted.flowFile";
  public static final String SCRIPTED_CHUNK_CHARS = "scripted.chunkChars";
  public static final String SCRIPTED_CHUNK_DELAY_MS = "scripted.chunkDelayMs";
  public static final String LEAD_DEFAULT_REGION = "lead.defaultRegion";

  public static final String OPENAI_API_KEY = "openai.apiKey";
  public static final String OPENAI_MODEL = "openai.model";
  public static final String OPENAI_BASE_URL = "openai.baseUrl";
  public static final String OPENAI_API_STYLE = "openai.apiStyle";
  public static final String OPENAI_ASSISTANT_ID = "openai.assistantId";

  public static final String ADMIN_TOKEN = "admin.token";

  /**
   * How often a failed deletion of an erased session's OpenAI conversation is retried (the first
   * delay; it doubles up to an hour).
   */
  public static final String ADMIN_OPENAI_DELETION_RETRY_SECONDS =
      "admin.openaiDeletionRetrySeconds";

  // retention (README § Admin API): unset days keeps sessions forever
  public static final String RETENTION_DAYS = "retention.days";
  public static final String RETENTION_BATCH_SIZE = "retention.batchSize";
  public static final String RETENTION_INTERVAL_MINUTES = "retention.intervalMinutes";
  public static final String RETENTION_FIRST_RUN_SECONDS = "retention.firstRunSeconds";

  // webhooks (README § Webhooks)
  public static final String WEBHOOK_URL = "webhooks.url";
  public static final String WEBHOOK_SECRET = "webhooks.secret";
  public static final String WEBHOOK_EVENTS = "webhooks.events";
  public static final String WEBHOOK_ENDPOINTS = "webhooks.endpoints";
  public static final String WEBHOOK_TIMEOUT_MS = "webhooks.timeoutMs";
  public static final String WEBHOOK_MAX_ATTEMPTS = "webhooks.maxAttempts";
  public static final String WEBHOOK_RETRY_BASE_DELAY_MS = "webhooks.retryBaseDelayMs";
  public static final String WEBHOOK_RETRY_MAX_DELAY_MS = "webhooks.retryMaxDelayMs";
  public static final String WEBHOOK_RETENTION_HOURS = "webhooks.deliveredRetentionHours";
  public static final String WEBHOOK_CONCURRENCY = "webhooks.concurrency";
  public static final String WEBHOOK_POLL_INTERVAL_MS = "webhooks.pollIntervalMs";
  public static final String WEBHOOK_CLAIM_LEASE_MS = "webhooks.claimLeaseMs";

  // clustered mode (README § Scaling out); off while no members and no Kubernetes service are set
  public static final String CLUSTER_MEMBERS = "cluster.members";
  public static final String CLUSTER_HOST = "cluster.host";
  public static final String CLUSTER_PORT = "cluster.port";
  public static final String CLUSTER_BUS_PORT = "cluster.busPort";
  public static final String CLUSTER_KUBERNETES_SERVICE_DNS = "cluster.kubernetesServiceDns";
  public static final String CLUSTER_HEARTBEAT_SECONDS = "cluster.heartbeatSeconds";
  public static final String CLUSTER_MAX_NO_HEARTBEAT_SECONDS = "cluster.maxNoHeartbeatSeconds";

  // openai engine
  public static final String OPENAI_TEMPERATURE = "openai.temperature";
  public static final String OPENAI_MAX_OUTPUT_TOKENS = "openai.maxOutputTokens";
  public static final String OPENAI_STORE = "openai.store";
  public static final String OPENAI_TRUNCATION = "openai.truncation";
  public static final String OPENAI_REASONING_EFFORT = "openai.reasoningEffort";
  public static final String OPENAI_INSTRUCTIONS_FILE = "openai.instructionsFile";
  public static final String OPENAI_TOOLS_FILE = "openai.toolsFile";
  public static final String OPENAI_MAX_TOOL_ROUNDS = "openai.maxToolRounds";
  public static final String OPENAI_CONNECT_TIMEOUT_MS = "openai.connectTimeoutMs";
  public static final String OPENAI_REQUEST_TIMEOUT_MS = "openai.requestTimeoutMs";
  public static final String OPENAI_FIRST_TOKEN_TIMEOUT_MS = "openai.firstTokenTimeoutMs";
  public static final String OPENAI_IDLE_TIMEOUT_MS = "openai.idleTimeoutMs";
  public static final String OPENAI_MAX_RETRIES = "openai.retry.maxRetries";
  public static final String OPENAI_RETRY_BASE_DELAY_MS = "openai.retry.baseDelayMs";
  public static final String OPENAI_RETRY_MAX_DELAY_MS = "openai.retry.maxDelayMs";
  public static final String OPENAI_BREAKER_FAILURE_THRESHOLD = "openai.breaker.failureThreshold";
  public static final String OPENAI_BREAKER_RESET_TIMEOUT_MS = "openai.breaker.resetTimeoutMs";
  public static final String OPENAI_MAX_CONNECTIONS = "openai.maxConnections";
  public static final String OPENAI_EXTRA_HEADERS = "openai.extraHeaders";
  public static final String OPENAI_CHAT_MAX_TOKENS_PARAM = "openai.chatMaxTokensParam";
  public static final String OPENAI_STATE = "openai.state";

  /** Environment variable → dotted key. A value given as a comma list is split for list keys. */
  public static final Map<String, String> ENV = new LinkedHashMap<>();

  static {
    ENV.put("TALIA_HTTP_HOST", HTTP_HOST);
    ENV.put("TALIA_HTTP_PORT", HTTP_PORT);
    ENV.put("TALIA_TRUSTED_PROXIES", HTTP_TRUSTED_PROXIES);
    ENV.put("TALIA_ROUTER_INSTANCES", HTTP_ROUTER_INSTANCES);
    ENV.put("TALIA_HTTP_MAX_CONNECTIONS_PER_ADDRESS", HTTP_MAX_CONNECTIONS_PER_ADDRESS);
    ENV.put("TALIA_STREAM_MAX_SOCKETS_PER_ADDRESS", STREAM_MAX_SOCKETS_PER_ADDRESS);
    ENV.put("TALIA_WEBCHAT_PUBLIC_TOKEN", WEBCHAT_PUBLIC_TOKEN);
    ENV.put("TALIA_WEBCHAT_ALLOWED_ORIGINS", WEBCHAT_ALLOWED_ORIGINS);
    ENV.put("TALIA_CONSENT_REQUIRED", CONSENT_REQUIRED);
    ENV.put("TALIA_CONSENT_POLICY_VERSION", CONSENT_POLICY_VERSION);
    ENV.put("TALIA_IP_HASH_SALT", CONSENT_IP_HASH_SALT);
    ENV.put("TALIA_SESSION_IDLE_SECONDS", SESSION_IDLE_SECONDS);
    ENV.put("TALIA_SESSION_MAX_TURNS", LIMITS_SESSION_MAX_TURNS);
    ENV.put("TALIA_SESSION_MAX_TOKENS", LIMITS_SESSION_MAX_TOKENS);
    ENV.put("TALIA_DAILY_TOKEN_BUDGET", LIMITS_DAILY_TOKEN_BUDGET);
    ENV.put("TALIA_DB_URL", DB_URL);
    ENV.put("TALIA_DATA_DIR", DB_DATA_DIR);
    ENV.put("TALIA_ENGINE", ENGINE_NAME);
    ENV.put("TALIA_LEAD_DEFAULT_REGION", LEAD_DEFAULT_REGION);
    ENV.put("TALIA_OPENAI_API_KEY", OPENAI_API_KEY);
    ENV.put("TALIA_OPENAI_MODEL", OPENAI_MODEL);
    ENV.put("TALIA_OPENAI_BASE_URL", OPENAI_BASE_URL);
    ENV.put("TALIA_OPENAI_API_STYLE", OPENAI_API_STYLE);
    ENV.put("TALIA_OPENAI_ASSISTANT_ID", OPENAI_ASSISTANT_ID);
    ENV.put("TALIA_ADMIN_TOKEN", ADMIN_TOKEN);
    ENV.put("TALIA_RETENTION_DAYS", RETENTION_DAYS);
    ENV.put("TALIA_RETENTION_BATCH_SIZE", RETENTION_BATCH_SIZE);
    ENV.put("TALIA_WEBHOOK_URL", WEBHOOK_URL);
    ENV.put("TALIA_WEBHOOK_SECRET", WEBHOOK_SECRET);
    ENV.put("TALIA_WEBHOOK_EVENTS", WEBHOOK_EVENTS);
    ENV.put("TALIA_WEBHOOK_TIMEOUT_MS", WEBHOOK_TIMEOUT_MS);
    ENV.put("TALIA_WEBHOOK_MAX_ATTEMPTS", WEBHOOK_MAX_ATTEMPTS);
    ENV.put("TALIA_WEBHOOK_RETRY_BASE_DELAY_MS", WEBHOOK_RETRY_BASE_DELAY_MS);
    ENV.put("TALIA_WEBHOOK_RETENTION_HOURS", WEBHOOK_RETENTION_HOURS);
    ENV.put("TALIA_CLUSTER_MEMBERS", CLUSTER_MEMBERS);
    ENV.put("TALIA_CLUSTER_HOST", CLUSTER_HOST);
    ENV.put("TALIA_CLUSTER_PORT", CLUSTER_PORT);
    ENV.put("TALIA_CLUSTER_BUS_PORT", CLUSTER_BUS_PORT);
    ENV.put("TALIA_CLUSTER_KUBERNETES_SERVICE_DNS", CLUSTER_KUBERNETES_SERVICE_DNS);
    ENV.put("TALIA_CLUSTER_MAX_NO_HEARTBEAT_SECONDS", CLUSTER_MAX_NO_HEARTBEAT_SECONDS);
    // openai engine
    ENV.put("TALIA_OPENAI_TEMPERATURE", OPENAI_TEMPERATURE);
    ENV.put("TALIA_OPENAI_MAX_OUTPUT_TOKENS", OPENAI_MAX_OUTPUT_TOKENS);
    ENV.put("TALIA_OPENAI_STORE", OPENAI_STORE);
    ENV.put("TALIA_OPENAI_TRUNCATION", OPENAI_TRUNCATION);
    ENV.put("TALIA_OPENAI_REASONING_EFFORT", OPENAI_REASONING_EFFORT);
    ENV.put("TALIA_OPENAI_INSTRUCTIONS_FILE", OPENAI_INSTRUCTIONS_FILE);
    ENV.put("TALIA_OPENAI_TOOLS_FILE", OPENAI_TOOLS_FILE);
    ENV.put("TALIA_OPENAI_MAX_TOOL_ROUNDS", OPENAI_MAX_TOOL_ROUNDS);
    ENV.put("TALIA_OPENAI_CONNECT_TIMEOUT_MS", OPENAI_CONNECT_TIMEOUT_MS);
    ENV.put("TALIA_OPENAI_REQUEST_TIMEOUT_MS", OPENAI_REQUEST_TIMEOUT_MS);
    ENV.put("TALIA_OPENAI_FIRST_TOKEN_TIMEOUT_MS", OPENAI_FIRST_TOKEN_TIMEOUT_MS);
    ENV.put("TALIA_OPENAI_IDLE_TIMEOUT_MS", OPENAI_IDLE_TIMEOUT_MS);
    ENV.put("TALIA_OPENAI_MAX_RETRIES", OPENAI_MAX_RETRIES);
    ENV.put("TALIA_OPENAI_RETRY_BASE_DELAY_MS", OPENAI_RETRY_BASE_DELAY_MS);
    ENV.put("TALIA_OPENAI_RETRY_MAX_DELAY_MS", OPENAI_RETRY_MAX_DELAY_MS);
    ENV.put("TALIA_OPENAI_BREAKER_FAILURE_THRESHOLD", OPENAI_BREAKER_FAILURE_THRESHOLD);
    ENV.put("TALIA_OPENAI_BREAKER_RESET_TIMEOUT_MS", OPENAI_BREAKER_RESET_TIMEOUT_MS);
    ENV.put("TALIA_OPENAI_MAX_CONNECTIONS", OPENAI_MAX_CONNECTIONS);
    ENV.put("TALIA_OPENAI_EXTRA_HEADERS", OPENAI_EXTRA_HEADERS);
    ENV.put("TALIA_OPENAI_CHAT_MAX_TOKENS_PARAM", OPENAI_CHAT_MAX_TOKENS_PARAM);
    ENV.put("TALIA_OPENAI_STATE", OPENAI_STATE);
  }

  /** Keys whose values are lists; an environment value for them is a comma-separated list. */
  public static final java.util.Set<String> LIST_KEYS =
      java.util.Set.of(
          HTTP_TRUSTED_PROXIES,
          WEBCHAT_ALLOWED_ORIGINS,
          WEBCHAT_LOCALES,
          WEBHOOK_EVENTS,
          CLUSTER_MEMBERS);

  /** Keys whose values must never be logged. */
  public static final java.util.Set<String> SECRET_KEYS =
      java.util.Set.of(
          OPENAI_API_KEY,
          OPENAI_EXTRA_HEADERS,
          WEBCHAT_PUBLIC_TOKEN,
          ADMIN_TOKEN,
          CONSENT_IP_HASH_SALT,
          DB_URL,
          WEBHOOK_SECRET,
          // a receiver's URL may itself be a credential (Zapier's, Make's hook URLs are)
          WEBHOOK_URL,
          WEBHOOK_ENDPOINTS);
}
