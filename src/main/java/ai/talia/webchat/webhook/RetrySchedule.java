package ai.talia.webchat.webhook;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * When a failed attempt is tried again: exponential backoff from the base delay, doubling per
 * attempt, with "equal jitter" (the delay is between half and all of the exponential step, so
 * receivers that failed together are not retried together), capped at the maximum. A {@code
 * Retry-After} the receiver sent wins, capped the same way.
 */
public final class RetrySchedule {
  private final Duration base;
  private final Duration max;
  private final int maxAttempts;
  private final DoubleSupplier random;

  public RetrySchedule(Duration base, Duration max, int maxAttempts, DoubleSupplier random) {
    this.base = base;
    this.max = max;
    this.maxAttempts = maxAttempts;
    this.random = random;
  }

  public static RetrySchedule of(WebhookSettings settings) {
    return new RetrySchedule(
        settings.retryBaseDelay(),
        settings.retryMaxDelay(),
        settings.maxAttempts(),
        () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Whether a delivery that has now had {@code attempts} attempts may have another. */
  public boolean allowsAnother(int attempts) {
    return attempts < maxAttempts;
  }

  /**
   * The wait after the {@code attempt}-th failed attempt (1 for the first).
   *
   * @param retryAfter what the receiver asked for, or null
   */
  public Duration delayAfter(int attempt, @Nullable Duration retryAfter) {
    if (retryAfter != null) return retryAfter.compareTo(max) > 0 ? max : retryAfter;
    long step = base.toMillis();
    for (int i = 1; i < attempt && step < max.toMillis(); i++) step *= 2;
    step = Math.min(step, max.toMillis());
    long half = step / 2;
    return Duration.ofMillis(half + (long) (random.getAsDouble() * (step - half)));
  }

  /**
   * A {@code Retry-After} value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent
   * or unreadable.
   */
  public static @Nullable Duration parseRetryAfter(@Nullable String value, Instant now) {
    if (value == null || value.isBlank()) return null;
    String v = value.trim();
    if (v.chars().allMatch(Character::isDigit)) {
      try {
        return Duration.ofSeconds(Long.parseLong(v));
      } catch (NumberFormatException tooLong) {
        return null;
      }
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
    } catch (DateTimeParseException notADate) {
      return null;
    }
  }
}
