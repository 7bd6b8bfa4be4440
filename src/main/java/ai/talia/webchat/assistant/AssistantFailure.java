package ai.talia.webchat.assistant;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.problem.ProblemSource;
import io.vertx.core.json.JsonObject;
import org.jspecify.annotations.Nullable;

/**
 * A turn that produced no reply. {@code httpStatus} is what the API answers (502 bad upstream
 * answer, 503 unavailable or circuit open, 504 timed out); {@code code} is the problem code, {@code
 * assistant_unavailable} unless a cost cap answered first. {@code tokensUsed} is what the model had
 * already billed for the turn (e.g. a tool-call round before the failing one): it counts against
 * the session's and the day's allowance like a reply's.
 */
public final class AssistantFailure extends RuntimeException implements ProblemSource {
  private static final long serialVersionUID = 1L;

  public static final String UNAVAILABLE = ProblemCode.ASSISTANT_UNAVAILABLE.code();

  private final int httpStatus;
  private final String code;
  private final long tokensUsed;

  public AssistantFailure(
      int httpStatus, String code, @Nullable String detail, @Nullable Throwable cause) {
    this(httpStatus, code, detail, cause, 0);
  }

  private AssistantFailure(
      int httpStatus,
      String code,
      @Nullable String detail,
      @Nullable Throwable cause,
      long tokensUsed) {
    super(detail, cause, false, false);
    this.httpStatus = httpStatus;
    this.code = code;
    this.tokensUsed = tokensUsed;
  }

  public AssistantFailure withTokensUsed(long tokens) {
    return new AssistantFailure(httpStatus, code, getMessage(), getCause(), tokens);
  }

  public long tokensUsed() {
    return tokensUsed;
  }

  public static AssistantFailure unavailable(String detail) {
    return new AssistantFailure(
        ProblemCode.ASSISTANT_UNAVAILABLE.status, UNAVAILABLE, detail, null);
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String code() {
    return code;
  }

  /** The answer to the turn's message: resending the same {@code client_message_id} retries it. */
  @Override
  public ApiProblem toProblem() {
    ProblemCode known = ProblemCode.fromCode(code);
    return new ApiProblem(
        httpStatus,
        code,
        known != null ? known.title : "The assistant could not answer",
        getMessage() + "; resend the same client_message_id to retry",
        new JsonObject());
  }
}
