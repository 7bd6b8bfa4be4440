package ai.talia.webchat.http;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.session.LimitsSettings;
import ai.talia.webchat.session.SessionCommand;
import ai.talia.webchat.session.SessionGateway;
import ai.talia.webchat.session.SessionReply;
import ai.talia.webchat.store.FieldLimits;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The one path of a visitor message into its session, shared by {@code POST /messages} and the
 * socket: field checks, the per-session rate limit, then the session actor (which applies
 * idempotency, consent, the turn cap and the queue bound).
 */
final class MessageIntake {
  private final WebchatSettings webchat;
  private final RateLimits sessionLimits;
  private final SessionGateway sessions;
  private final int contentMax;

  MessageIntake(
      WebchatSettings webchat,
      LimitsSettings limits,
      RateLimits sessionLimits,
      SessionGateway sessions) {
    this.webchat = webchat;
    this.contentMax = limits.contentMaxChars();
    this.sessionLimits = sessionLimits;
    this.sessions = sessions;
  }

  record Checked(String content, @Nullable String locale, String clientMessageId) {}

  /**
   * Checks {@code content}, {@code locale} and {@code client_message_id} of a body or frame, adding
   * to {@code checks}, and throws their 422 if any check failed.
   */
  Checked check(RequestBodies.Checks checks, JsonObject body) {
    String content = checks.string(body, "content", true, 1, contentMax);
    // No locale in the message: the session's own locale applies (the actor knows it).
    String locale = body.getValue("locale") == null ? null : Locales.checked(webchat, checks, body);
    String clientMessageId =
        checks.string(body, "client_message_id", false, 1, FieldLimits.CLIENT_MESSAGE_ID);
    checks.orThrow();
    return new Checked(
        Objects.requireNonNull(content, "content passed its checks"),
        locale,
        clientMessageId != null ? clientMessageId : UUID.randomUUID().toString());
  }

  Future<SessionReply.Sent> send(String sessionId, Checked message, boolean async) {
    return sessionLimits
        .tryTake(sessionId)
        .compose(
            wait ->
                wait > 0
                    ? Future.failedFuture(
                        ApiProblem.of(ProblemCode.RATE_LIMITED, "Too many messages in this session")
                            .retryAfter(wait))
                    : sessions.request(
                        sessionId,
                        new SessionCommand.Send(
                            message.content(),
                            message.clientMessageId(),
                            message.locale(),
                            async)));
  }
}
