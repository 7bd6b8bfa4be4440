package ai.talia.webchat.session;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The idempotent intake of a session's sends: each one in flight by its client_message_id, so a
 * duplicate that arrives while the first is handled joins it instead of running twice. A send stays
 * in flight until its turn is over (its answer failed, or its reply is settled); after that a
 * duplicate starts anew, and the store answers it. Not thread-safe: one actor's context uses it.
 *
 * @param <T> what a send is accepted as
 */
final class SendsInFlight<T> {
  private final Map<String, Future<T>> inflight = new HashMap<>();

  /**
   * The send in flight under {@code clientMessageId}, or a new one from {@code start}, in flight
   * until {@code over} of what it was accepted as completes.
   */
  <R> Future<T> join(
      String clientMessageId, Supplier<Future<T>> start, Function<T, Future<R>> over) {
    Future<T> accepted = inflight.get(clientMessageId);
    if (accepted != null) return accepted;
    Future<T> mine = start.get();
    inflight.put(clientMessageId, mine);
    mine.compose(over).onComplete(ar -> inflight.remove(clientMessageId, mine));
    return mine;
  }

  boolean isEmpty() {
    return inflight.isEmpty();
  }
}
