package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The gateway's daily model-token budget ({@code openai.dailyTokenBudget}; 0 = unlimited), reset at
 * midnight UTC. A turn may start while the day's total is under the limit ({@link #tryReserve()});
 * its tokens are counted when it ends ({@link #record(long)}), so the last turn of a day may
 * overshoot by one turn's tokens. Thread-safe: one budget serves every event loop.
 */
public final class DailyTokenBudget {
  private final long limit;
  private final Clock clock;
  private LocalDate day;
  private long used;

  public DailyTokenBudget(TaliaConfig config) {
    this(config.integer(ConfigKeys.OPENAI_DAILY_TOKEN_BUDGET, 0), Clock.systemUTC());
  }

  public DailyTokenBudget(long limit, Clock clock) {
    if (limit < 0) throw new IllegalArgumentException("openai.dailyTokenBudget must be 0 (unlimited) or more, got " + limit);
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
