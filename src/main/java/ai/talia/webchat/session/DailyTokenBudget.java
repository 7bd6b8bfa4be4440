package ai.talia.webchat.session;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The gateway's daily model-token budget ({@code limits.dailyTokenBudget}; 0 = unlimited), reset at
 * midnight UTC. A turn may start while the day's total is under the limit ({@link #tryReserve()});
 * its tokens are counted when it ends ({@link #record(long)}), so the last turn of a day may
 * overshoot by one turn's tokens. Thread-safe: one budget serves every session actor of a JVM; with
 * several JVMs each keeps its own, so the cluster's budget is this limit per JVM.
 */
public final class DailyTokenBudget {
  private final long limit;
  private final Clock clock;
  private LocalDate day;
  private long used;

  public DailyTokenBudget(TaliaConfig config) {
    this(config.longValue(ConfigKeys.LIMITS_DAILY_TOKEN_BUDGET, 0), Clock.systemUTC());
  }

  public DailyTokenBudget(long limit, Clock clock) {
    if (limit < 0)
      throw new IllegalArgumentException(
          "limits.dailyTokenBudget must be 0 (unlimited) or more, got " + limit);
    this.limit = limit;
    this.clock = clock;
    this.day = today();
  }

  /** Whether a turn may start now. */
  public synchronized boolean tryReserve() {
    rollOver();
    return limit == 0 || used < limit;
  }

  /** Counts the tokens a finished turn used. */
  public synchronized void record(long tokens) {
    rollOver();
    if (tokens > 0) used += tokens;
  }

  public synchronized boolean exhausted() {
    rollOver();
    return limit > 0 && used >= limit;
  }

  public synchronized long used() {
    rollOver();
    return used;
  }

  /** Seconds until the budget starts again (next midnight UTC), at least 1. */
  public long secondsUntilReset() {
    java.time.Instant next = today().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return Math.max(1, java.time.Duration.between(clock.instant(), next).toSeconds());
  }

  public long limit() {
    return limit;
  }

  private void rollOver() {
    LocalDate now = today();
    if (!now.equals(day)) {
      day = now;
      used = 0;
    }
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
