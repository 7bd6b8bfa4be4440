package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.assistant.AssistantFailure;
import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Why a call to the OpenAI API did not give what we asked for. Its {@link Kind} decides whether it
 * is retried, whether it counts against the circuit breaker and which status the turn fails with.
 * The message never holds the API key or the visitor's text: only the upstream's error type, code
 * and message.
 */
public final class UpstreamError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    CONNECTION(503, true, true),
    CONNECT_TIMEOUT(504, true, true),
    REQUEST_TIMEOUT(504, true, true),
    FIRST_TOKEN_TIMEOUT(504, false, true),
    IDLE_TIMEOUT(504, false, true),
    RATE_LIMITED(503, true, true),
    QUOTA(503, false, true),
    CONFLICT(503, true, false),
    SERVER_ERROR(503, true, true),
    AUTH(503, false, true),
    NOT_FOUND(502, false, false),
    REJECTED(502, false, false),
    BAD_RESPONSE(502, false, true),
    STREAM_CUT(502, false, true),
    STREAM_ERROR(502, false, true),
    RESPONSE_FAILED(502, false, true),
    INCOMPLETE(502, false, false),
    BREAKER_OPEN(503, false, false),
    /** Our side called the call off (its turn's user message could not be stored). */
    CALLED_OFF(503, false, false);

    final int turnStatus;
    final boolean retryable;

    /** Whether it says the upstream is unwell (counts toward opening the breaker). */
    final boolean unhealthy;

    Kind(int turnStatus, boolean retryable, boolean unhealthy) {
      this.turnStatus = turnStatus;
      this.retryable = retryable;
      this.unhealthy = unhealthy;
    }

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Pattern API_KEY_LIKE =
      Pattern.compile("\\b(sk|key|sess)-[A-Za-z0-9_*\\-.]{3,}");

  private final Kind kind;
  private final int status;
  private final @Nullable String type;
  private final @Nullable String code;
  private final @Nullable String param;
  private final @Nullable String requestId;
  private final long retryAfterMs;
  private final @Nullable Boolean shouldRetry;

  private UpstreamError(
      Kind kind,
      @Nullable String message,
      int status,
      @Nullable String type,
      @Nullable String code,
      @Nullable String param,
      @Nullable String requestId,
      long retryAfterMs,
      @Nullable Boolean shouldRetry,
      @Nullable Throwable cause) {
    super(message, cause, false, false);
    this.kind = kind;
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.requestId = requestId;
    this.retryAfterMs = retryAfterMs;
    this.shouldRetry = shouldRetry;
  }

  public static UpstreamError of(Kind kind, @Nullable String message) {
    return new UpstreamError(kind, message, 0, null, null, null, null, -1, null, null);
  }

  public static UpstreamError of(Kind kind, @Nullable String message, Throwable cause) {
    return new UpstreamError(kind, message, 0, null, null, null, null, -1, null, cause);
  }

  /**
   * An error event inside a stream ({@code error}, {@code response.failed}): code and message from
   * the upstream.
   */
  public static UpstreamError event(
      Kind kind, @Nullable String code, @Nullable String message, @Nullable String requestId) {
    return new UpstreamError(
        kind,
        message == null ? kind.tag() : message,
        0,
        null,
        code,
        null,
        requestId,
        -1,
        null,
        null);
  }

  /**
   * A failure reported inside a stream ({@code error}, {@code response.failed}, a Chat Completions
   * error chunk): {@code server_error} and {@code rate_limit_exceeded} mean what their HTTP
   * statuses mean and are retried like them (while no text reached the visitor); others are not.
   */
  static UpstreamError streamFailure(Kind kind, @Nullable String code, @Nullable String message) {
    boolean transient_ = "server_error".equals(code) || "rate_limit_exceeded".equals(code);
    return new UpstreamError(
        kind,
        message == null ? kind.tag() : message,
        0,
        null,
        code,
        null,
        null,
        -1,
        transient_ ? Boolean.TRUE : null,
        null);
  }

  /**
   * A non-2xx answer, classified from its status and the {@code
   * {"error":{message,type,param,code}}} body.
   */
  public static UpstreamError fromHttp(int status, MultiMap headers, @Nullable String body) {
    JsonObject error = errorObject(body);
    String type = error.getString("type");
    String code = stringOrNull(error.getValue("code"));
    String param = stringOrNull(error.getValue("param"));
    String message = redact(error.getString("message", "HTTP " + status));
    Kind kind =
        switch (status) {
          case 401, 403 -> Kind.AUTH;
          case 404 -> Kind.NOT_FOUND;
          case 408 -> Kind.REQUEST_TIMEOUT;
          case 409 -> Kind.CONFLICT;
          case 429 ->
              "insufficient_quota".equals(code) || "insufficient_quota".equals(type)
                  ? Kind.QUOTA
                  : Kind.RATE_LIMITED;
          default -> status >= 500 ? Kind.SERVER_ERROR : Kind.REJECTED;
        };
    String shouldRetryHeader = headers.get("x-should-retry");
    Boolean shouldRetry =
        shouldRetryHeader == null ? null : Boolean.parseBoolean(shouldRetryHeader.trim());
    return new UpstreamError(
        kind,
        message,
        status,
        type,
        code,
        param,
        headers.get("x-request-id"),
        retryAfterMs(headers),
        shouldRetry,
        null);
  }

  public static UpstreamError from(Throwable failure) {
    if (failure instanceof UpstreamError e) return e;
    return of(
        Kind.CONNECTION, failure.getClass().getSimpleName() + ": " + failure.getMessage(), failure);
  }

  /**
   * {@code retry-after-ms}, else {@code retry-after} in seconds or as an HTTP date; -1 when absent
   * or unreadable.
   */
  static long retryAfterMs(MultiMap headers) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        return Math.max(0, (long) Double.parseDouble(ms.trim()));
      } catch (NumberFormatException ignored) {
        // fall through to retry-after
      }
    }
    String after = headers.get("retry-after");
    if (after == null) return -1;
    try {
      return Math.max(0, (long) (Double.parseDouble(after.trim()) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(after.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
      } catch (RuntimeException notADate) {
        return -1;
      }
    }
  }

  /**
   * OpenAI echoes part of a wrong key in its 401 message ("sk-abc***xyz"): no fragment of a key
   * goes further.
   */
  static @Nullable String redact(@Nullable String message) {
    return message == null ? null : API_KEY_LIKE.matcher(message).replaceAll("[redacted]");
  }

  private static JsonObject errorObject(@Nullable String body) {
    if (body == null || body.isBlank()) return new JsonObject();
    try {
      JsonObject json = new JsonObject(body);
      Object error = json.getValue("error");
      if (error instanceof JsonObject e) return e;
      if (error instanceof String s) return new JsonObject().put("message", s);
      return new JsonObject();
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }

  private static @Nullable String stringOrNull(@Nullable Object v) {
    return v == null ? null : v.toString();
  }

  /** The same failure, never retried (what it happened in has already been retried). */
  UpstreamError notRetryable() {
    return new UpstreamError(
        kind, getMessage(), status, type, code, param, requestId, retryAfterMs, false, getCause());
  }

  UpstreamError withRequestId(@Nullable String id) {
    return new UpstreamError(
        kind, getMessage(), status, type, code, param, id, retryAfterMs, shouldRetry, getCause());
  }

  public Kind kind() {
    return kind;
  }

  public int status() {
    return status;
  }

  public @Nullable String type() {
    return type;
  }

  public @Nullable String code() {
    return code;
  }

  public @Nullable String param() {
    return param;
  }

  public @Nullable String requestId() {
    return requestId;
  }

  public long retryAfterMs() {
    return retryAfterMs;
  }

  /** The kind's rule, unless the upstream said otherwise with {@code x-should-retry}. */
  public boolean retryable() {
    return shouldRetry != null ? shouldRetry && kind != Kind.QUOTA : kind.retryable;
  }

  /**
   * A 404 that names the conversation (the API no longer knows it), as opposed to an unknown model.
   */
  public boolean isLostConversation(@Nullable String conversationId) {
    if (kind != Kind.NOT_FOUND) return false;
    String message = getMessage() == null ? "" : getMessage();
    return "conversation".equals(param)
        || (code != null && code.contains("conversation"))
        || (conversationId != null && message.contains(conversationId))
        || message.toLowerCase(Locale.ROOT).contains("conversation");
  }

  /**
   * A 400 saying the conversation holds a function call that never got its output (a turn died
   * between the two): the conversation cannot go on, but it can be rebuilt.
   */
  public boolean isStuckConversation() {
    return kind == Kind.REJECTED
        && status == 400
        && getMessage() != null
        && getMessage().toLowerCase(Locale.ROOT).contains("no tool output found");
  }

  public AssistantFailure toFailure() {
    return new AssistantFailure(kind.turnStatus, AssistantFailure.UNAVAILABLE, describe(), this);
  }

  /** For logs and problem details: kind, status, type and code, never a secret or visitor text. */
  public String describe() {
    StringBuilder s = new StringBuilder("OpenAI ").append(kind.tag());
    if (status > 0) s.append(" (HTTP ").append(status).append(')');
    if (code != null) s.append(" code=").append(code);
    else if (type != null) s.append(" type=").append(type);
    return s.toString();
  }
}
