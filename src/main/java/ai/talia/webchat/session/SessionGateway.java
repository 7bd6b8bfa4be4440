package ai.talia.webchat.session;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.cluster.ClusterNode;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.problem.ProblemReply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * How routers talk to session actors: a command goes straight to {@code webchat.session.<id>}; when
 * no actor is there (never started, or passivated) the directory activates one and the command is
 * sent again, and when the actor is stopping or stepped down it is sent again, with backoff, until
 * it reaches the session's next owner or the reply timeout runs out.
 *
 * <p>In a cluster the actor may run on another node. Vert.x fails a request fast only when nobody
 * consumes its address: one sent to a member that has just died waits for its whole timeout. So
 * this gateway remembers which node runs each session's actor (from the directory and from the
 * actors' replies) and, when a member leaves, sends again every command waiting on it (or on an
 * actor whose node it does not know yet). That is safe because the commands are idempotent: a
 * resent message joins its first delivery by {@code client_message_id}. For the same reason a
 * command answered at once that gets no answer within moments of a member leaving is sent again.
 * One instance per router verticle, confined to its event loop.
 */
public final class SessionGateway {
  private static final int MAX_ATTEMPTS = 100;
  private static final long MAX_BACKOFF_MS = 500;

  /** Sessions whose actor's node is remembered, per router instance. */
  private static final int OWNERS_KEPT = 50_000;

  /** After a member left, a moment for Vert.x to drop its registrations before sending again. */
  private static final long AFTER_NODE_LEFT_MS = 250;

  /**
   * For this long after a member left, a command to an actor of another node first waits until no
   * consumer of the dead member is registered on its address.
   */
  private static final long SETTLE_WINDOW_MS = 30_000;

  private static final long SETTLE_POLL_MS = 100;

  /**
   * In the settle window, how long a command {@linkplain SessionCommand#answeredAtOnce() answered
   * at once} waits for an actor of another node before it is sent again: Vert.x may still route it
   * to the member that left (its own view of the registrations is cleaned after ours), where it
   * would wait for the whole reply timeout.
   */
  private static final long UNSETTLED_ANSWER_MS = 3_000;

