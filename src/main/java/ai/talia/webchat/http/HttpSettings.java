package ai.talia.webchat.http;

import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import java.util.List;

/** The HTTP server's settings ({@code http.*}), read and checked once at start. */
public record HttpSettings(
    String host,
    int port,
    int idleTimeoutSeconds,
    int bodyLimitBytes,
    List<String> trustedProxies,
    int routerInstances,
    long replyTimeoutMillis,
    long headerTimeoutMillis,
    long bodyTimeoutMillis,
    int maxConnectionsPerAddress) {

  public HttpSettings {
    trustedProxies = List.copyOf(trustedProxies);
  }

  public static HttpSettings fromConfig(TaliaConfig config) {
    return new HttpSettings(
        config.requiredString(ConfigKeys.HTTP_HOST),
        Check.between(ConfigKeys.HTTP_PORT, config.integer(ConfigKeys.HTTP_PORT), 0, 65_535),
        Check.atLeast(config, ConfigKeys.HTTP_IDLE_TIMEOUT_SECONDS, 0),
        Check.atLeast(config, ConfigKeys.HTTP_BODY_LIMIT_BYTES, 1),
        config.list(ConfigKeys.HTTP_TRUSTED_PROXIES),
        Check.atLeast(config, ConfigKeys.HTTP_ROUTER_INSTANCES, 0),
        seconds(config, ConfigKeys.HTTP_REPLY_TIMEOUT_SECONDS),
        seconds(config, ConfigKeys.HTTP_HEADER_TIMEOUT_SECONDS),
        seconds(config, ConfigKeys.HTTP_BODY_TIMEOUT_SECONDS),
        Check.atLeast(config, ConfigKeys.HTTP_MAX_CONNECTIONS_PER_ADDRESS, 0));
  }

  /** A positive number of seconds, in milliseconds. */
  static long seconds(TaliaConfig config, ConfigKeys key) {
    return Check.atLeast(config, key, 1) * 1000L;
  }
}
