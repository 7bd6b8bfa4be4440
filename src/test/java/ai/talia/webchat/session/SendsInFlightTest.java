package ai.talia.webchat.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The idempotent intake alone: futures completed by hand, no Vert.x instance. */
class SendsInFlightTest {
  private final SendsInFlight<Promise<String>> intake = new SendsInFlight<>();
  private final AtomicInteger started = new AtomicInteger();

  private Future<Promise<String>> join(String clientMessageId) {
    return intake.join(
        clientMessageId,
        () -> {
          started.incrementAndGet();
          return Future.succeededFuture(Promise.<String>promise());
        },
        Promise::future);
  }

  @Test
  void a_duplicate_joins_the_send_in_flight_until_its_turn_is_over() {
    Future<Promise<String>> first = join("m1");
    assertThat(join("m1")).isSameAs(first);
    assertThat(started).hasValue(1);
    assertThat(intake.isEmpty()).isFalse();

    join("m2");
    assertThat(started).hasValue(2);

    first.result().complete("reply");
    assertThat(join("m1")).isNotSameAs(first);
    assertThat(started).hasValue(3);
  }

  @Test
  void a_send_whose_turn_failed_or_that_was_refused_is_no_longer_in_flight() {
    join("m1").result().fail("turn failed");
    Future<Promise<String>> refused =
        intake.join("m2", () -> Future.failedFuture("refused"), Promise::future);
    assertThat(refused.failed()).isTrue();
    assertThat(intake.isEmpty()).isTrue();
  }
}
