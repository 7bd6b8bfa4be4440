package ai.talia.webchat.session;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * How routers talk to session actors: a command goes straight to {@code webchat.session.<id>}; when
 * no actor is there (never started, or passivated) the directory activates one and the command is
 * sent again.
 */
public final class SessionGateway {
  private static final int ATTEMPTS = 4;
  private final Vertx vertx;
  private final long replyTimeoutMs;

  public SessionGateway(Vertx vertx, long replyTimeoutMs) {
    this.vertx = vertx;
    this.replyTimeoutMs = replyTimeoutMs;
  }

  public Future<JsonObject> request(String sessionId, JsonObject command) {
    return attempt(sessionId, command, 1);
  }

  private Future<JsonObject> attempt(String sessionId, JsonObject command, int attempt) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(replyTimeoutMs);
    return vertx
        .eventBus()
        .<JsonObject>request(Addresses.session(sessionId), command, options)
        .map(reply -> reply.body())
        .recover(
            failure -> {
              if (needsActivation(failure) && attempt < ATTEMPTS) {
                return activate(sessionId).compose(v -> attempt(sessionId, command, attempt + 1));
              }
              return Future.failedFuture(toProblem(failure));
            });
  }

  private Future<Void> activate(String sessionId) {
    return vertx
        .eventBus()
        .request(
            Addresses.SESSION_ACTIVATE,
            new JsonObject().put("session_id", sessionId),
            new DeliveryOptions().setSendTimeout(30_000).setLocalOnly(true))
        .<Void>mapEmpty()
        .recover(failure -> Future.failedFuture(toProblem(failure)));
  }

  private static boolean needsActivation(Throwable failure) {
    return failure instanceof ReplyException re
        && (re.failureType() == ReplyFailure.NO_HANDLERS
            || (re.failureType() == ReplyFailure.RECIPIENT_FAILURE
                && re.failureCode() == SessionCommands.RETRY_ELSEWHERE));
  }

  static ApiProblem toProblem(Throwable failure) {
    if (failure instanceof ApiProblem p) return p;
    if (failure instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE
          && re.getMessage() != null
          && re.getMessage().startsWith("{")) {
        return ApiProblem.decode(re.failureCode(), re.getMessage());
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return new ApiProblem(
            504,
            ProblemCode.ASSISTANT_UNAVAILABLE.code(),
            ProblemCode.ASSISTANT_UNAVAILABLE.title,
            "The reply took too long; it will appear in the history, or resend the same client_message_id",
            new JsonObject());
      }
    }
    return ApiProblem.of(
        ProblemCode.ASSISTANT_UNAVAILABLE, "The session could not be reached; resend to retry");
  }
}
