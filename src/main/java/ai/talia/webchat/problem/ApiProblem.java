package ai.talia.webchat.problem;

import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A failure the API answers as {@code application/problem+json} (RFC 9457): {@code {type, title,
 * status, detail, code}} plus optional extension members.
 */
public final class ApiProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String title;
  private final JsonObject extensions;
  private @Nullable Long retryAfterSeconds;

  public ApiProblem(ProblemCode problem, String detail) {
    this(problem.status, problem.code(), problem.title, detail, new JsonObject());
  }

  public ApiProblem(
      int status, String code, String title, @Nullable String detail, JsonObject extensions) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.title = title;
    this.extensions = extensions;
  }

  public static ApiProblem of(ProblemCode problem, String detail) {
    return new ApiProblem(problem, detail);
  }

  public ApiProblem with(String member, Object value) {
    extensions.put(member, value);
    return this;
  }

  public ApiProblem retryAfter(long seconds) {
    this.retryAfterSeconds = Math.max(1, seconds);
    return this;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public @Nullable Long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("type", "urn:talia:problem:" + code)
            .put("title", title)
            .put("status", status)
            .put("detail", getMessage())
            .put("code", code);
    extensions.forEach(e -> json.put(e.getKey(), e.getValue()));
    return json;
  }

  /**
   * The one translation of a failure into the problem it answers: an {@code ApiProblem} itself; one
   * carried back by the event bus ({@link ProblemReply}); a {@link ProblemSource}'s. Anything else
   * is unexpected, and {@code unexpected} says what the caller's context answers then (and logs it
   * if it should).
   */
  public static ApiProblem from(Throwable failure, Supplier<ApiProblem> unexpected) {
    if (failure instanceof ApiProblem p) return p;
    if (failure instanceof ProblemReply r) return r.problem();
    if (failure instanceof ProblemSource s) return s.toProblem();
    return unexpected.get();
  }

  /**
   * {@link #from(Throwable, Supplier)}, an unexpected failure being a 500 {@code internal_error}.
   */
  public static ApiProblem from(Throwable failure) {
    return from(
        failure,
        () -> ApiProblem.of(ProblemCode.INTERNAL_ERROR, "Unexpected error; it has been logged"));
  }

  /** The problem with its retry-after, as {@link ProblemReply}'s codec carries it. */
  JsonObject toWire() {
    JsonObject json = toJson();
    if (retryAfterSeconds != null) json.put("retry_after", retryAfterSeconds);
    return json;
  }

  static ApiProblem fromWire(JsonObject json) {
    JsonObject ext = json.copy();
    for (String k : new String[] {"type", "title", "status", "detail", "code", "retry_after"})
      ext.remove(k);
    ApiProblem p =
        new ApiProblem(
            json.getInteger("status"),
            json.getString("code"),
            json.getString("title"),
            json.getString("detail"),
            ext);
    if (json.containsKey("retry_after")) p.retryAfter(json.getLong("retry_after"));
    return p;
  }
}
