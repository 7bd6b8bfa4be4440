package ai.talia.webchat.problem;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The stable machine codes of problem+json answers (SPEC §4), each with its HTTP status and title.
 */
public enum ProblemCode {
  INVALID_JSON(400, "The body is not valid JSON"),
  MALFORMED_REQUEST(400, "The request could not be read"),
  VALIDATION_FAILED(422, "The request is not valid"),
  UNAUTHORIZED(401, "Missing or wrong credentials"),
  ORIGIN_NOT_ALLOWED(403, "This origin may not use the webchat"),
  CONSENT_REQUIRED(403, "Consent is required before chatting"),
  SESSION_NOT_FOUND(404, "No such session"),
  NOT_FOUND(404, "No such resource"),
  METHOD_NOT_ALLOWED(405, "Method not allowed on this resource"),
  PAYLOAD_TOO_LARGE(413, "The request body is too large"),
  URI_TOO_LONG(414, "The request URI is too long"),
  HEADERS_TOO_LARGE(431, "The request headers are too large"),
  RATE_LIMITED(429, "Too many requests"),
  SESSION_BUSY(429, "Too many messages are waiting in this session"),
  TURN_LIMIT_REACHED(429, "This session reached its limit of turns"),
  TOKEN_LIMIT_REACHED(429, "This session used up its assistant tokens"),
  DAILY_BUDGET_EXHAUSTED(503, "The assistant's daily budget is spent"),
  ASSISTANT_UNAVAILABLE(503, "The assistant is unavailable"),
  INTERNAL_ERROR(500, "Unexpected error");

  public final int status;
  public final String title;

  ProblemCode(int status, String title) {
    this.status = status;
    this.title = title;
  }

  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static @Nullable ProblemCode fromCode(@Nullable String code) {
    for (ProblemCode c : values()) if (c.code().equals(code)) return c;
    return null;
  }
}
