package ai.talia.webchat.assistant;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Runs one assistant turn of a session. Text is handed to {@link DeltaSink} as it is produced (the
 * scripted engine in chunks, a model token by token); the future completes with the whole reply, or
 * fails with an {@link AssistantFailure}. Engines are shared by every session of a JVM and keep no
 * per-session state: what a turn needs arrives in {@link Turn}.
 */
public interface AssistantEngine {

  String name();

  Future<TurnResult> runTurn(Turn turn, DeltaSink deltas);

  /**
   * Whether the engine can take turns now (e.g. its circuit breaker is closed); reported by /ready.
   */
  default boolean ready() {
    return true;
  }

  /** What /ready shows of the engine. */
  default JsonObject status() {
    return new JsonObject().put("name", name()).put("ready", ready());
  }

  /**
   * Deletes a conversation the engine keeps at its provider (an erased session's); completes once
   * it is gone there (an unknown one counts as gone). An engine that keeps none cannot, and fails,
   * so the deletion stays queued for an engine that can.
   */
  default Future<Void> deleteConversation(String conversationId) {
    return Future.failedFuture(
        new UnsupportedOperationException("The " + name() + " engine keeps no conversations"));
  }

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
