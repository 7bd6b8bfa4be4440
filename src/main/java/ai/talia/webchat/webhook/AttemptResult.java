package ai.talia.webchat.webhook;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What one POST to an endpoint came to.
 *
 * @param statusCode the receiver's status, or null when it never answered
 * @param error why there was no answer ({@code timeout}, {@code connection_refused}, ...), or null
 * @param retryAfter the receiver's {@code Retry-After}, or null
 */
public record AttemptResult(
    @Nullable Integer statusCode,
    @Nullable String error,
    Duration duration,
    @Nullable Duration retryAfter) {

  public boolean delivered() {
    return statusCode != null && statusCode >= 200 && statusCode < 300;
  }

  /** 410 Gone: the receiver says it wants no more webhooks (Standard Webhooks): no retry. */
  public boolean gone() {
    return statusCode != null && statusCode == 410;
  }

  /** For the attempt's record and the logs: the status, or the error. */
  public String describe() {
    return statusCode != null ? "HTTP " + statusCode : String.valueOf(error);
  }
}
