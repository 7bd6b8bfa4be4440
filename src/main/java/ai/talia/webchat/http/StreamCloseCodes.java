package ai.talia.webchat.http;

/** Close codes of {@code /api/webchat/stream}. 1xxx are RFC 6455's; 4xxx are ours. */
public final class StreamCloseCodes {
  private StreamCloseCodes() {}

  /** The gateway is shutting down; reconnect and resume. */
  public static final short GOING_AWAY = 1001;

  /**
   * In a cluster, the node that ran this session's actor left it (died or stopped): reconnect and
   * resume; the session goes on on another node.
   */
  public static final short OWNER_LEFT = 1012;

  /** A binary frame: only JSON text frames are spoken. */
  public static final short UNSUPPORTED_DATA = 1003;

  /** A message larger than {@code stream.maxMessageBytes}. */
  public static final short TOO_BIG = 1009;

  /** A frame out of protocol (a message before hello, a second hello). */
  public static final short PROTOCOL_ERROR = 4400;

  /** Wrong session token, unknown session or missing widget token. */
  public static final short UNAUTHORIZED = 4401;

  /**
   * The session was erased (README § Admin API): sent after an {@code error} frame {@code
   * session_not_found}; the session is gone, start a new one.
   */
  public static final short SESSION_ERASED = 4404;

  /**
   * The hello could not be answered now: the session's actor was not reached within {@code
   * stream.joinTimeoutSeconds}, or could not be started. Reconnect with backoff and resume.
   */
  public static final short TRY_AGAIN_LATER = 1013;

  /** No hello within {@code stream.helloTimeoutSeconds}. */
  public static final short HELLO_TIMEOUT = 4408;

  /** The client read too slowly and its buffer filled; reconnect with resume_after_seq. */
  public static final short SLOW_CONSUMER = 4429;

  /**
   * The client's address already holds {@code stream.maxSocketsPerAddress} sockets: sent before
   * hello, with an {@code error} frame {@code rate_limited}.
   */
  public static final short TOO_MANY_SOCKETS = 4429;
}
