package ai.talia.webchat.session;

/**
 * A session actor found another actor writing its session and stepped down: the command fails with
 * {@link SessionCommands#RETRY_ELSEWHERE}, and the sender resends it to the real owner.
 */
final class SteppedDown extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SteppedDown() {
    super("another actor owns this session", null, false, false);
  }
}
