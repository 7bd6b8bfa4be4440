package ai.talia.webchat.assistant;

import org.jspecify.annotations.Nullable;

/**
 * A finished turn: the whole reply text, the conversation id to keep for the session (changed when
 * the engine created or recreated one; null when it has none), the tokens it used, and whether the
 * reply is incomplete — the model stopped short (its output cap) after the text had reached the
 * visitor, so that text is the reply, kept and marked.
 */
public record TurnResult(
    String text,
    @Nullable String conversationId,
    int inputTokens,
    int outputTokens,
    boolean incomplete) {

  public TurnResult(
      String text, @Nullable String conversationId, int inputTokens, int outputTokens) {
    this(text, conversationId, inputTokens, outputTokens, false);
  }

  public long totalTokens() {
    return (long) inputTokens + outputTokens;
  }
}
