package ai.talia.webchat.http;

import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;

/** The socket's settings ({@code stream.*}), read and checked once at start. */
public record StreamSettings(
    long helloTimeoutMillis,
    long joinTimeoutMillis,
    long pingIntervalMillis,
    int readIdleSeconds,
    int maxMessageBytes,
    int writeQueueMaxBytes,
    int maxSocketsPerAddress) {

  public static StreamSettings fromConfig(TaliaConfig config) {
    return new StreamSettings(
        HttpSettings.seconds(config, ConfigKeys.STREAM_HELLO_TIMEOUT_SECONDS),
        HttpSettings.seconds(config, ConfigKeys.STREAM_JOIN_TIMEOUT_SECONDS),
        HttpSettings.seconds(config, ConfigKeys.STREAM_PING_INTERVAL_SECONDS),
        Check.atLeast(config, ConfigKeys.STREAM_READ_IDLE_SECONDS, 0),
        Check.atLeast(config, ConfigKeys.STREAM_MAX_MESSAGE_BYTES, 1),
        Check.atLeast(config, ConfigKeys.STREAM_WRITE_QUEUE_MAX_BYTES, 1),
        Check.atLeast(config, ConfigKeys.STREAM_MAX_SOCKETS_PER_ADDRESS, 0));
  }
}
