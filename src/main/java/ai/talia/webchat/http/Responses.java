package ai.talia.webchat.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes JSON and problem+json answers (also for the admin API's handlers). */
public final class Responses {
  private static final Logger log = LoggerFactory.getLogger(Responses.class);

  private Responses() {}

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) return;
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  public static void problem(RoutingContext ctx, ApiProblem problem) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) return;
    if (response.headWritten()) {
      response.reset();
      return;
    }
    if (problem.retryAfterSeconds() != null)
      response.putHeader("Retry-After", String.valueOf(problem.retryAfterSeconds()));
    response
        .setStatusCode(problem.status())
        .putHeader("Content-Type", "application/problem+json; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(problem.toJson().encode());
  }

  /**
   * Sends a file packaged with the gateway. Vert.x reports a missing or unreadable file only
   * through the returned future, with nothing written: left unhandled, the request would hang until
   * the client gave up. A missing file is a 404 (a build without the npm step has no admin page),
   * anything else the usual 500.
   */
  static void packagedFile(RoutingContext ctx, String contentType, String path) {
    ctx.response()
        .putHeader("Content-Type", contentType)
        .sendFile(path)
        .onFailure(
            failure -> {
              if (isMissingFile(failure)) {
                log.warn("packaged file missing", kv("file", path));
                ctx.fail(404);
              } else {
                ctx.fail(failure);
              }
            });
  }

  private static boolean isMissingFile(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof java.io.FileNotFoundException
          || t instanceof java.nio.file.NoSuchFileException) return true;
    }
    return false;
  }

  /** The router's failure handler: every failure becomes problem+json, never a stack trace. */
  static void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    ApiProblem problem;
    if (failure == null || failure instanceof HttpException) {
      int status = failure == null ? ctx.statusCode() : ((HttpException) failure).getStatusCode();
      problem =
          switch (status) {
            case 413 ->
                ApiProblem.of(ProblemCode.PAYLOAD_TOO_LARGE, "The body is larger than the limit");
            case 404 ->
                ApiProblem.of(ProblemCode.NOT_FOUND, "No resource at " + ctx.request().path());
            case 405 ->
                ApiProblem.of(
                    ProblemCode.METHOD_NOT_ALLOWED,
                    ctx.request().method() + " is not allowed here");
            case 400 -> ProtocolErrors.malformed(failure);
            case 401 -> ApiProblem.of(ProblemCode.UNAUTHORIZED, "Credentials are missing or wrong");
            case 403 ->
                ApiProblem.of(
                    ProblemCode.ORIGIN_NOT_ALLOWED, "This origin may not use the webchat");
            default ->
                status >= 400 && status < 500
                    ? new ApiProblem(
                        status,
                        "bad_request",
                        "Bad request",
                        "The request was refused",
                        new JsonObject())
                    : unexpected(ctx, failure);
          };
    } else if (!(failure instanceof ApiProblem) && ProtocolErrors.fromTheClient(ctx, failure)) {
      problem = ProtocolErrors.clientFault(failure);
    } else if (failure instanceof DecodeException) {
      problem = ApiProblem.of(ProblemCode.INVALID_JSON, "The body is not valid JSON");
    } else {
      problem = ApiProblem.from(failure, () -> unexpected(ctx, failure));
    }
    problem(ctx, problem);
  }

  private static ApiProblem unexpected(RoutingContext ctx, Throwable failure) {
    log.error(
        "unexpected failure",
        kv("path", ctx.request().path()),
        kv("method", ctx.request().method().name()),
        failure);
    return ApiProblem.of(ProblemCode.INTERNAL_ERROR, "Unexpected error; it has been logged");
  }
}
