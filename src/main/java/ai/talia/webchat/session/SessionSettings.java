package ai.talia.webchat.session;

import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;

/** A session actor's settings ({@code session.*}), read and checked once at start. */
public record SessionSettings(long idleMillis, int historyWindow, long shutdownGraceMillis) {

  public static SessionSettings fromConfig(TaliaConfig config) {
    return new SessionSettings(
        Check.atLeast(config, ConfigKeys.SESSION_IDLE_SECONDS, 1) * 1000L,
        Check.atLeast(config, ConfigKeys.SESSION_HISTORY_WINDOW, 1),
        Check.atLeast(config, ConfigKeys.SESSION_SHUTDOWN_GRACE_SECONDS, 0) * 1000L);
  }
}
