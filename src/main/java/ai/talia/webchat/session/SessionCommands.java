package ai.talia.webchat.session;

/**
 * What travels beside the {@link SessionCommand}s on {@code webchat.session.<id>}: the failure code
 * of a command to resend elsewhere, and the header naming an actor's node.
 */
public final class SessionCommands {
  private SessionCommands() {}

  /**
   * A command that reached an actor while it was passivating; the sender activates it again and
   * resends.
   */
  public static final int RETRY_ELSEWHERE = 4091;

  /**
   * In a cluster, the header of an actor's replies and frames that names the node it runs on, so
   * that what waits on it is sent again elsewhere if that node leaves.
   */
  public static final String OWNER_HEADER = "talia-owner";
}
