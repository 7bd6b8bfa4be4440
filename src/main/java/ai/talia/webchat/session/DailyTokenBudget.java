package ai.talia.webchat.session;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's daily model-token budget ({@code limits.dailyTokenBudget}; 0 = unlimited), reset at
 * midnight UTC. A turn may start while the day's total is under the limit ({@link #tryReserve()});
 * its tokens are counted when it ends ({@link #record(long)}), so the last turn of a day may
 * overshoot by one turn's tokens. Thread-safe: one budget serves every session actor of a JVM. In a
 * cluster the day's count is kept cluster-wide as well ({@link TokenLedger}): every second ({@link
 * #refresh()}) each JVM adds the tokens its turns used since and reads the cluster's total back, so
 * the limit holds for the whole cluster, overshot at most by what the other nodes' turns used
 * within that second. (Tokens of a day's last second that were not sent yet are not carried into
 * the next day.)
 */
public final class DailyTokenBudget {
  private final long limit;
  private final Clock clock;
  private final @Nullable TokenLedger ledger;
  private LocalDate day;
  private long used;

  /** Tokens counted here and not yet added to the ledger. */
  private long unsent;

  /** The day's count kept cluster-wide: adds to a day's total and answers the new total. */
  public interface TokenLedger {
    /** Adds {@code tokens} (0 to read) to {@code day}'s total; completes with the new total. */
    Future<Long> add(LocalDate day, long tokens);
  }

  public DailyTokenBudget(LimitsSettings limits, @Nullable TokenLedger ledger) {
    this(limits.dailyTokenBudget(), Clock.systemUTC(), ledger);
  }

  public DailyTokenBudget(long limit, Clock clock) {
    this(limit, clock, null);
  }

  public DailyTokenBudget(long limit, Clock clock, @Nullable TokenLedger ledger) {
    if (limit < 0)
      throw new IllegalArgumentException(
          "limits.dailyTokenBudget must be 0 (unlimited) or more, got " + limit);
    this.limit = limit;
    this.clock = clock;
    this.ledger = ledger;
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
    if (tokens <= 0) return;
    used += tokens;
    if (ledger != null) unsent += tokens;
  }

  /** Reads the cluster's total for today (a no-op alone); the gateway calls it every second. */
  public Future<Void> refresh() {
    if (ledger == null) return Future.succeededFuture();
    LocalDate today;
    long sending;
    synchronized (this) {
      rollOver();
      today = day;
      sending = unsent;
      unsent = 0;
    }
    return ledger
        .add(today, sending)
        .onFailure(
            err -> {
              synchronized (this) {
                if (today.equals(day)) unsent += sending;
              }
            })
        .map(total -> merge(today, total))
        .mapEmpty();
  }

  /** Counts only grow within a day: the larger of ours and the cluster's is the truth. */
  private synchronized long merge(LocalDate of, long total) {
    rollOver();
    if (of.equals(day) && total > used) used = total;
    return used;
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
    Instant next = today().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return Math.max(1, Duration.between(clock.instant(), next).toSeconds());
  }

  public long limit() {
    return limit;
  }

  private void rollOver() {
    LocalDate now = today();
    if (!now.equals(day)) {
      day = now;
      used = 0;
      unsent = 0;
    }
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
