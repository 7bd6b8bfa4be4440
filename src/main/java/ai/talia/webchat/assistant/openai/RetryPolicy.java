package ai.talia.webchat.assistant.openai;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a call on the failures {@link UpstreamError#retryable()} names (429 rate limit, 408, 409,
 * 5xx, connection errors), with exponential backoff and jitter, honouring {@code retry-after}. It
 * stops as soon as {@code mayRetry} says no (text already reached the visitor, or the breaker
 * opened), and does not wait longer than {@code maxDelayMs}: a longer {@code retry-after} ends the
 * turn instead.
 */
final class RetryPolicy {
  private static final Logger log = LoggerFactory.getLogger(RetryPolicy.class);

  private final Vertx vertx;
  private final int maxRetries;
  private final long baseDelayMs;
  private final long maxDelayMs;
  private final OpenAiMetrics metrics;

  RetryPolicy(
      Vertx vertx, int maxRetries, long baseDelayMs, long maxDelayMs, OpenAiMetrics metrics) {
    this.vertx = vertx;
    this.maxRetries = maxRetries;
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.metrics = metrics;
  }

  <T> Future<T> run(String operation, Supplier<Future<T>> call, BooleanSupplier mayRetry) {
    return attempt(operation, call, mayRetry, 0);
  }

  private <T> Future<T> attempt(
      String operation, Supplier<Future<T>> call, BooleanSupplier mayRetry, int retriesDone) {
    return call.get()
        .recover(
            failure -> {
              UpstreamError error = UpstreamError.from(failure);
              if (!error.retryable() || retriesDone >= maxRetries || !mayRetry.getAsBoolean()) {
                return Future.failedFuture(error);
              }
              long delay = delayMs(retriesDone, error.retryAfterMs());
              if (delay < 0) {
                log.warn(
                    "not retrying: upstream asks to wait longer than allowed",
                    kv("operation", operation),
                    kv("retry_after_ms", error.retryAfterMs()),
                    kv("max_delay_ms", maxDelayMs));
                return Future.failedFuture(error);
              }
              metrics.retry(error.kind());
              log.info(
                  "retrying OpenAI call",
                  kv("operation", operation),
                  kv("attempt", retriesDone + 2),
                  kv("kind", error.kind().tag()),
                  kv("delay_ms", delay));
              return vertx
                  .timer(delay)
                  .compose(v -> attempt(operation, call, mayRetry, retriesDone + 1));
            });
  }

  /**
   * The wait before retry number {@code retriesDone + 1}; -1 when the upstream asks for more than
   * we allow.
   */
  long delayMs(int retriesDone, long retryAfterMs) {
    if (retryAfterMs >= 0) return retryAfterMs <= maxDelayMs ? retryAfterMs : -1;
    long exponential = Math.min(maxDelayMs, baseDelayMs << Math.min(retriesDone, 20));
    // "Equal jitter": at least half the backoff, so concurrent turns spread out but still wait.
    return exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1);
  }
}
