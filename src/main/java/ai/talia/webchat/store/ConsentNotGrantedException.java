package ai.talia.webchat.store;

/**
 * A lead write refused because the session's consent in force, read inside the write's own
 * transaction, is not a grant (none yet, or withdrawn meanwhile). Nothing was written.
 */
public final class ConsentNotGrantedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConsentNotGrantedException(String sessionId) {
    super("No granted consent in force for session " + sessionId);
  }
}
