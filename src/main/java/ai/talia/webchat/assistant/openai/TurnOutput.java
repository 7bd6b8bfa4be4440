package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.assistant.DeltaSink;
import org.jspecify.annotations.Nullable;

/**
 * What one turn has produced so far: the text already handed to the visitor (the reply is exactly
 * that text), the tokens used by every model call of the turn, and when the first text arrived.
 * When a later model call of the same turn (after a tool round), or another message item of the
 * same call, speaks again, a blank line keeps its text apart from the earlier one. A reply the
 * model stopped short (its output cap) is {@link #incompleteReason() incomplete}.
 */
final class TurnOutput {
  private final DeltaSink sink;
  private final long startedNanos = System.nanoTime();
  private final StringBuilder text = new StringBuilder();
  private boolean callHasText;
  private long firstTextNanos = -1;
  private int inputTokens;
  private int outputTokens;
  private @Nullable String incompleteReason;

  TurnOutput(DeltaSink sink) {
    this.sink = sink;
  }

  /** A new model call starts: its first text is separated from what came before. */
  void nextCall() {
    startPart();
  }

  /** A new part of the reply (another message item) starts: it is set apart like a new call. */
  void startPart() {
    callHasText = false;
  }

  /** The model stopped short after text reached the visitor: that text is the reply. */
  void markIncomplete(String reason) {
    incompleteReason = reason;
  }

  /** Why the reply is incomplete ({@code max_output_tokens}, {@code content_filter}), or null. */
  @Nullable String incompleteReason() {
    return incompleteReason;
  }

  void delta(String piece) {
    if (piece == null || piece.isEmpty()) return;
    if (!callHasText
        && text.length() > 0
        && !Character.isWhitespace(text.charAt(text.length() - 1))) {
      emit("\n\n");
    }
    callHasText = true;
    if (firstTextNanos < 0) firstTextNanos = System.nanoTime() - startedNanos;
    emit(piece);
  }

  private void emit(String piece) {
    text.append(piece);
    sink.delta(piece);
  }

  void addUsage(int input, int output) {
    inputTokens += Math.max(0, input);
    outputTokens += Math.max(0, output);
  }

  /** Once any text reached the visitor, nothing may be retried: it would be shown twice. */
  boolean textShown() {
    return text.length() > 0;
  }

  String text() {
    return text.toString();
  }

  long firstTextNanos() {
    return firstTextNanos;
  }

  long elapsedNanos() {
    return System.nanoTime() - startedNanos;
  }

  int inputTokens() {
    return inputTokens;
  }

  int outputTokens() {
    return outputTokens;
  }
}
