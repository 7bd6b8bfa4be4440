package ai.talia.webchat.session;

import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;

/**
 * A session actor's settings ({@code session.*}), read and checked once at start.
 *
 * @param modelBeforeCommit whether a turn's model request may go out while its user message's
 *     insert is in flight (nothing of the reply is shown or stored before the commit)
 */
public record SessionSettings(
    long idleMillis, int historyWindow, long shutdownGraceMillis, boolean modelBeforeCommit) {

  public static SessionSettings fromConfig(TaliaConfig config) {
    return new SessionSettings(
        Check.atLeast(config, ConfigKeys.SESSION_IDLE_SECONDS, 1) * 1000L,
        Check.atLeast(config, ConfigKeys.SESSION_HISTORY_WINDOW, 1),
        Check.atLeast(config, ConfigKeys.SESSION_SHUTDOWN_GRACE_SECONDS, 0) * 1000L,
        config.bool(ConfigKeys.SESSION_MODEL_BEFORE_COMMIT));
  }
}
