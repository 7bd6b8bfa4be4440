package ai.talia.webchat.session;

import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.FieldLimits;

/**
 * What one visitor and the whole gateway may use ({@code limits.*}), read and checked once at
 * start. {@code sessionMaxTokens} and {@code dailyTokenBudget} of 0 mean no cap.
 */
public record LimitsSettings(
    int contentMaxChars,
    int sessionQueueMax,
    int sessionMaxTurns,
    long sessionMaxTokens,
    long dailyTokenBudget,
    int sessionRateCapacity,
    int sessionRatePerMinute,
    int ipRateCapacity,
    int ipRatePerMinute) {

  public static LimitsSettings fromConfig(TaliaConfig config) {
    return new LimitsSettings(
        contentMax(config),
        Check.atLeast(config, ConfigKeys.LIMITS_SESSION_QUEUE_MAX, 0),
        Check.atLeast(config, ConfigKeys.LIMITS_SESSION_MAX_TURNS, 0),
        Check.longAtLeast(config, ConfigKeys.LIMITS_SESSION_MAX_TOKENS, 0L),
        dailyTokenBudget(config),
        Check.atLeast(config, ConfigKeys.LIMITS_SESSION_RATE_CAPACITY, 1),
        Check.atLeast(config, ConfigKeys.LIMITS_SESSION_RATE_PER_MINUTE, 1),
        Check.atLeast(config, ConfigKeys.LIMITS_IP_RATE_CAPACITY, 1),
        Check.atLeast(config, ConfigKeys.LIMITS_IP_RATE_PER_MINUTE, 1));
  }

  /** The daily budget in tokens, 0 for none. */
  static long dailyTokenBudget(TaliaConfig config) {
    long limit = config.longValue(ConfigKeys.LIMITS_DAILY_TOKEN_BUDGET);
    if (limit < 0)
      throw new IllegalArgumentException(
          "limits.dailyTokenBudget must be 0 (unlimited) or more, got " + limit);
    return limit;
  }

  /**
   * {@code limits.contentMaxChars}, in UTF-16 code units like every limit; refused at start above
   * {@link FieldLimits#VISITOR_CONTENT}.
   */
  private static int contentMax(TaliaConfig config) {
    int max = config.integer(ConfigKeys.LIMITS_CONTENT_MAX_CHARS);
    if (max < 1 || max > FieldLimits.VISITOR_CONTENT)
      throw new IllegalArgumentException(
          ConfigKeys.LIMITS_CONTENT_MAX_CHARS
              + " must be from 1 to "
              + FieldLimits.VISITOR_CONTENT
              + "; it is "
              + max);
    return max;
  }
}
