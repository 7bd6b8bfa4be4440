package ai.talia.webchat.fakeopenai;

/**
 * When the fake model took a request, wrote its first text delta and ended its stream ({@link
 * System#nanoTime()}), so a benchmark in the same JVM can take the model's own time out of what it
 * measures end to end.
 */
public final class StreamTiming {
  private final long received = System.nanoTime();
  private volatile long firstDelta;
  private volatile long end;
  private volatile boolean cut;

  void firstDeltaWritten() {
    if (firstDelta == 0) firstDelta = System.nanoTime();
  }

  void ended() {
    if (end == 0) end = System.nanoTime();
  }

  void closedByClient() {
    cut = true;
  }

  /** Whether the client closed the connection before the stream's end (it called the call off). */
  public boolean closedByClientBeforeEnd() {
    return cut;
  }

  /** When the fake took the request ({@link System#nanoTime()}). */
  public long receivedAt() {
    return received;
  }

  /** Nanoseconds from the request to the first delta; -1 before it was written. */
  public long toFirstDelta() {
    return firstDelta == 0 ? -1 : firstDelta - received;
  }

  /** Nanoseconds from the request to the end of the stream; -1 before it ended. */
  public long toEnd() {
    return end == 0 ? -1 : end - received;
  }
}
