package ai.talia.webchat.store;

/** A unique constraint refused a write (Postgres and H2 both report SQLState 23505). */
public final class DuplicateKeyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DuplicateKeyException(String message, Throwable cause) {
    super(message, cause);
  }
}
