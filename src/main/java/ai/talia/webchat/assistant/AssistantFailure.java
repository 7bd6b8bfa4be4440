package ai.talia.webchat.assistant;

/**
 * A turn that produced no reply. {@code httpStatus} is what the API answers (502 bad upstream
 * answer, 503 unavailable or circuit open, 504 timed out); {@code code} is the problem code,
 * {@code assistant_unavailable} unless a cost cap answered first.
 */
public final class AssistantFailure extends RuntimeException {
  public static final String UNAVAILABLE = "assistant_unavailable";

  private final int httpStatus;
  private final String code;

  public AssistantFailure(int httpStatus, String code, String detail, Throwable cause) {
    super(detail, cause, false, false);
    this.httpStatus = httpStatus;
    this.code = code;
  }

  public static AssistantFailure unavailable(String detail) {
    return new AssistantFailure(503, UNAVAILABLE, detail, null);
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String code() {
    return code;
  }
}
