package ai.talia.webchat.assistant.openai;

import java.util.function.LongSupplier;

/**
 * A small closed → open → half-open breaker shared by every turn of the engine. It opens after
 * {@code failureThreshold} unhealthy outcomes in a row, refuses calls for {@code resetTimeoutMs},
 * then lets one trial call through: its success closes the breaker, its failure opens it again. A
 * trial that reports nothing within another reset period frees the slot for the next one.
 */
public final class CircuitBreaker {

  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private final int failureThreshold;
  private final long resetTimeoutNanos;
  private final LongSupplier nanoClock;

  private State state = State.CLOSED;
  private int consecutiveFailures;
  private long openedAt;
  private long trialStartedAt;
  private boolean trialInFlight;

  public CircuitBreaker(int failureThreshold, long resetTimeoutMs) {
    this(failureThreshold, resetTimeoutMs, System::nanoTime);
  }

  CircuitBreaker(int failureThreshold, long resetTimeoutMs, LongSupplier nanoClock) {
    this.failureThreshold = Math.max(1, failureThreshold);
    this.resetTimeoutNanos = resetTimeoutMs * 1_000_000L;
    this.nanoClock = nanoClock;
  }

  /** Whether a call may go out now; in half-open state only the one trial call may. */
  public synchronized boolean tryAcquire() {
    long now = nanoClock.getAsLong();
    advance(now);
    return switch (state) {
      case CLOSED -> true;
      case HALF_OPEN -> {
        if (trialInFlight && now - trialStartedAt < resetTimeoutNanos) yield false;
        trialInFlight = true;
        trialStartedAt = now;
        yield true;
      }
      default -> false;
    };
  }

  public synchronized void onSuccess() {
    state = State.CLOSED;
    consecutiveFailures = 0;
    trialInFlight = false;
  }

  public synchronized void onFailure() {
    long now = nanoClock.getAsLong();
    advance(now);
    consecutiveFailures++;
    if (state == State.HALF_OPEN || consecutiveFailures >= failureThreshold) {
      state = State.OPEN;
      openedAt = now;
      trialInFlight = false;
    }
  }

  public synchronized State state() {
    advance(nanoClock.getAsLong());
    return state;
  }

  private void advance(long now) {
    if (state == State.OPEN && now - openedAt >= resetTimeoutNanos) {
      state = State.HALF_OPEN;
      trialInFlight = false;
    }
  }
}
