package ai.talia.webchat.problem;

import io.vertx.core.json.JsonObject;

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
  private Long retryAfterSeconds;

  public ApiProblem(ProblemCode problem, String detail) {
    this(problem.status, problem.code(), problem.title, detail, new JsonObject());
  }

  public ApiProblem(int status, String code, String title, String detail, JsonObject extensions) {
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

  public Long retryAfterSeconds() {
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

  /** Carried over the event bus as the failure message of a {@code ReplyException}. */
  public String encode() {
    JsonObject json = toJson();
    if (retryAfterSeconds != null) json.put("retry_after", retryAfterSeconds);
    return json.encode();
  }

  public static ApiProblem decode(int status, String encoded) {
    try {
      JsonObject json = new JsonObject(encoded);
      JsonObject ext = json.copy();
      for (String k : new String[] {"type", "title", "status", "detail", "code", "retry_after"})
        ext.remove(k);
      ApiProblem p =
          new ApiProblem(
              status,
              json.getString("code"),
              json.getString("title"),
              json.getString("detail"),
              ext);
      if (json.containsKey("retry_after")) p.retryAfter(json.getLong("retry_after"));
      return p;
    } catch (RuntimeException notOurs) {
      return new ApiProblem(ProblemCode.INTERNAL_ERROR, "Unexpected internal failure");
    }
  }
}
