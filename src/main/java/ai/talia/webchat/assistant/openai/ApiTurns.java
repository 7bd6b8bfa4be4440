package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.assistant.Turn;
import io.vertx.core.Future;

/** The model calls of one turn in one API style (Responses, or Chat Completions). */
interface ApiTurns {

  /**
   * Runs the turn, streaming its text into {@code out}; completes with the conversation id to keep
   * (may be null).
   */
  Future<String> run(Turn turn, String instructions, TurnOutput out);

  /** Where the session's history lives for the API: "conversation" or "stateless". */
  String state();
}
