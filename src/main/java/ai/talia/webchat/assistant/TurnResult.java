package ai.talia.webchat.assistant;

/**
 * A finished turn: the whole reply text, the conversation id to keep for the session (changed when
 * the engine created or recreated one; null when it has none), and the tokens it used.
 */
public record TurnResult(String text, String conversationId, int inputTokens, int outputTokens) {

  public long totalTokens() {
    return (long) inputTokens + outputTokens;
  }
}
