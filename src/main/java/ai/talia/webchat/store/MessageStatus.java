package ai.talia.webchat.store;

/**
 * Where a stored message stands ({@code messages.status}). A user message is {@link #PENDING} while
 * its turn runs, then {@link #COMPLETED} or {@link #FAILED}; an assistant message is {@link
 * #COMPLETED}, or {@link #INCOMPLETE} when the model stopped short (its output cap) after its text
 * had reached the visitor. {@link #wire} is the string the database column, the API and the socket
 * carry.
 */
public enum MessageStatus {
  PENDING("pending"),
  COMPLETED("completed"),
  FAILED("failed"),
  INCOMPLETE("incomplete");

  private final String wire;

  MessageStatus(String wire) {
    this.wire = wire;
  }

  /** The string stored and shown. */
  public String wire() {
    return wire;
  }

  /** The status a stored string names. */
  public static MessageStatus fromWire(String wire) {
    for (MessageStatus s : values()) if (s.wire.equals(wire)) return s;
    throw new IllegalArgumentException("unknown message status '" + wire + "'");
  }
}
