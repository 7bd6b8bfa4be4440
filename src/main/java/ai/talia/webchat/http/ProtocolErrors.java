package ai.talia.webchat.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests broken below the API: HTTP that Netty cannot decode (a request line over {@code
 * maxInitialLineLength}, headers over {@code maxHeaderSize}, two Content-Length values, bytes that
 * are no HTTP), and paths or queries whose percent-encoding the router cannot decode. They are
 * answered with problem+json like every other error, and logged as one WARN line that names only
 * the kind of fault: never the input, never a stack trace, so a stream of them cannot flood or
 * forge log lines.
 */
final class ProtocolErrors {
  private static final Logger log = LoggerFactory.getLogger(ProtocolErrors.class);

  private ProtocolErrors() {}

  /** {@code HttpServer#invalidRequestHandler}: the server closes the connection after it. */
  static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    ApiProblem problem =
        cause instanceof TooLongHttpLineException
            ? ApiProblem.of(ProblemCode.URI_TOO_LONG, "The request line is longer than allowed")
            : cause instanceof TooLongHttpHeaderException
                ? ApiProblem.of(
                    ProblemCode.HEADERS_TOO_LARGE, "The headers are larger than allowed")
                : ApiProblem.of(ProblemCode.MALFORMED_REQUEST, "The request is not valid HTTP");
    refused(problem, cause);
    HttpServerResponse response = request.response();
    if (response.ended() || response.headWritten()) return;
    response
        .setStatusCode(problem.status())
        .putHeader("Content-Type", "application/problem+json; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Connection", "close")
        .end(problem.toJson().encode());
  }

  /**
   * The router's handler of 400, which it raises itself when a path or query has a malformed
   * percent-encoding (before any route runs, so no failure handler sees it).
   */
  static void badRequest(RoutingContext ctx) {
    ApiProblem problem =
        ApiProblem.of(
            ProblemCode.MALFORMED_REQUEST, "The path or query has a malformed percent-encoding");
    refused(problem, ctx.failure());
    Responses.problem(ctx, problem);
  }

  /** The same answer for a 400 a route's failure handler sees (the query decoded late). */
  static ApiProblem malformed(Throwable cause) {
    ApiProblem problem =
        ApiProblem.of(
            ProblemCode.MALFORMED_REQUEST, "The path or query has a malformed percent-encoding");
    refused(problem, cause);
    return problem;
  }

  /**
   * Whether a route's failure is the client's, not the gateway's: its connection closed
   * mid-request, or Netty could not decode the body it was still sending (a chunk size that is no
   * number).
   */
  static boolean fromTheClient(RoutingContext ctx, Throwable failure) {
    if (failure instanceof HttpClosedException) return true;
    if (ctx.request().isEnded()) return false;
    if (failure instanceof DecoderException) return true;
    StackTraceElement[] at = failure.getStackTrace();
    return at.length > 0 && at[0].getClassName().startsWith("io.netty.handler.codec.");
  }

  /** The answer to {@link #fromTheClient} failures (seldom seen: the connection is closing). */
  static ApiProblem clientFault(Throwable failure) {
    ApiProblem problem =
        ApiProblem.of(ProblemCode.MALFORMED_REQUEST, "The request could not be read to its end");
    if (failure instanceof HttpClosedException) log.debug("client left mid-request");
    else refused(problem, failure);
    return problem;
  }

  private static void refused(ApiProblem problem, Throwable cause) {
    log.warn(
        "request refused before the API",
        kv("status", problem.status()),
        kv("code", problem.code()),
        kv("fault", cause == null ? "unknown" : cause.getClass().getSimpleName()));
  }
}
