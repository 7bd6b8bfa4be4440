package ai.talia.webchat.http;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.session.SessionTokens;
import ai.talia.webchat.store.SessionRecord;
import ai.talia.webchat.store.Store;
import io.vertx.core.Future;
import org.jspecify.annotations.Nullable;

/**
 * A session's data is reachable only with its token: 401 without or with a wrong one, 404 for no
 * session.
 */
final class SessionAccess {
  private final Store store;

  SessionAccess(Store store) {
    this.store = store;
  }

  Future<SessionRecord> authorize(String sessionId, @Nullable String presentedToken) {
    if (presentedToken == null || presentedToken.isBlank()) {
      return Future.failedFuture(
          ApiProblem.of(ProblemCode.UNAUTHORIZED, "The session token is missing"));
    }
    if (!SessionTokens.validSessionId(sessionId)) {
      return Future.failedFuture(ApiProblem.of(ProblemCode.SESSION_NOT_FOUND, "No such session"));
    }
    return store
        .findSession(sessionId)
        .compose(
            found -> {
              if (found == null)
                return Future.failedFuture(
                    ApiProblem.of(ProblemCode.SESSION_NOT_FOUND, "No session " + sessionId));
              if (!SessionTokens.matches(presentedToken, found.tokenHash())) {
                return Future.failedFuture(
                    ApiProblem.of(ProblemCode.UNAUTHORIZED, "Wrong session token"));
              }
              return Future.succeededFuture(found);
            });
  }
}