  private final Vertx vertx;
  private final long replyTimeoutMs;
  private final @Nullable ClusterNode cluster;
  private final Map<String, String> owners =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > OWNERS_KEPT;
        }
      };
  private final Set<Attempt> pending = new HashSet<>();
  private long settleUntilNanos = System.nanoTime();

  /** One send of a command, answered by the actor or abandoned when its node left. */
  private record Attempt(@Nullable String owner, Promise<Message<SessionReply>> answer) {}

  /** The node the command waited on left the cluster. */
  private static final class OwnerLeft extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OwnerLeft() {
      super("the node of the session's actor left the cluster", null, false, false);
    }
  }

  public SessionGateway(Vertx vertx, long replyTimeoutMs) {
    this(vertx, replyTimeoutMs, null);
  }

  /** Create it on the router's context: it follows members leaving from there. */
  public SessionGateway(Vertx vertx, long replyTimeoutMs, @Nullable ClusterNode cluster) {
    this.vertx = vertx;
    this.replyTimeoutMs = replyTimeoutMs;
    this.cluster = cluster;
    ProblemReply.register(vertx);
    SessionCommand.register(vertx);
    if (cluster != null)
      vertx.eventBus().<String>localConsumer(Addresses.CLUSTER_NODE_LEFT, m -> nodeLeft(m.body()));
  }

  /** The actor's reply to {@code command}; a refusal fails it with its {@link ApiProblem}. */
  public <R extends SessionReply> Future<R> request(String sessionId, SessionCommand<R> command) {
    return attempt(
            sessionId,
            command,
            1,
            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(replyTimeoutMs))
        .map(reply -> command.replyType().cast(reply));
  }

  private Future<SessionReply> attempt(
      String sessionId, SessionCommand<?> command, int attempt, long deadlineNanos) {
    String known = cluster == null ? null : owners.get(sessionId);
    if (cluster != null
        && !cluster.nodeId().equals(known)
        && System.nanoTime() - settleUntilNanos < 0) {
      return settle(Addresses.session(sessionId), deadlineNanos, false)
          .compose(v -> send(sessionId, command, attempt, deadlineNanos));
    }
    return send(sessionId, command, attempt, deadlineNanos);
  }

  /** Waits (bounded by the deadline) until no dead member's consumer is left on {@code address}. */
  private Future<Void> settle(String address, long deadlineNanos, boolean sawDead) {
    ClusterNode node = cluster;
    if (node == null || System.nanoTime() - deadlineNanos >= 0) return Future.succeededFuture();
    return node.hasDeadConsumers(address)
        .otherwise(false)
        .compose(
            dead -> {
              // Once the cluster's registrations are clean, one more poll for this node's view.
              if (!dead && !sawDead) return Future.succeededFuture();
              Promise<Void> later = Promise.promise();
              vertx.setTimer(SETTLE_POLL_MS, id -> later.complete());
              return dead
                  ? later.future().compose(v -> settle(address, deadlineNanos, true))
                  : later.future();
            });
  }

  private Future<SessionReply> send(
      String sessionId, SessionCommand<?> command, int attempt, long deadlineNanos) {
    long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    String owner = cluster == null ? null : owners.get(sessionId);
    boolean unsettled =
        cluster != null
            && !cluster.nodeId().equals(owner)
            && command.answeredAtOnce()
            && System.nanoTime() - settleUntilNanos < 0;
    long timeoutMs = unsettled ? Math.min(remainingMs, UNSETTLED_ANSWER_MS) : remainingMs;
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(Math.max(1, timeoutMs));
    // An actor of this node is reached without Vert.x picking among registrations, which may
    // still hold a dead member's for a moment after it left.
    if (cluster != null && cluster.nodeId().equals(owner)) options.setLocalOnly(true);
    Attempt sent = new Attempt(owner, Promise.promise());
    if (cluster != null) pending.add(sent);
    vertx
        .eventBus()
        .<SessionReply>request(Addresses.session(sessionId), command, options)
        .onComplete(
            ar -> {
              pending.remove(sent);
              if (ar.succeeded()) sent.answer().tryComplete(ar.result());
              else sent.answer().tryFail(ar.cause());
            });
    return sent.answer()
        .future()
        .map(
            reply -> {
              String node = reply.headers().get(SessionCommands.OWNER_HEADER);
              if (node != null) owners.put(sessionId, node);
              return reply.body();
            })
        .recover(
            failure -> {
              if (unsettled
                  && isTimeout(failure)
                  && attempt < MAX_ATTEMPTS
                  && System.nanoTime() < deadlineNanos) {
                owners.remove(sessionId);
                return attempt(sessionId, command, attempt + 1, deadlineNanos);
              }
              boolean again =
                  (failure instanceof OwnerLeft || needsActivation(failure))
                      && attempt < MAX_ATTEMPTS
                      && System.nanoTime() < deadlineNanos;
              if (!again) return Future.failedFuture(toProblem(failure));
              owners.remove(sessionId);
              return pause(failure, attempt)
                  .compose(v -> activate(sessionId))
                  .compose(
                      node -> {
                        if (cluster != null) owners.put(sessionId, node);
                        return attempt(sessionId, command, attempt + 1, deadlineNanos);
                      });
            });
  }

  /**
   * Nothing before activating a session nobody runs; a backoff while its actor is stopping (it
   * hands the session over once its turns are done) or stepping down.
   */
  private Future<Void> pause(Throwable failure, int attempt) {
    long ms;
    if (failure instanceof OwnerLeft) ms = AFTER_NODE_LEFT_MS;
    else if (failure instanceof ReplyException re
        && re.failureType() == ReplyFailure.RECIPIENT_FAILURE)
      ms = Math.min(MAX_BACKOFF_MS, 25L << Math.min(attempt - 1, 5));
    else return Future.succeededFuture();
    Promise<Void> waited = Promise.promise();
    vertx.setTimer(ms, id -> waited.complete());
    return waited.future();
  }

  /** A member left: what waits on its actors, or on an actor of unknown node, is sent again. */
  private void nodeLeft(String node) {
    settleUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_WINDOW_MS);
    owners.values().removeIf(node::equals);
    List<Attempt> waiting = new ArrayList<>(pending);
    for (Attempt a : waiting) {
      if (a.owner() == null || a.owner().equals(node)) {
        pending.remove(a);
        a.answer().tryFail(new OwnerLeft());
      }
    }
  }

  private Future<String> activate(String sessionId) {
    return vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.SESSION_ACTIVATE,
            new JsonObject().put("session_id", sessionId),
            new DeliveryOptions().setSendTimeout(30_000).setLocalOnly(true))
        .map(reply -> reply.body().getString("owner", SessionDirectoryVerticle.LOCAL_NODE))
        .recover(failure -> Future.failedFuture(toProblem(failure)));
  }

  private static boolean isTimeout(Throwable failure) {
    return failure instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT;
  }

  private static boolean needsActivation(Throwable failure) {
    return failure instanceof ReplyException re
        && (re.failureType() == ReplyFailure.NO_HANDLERS
            || (re.failureType() == ReplyFailure.RECIPIENT_FAILURE
                && re.failureCode() == SessionCommands.RETRY_ELSEWHERE));
  }

  /** A request to an actor that timed out is a 504; one that found none, or failed else, a 503. */
  static ApiProblem toProblem(Throwable failure) {
    return ApiProblem.from(
        failure,
        () ->
            isTimeout(failure)
                ? new ApiProblem(
                    504,
                    ProblemCode.ASSISTANT_UNAVAILABLE.code(),
                    ProblemCode.ASSISTANT_UNAVAILABLE.title,
                    "The reply took too long; it will appear in the history, or resend the same"
                        + " client_message_id",
                    new JsonObject())
                : ApiProblem.of(
                    ProblemCode.ASSISTANT_UNAVAILABLE,
                    "The session could not be reached; resend to retry"));
  }
}
