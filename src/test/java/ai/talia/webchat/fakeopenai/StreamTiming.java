package ai.talia.webchat.fakeopenai;

/**
 * When the fake model took a request, wrote its first text delta and ended its stream ({@link
 * System#nanoTime()}), so a benchmark in the same JVM can take the model's own time out of what it
 * measures end to end.
 */
public final class StreamTiming {
  private final long received;

  /** When the fake began handling the request: read its body, parsed and checked it. */
  private final long handled = System.nanoTime();

  private volatile long firstDelta;
  private volatile long end;
  private volatile boolean cut;

  /** Timing of a request taken now. */
  public StreamTiming() {
    this(System.nanoTime());
  }

  /**
   * @param arrivedAt when the request reached the fake ({@link ModelRequest#arrivedAt()}): what the
   *     fake spends from then on reading, parsing and checking it is its own time, not the client's
   */
  public StreamTiming(long arrivedAt) {
    this.received = arrivedAt;
  }

  /** Nanoseconds the fake spent on the request before its model answered it. */
  public long handling() {
    return handled - received;
  }

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
