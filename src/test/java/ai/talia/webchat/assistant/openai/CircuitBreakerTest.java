package ai.talia.webchat.assistant.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private final AtomicLong nanos = new AtomicLong();
  private final CircuitBreaker breaker = new CircuitBreaker(3, 1000, nanos::get);

  private void advanceMs(long ms) {
    nanos.addAndGet(ms * 1_000_000);
  }

  @Test
  void opens_after_consecutive_failures_only() {
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    breaker.onFailure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.tryAcquire()).isFalse();
  }

  @Test
  void half_open_lets_one_trial_through_whose_outcome_decides() {
    for (int i = 0; i < 3; i++) breaker.onFailure();
    advanceMs(999);
    assertThat(breaker.tryAcquire()).isFalse();
    advanceMs(1);
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.tryAcquire()).as("only one trial at a time").isFalse();
    breaker.onFailure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);

    advanceMs(1000);
    assertThat(breaker.tryAcquire()).isTrue();
    breaker.onSuccess();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.tryAcquire()).isTrue();
  }

  @Test
  void a_trial_that_never_reports_frees_its_slot_after_a_reset_period() {
    for (int i = 0; i < 3; i++) breaker.onFailure();
    advanceMs(1000);
    assertThat(breaker.tryAcquire()).isTrue();
    advanceMs(500);
    assertThat(breaker.tryAcquire()).isFalse();
    advanceMs(500);
    assertThat(breaker.tryAcquire()).isTrue();
  }
}
