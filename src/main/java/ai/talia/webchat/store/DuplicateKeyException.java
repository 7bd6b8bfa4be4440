package ai.talia.webchat.store;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** A unique constraint refused a write (Postgres and H2 both report SQLState 23505). */
public final class DuplicateKeyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Unique keys of {@code messages} a session actor's writes can meet. */
  public static final String MESSAGE_SEQ = "messages_session_seq_uq";

  public static final String MESSAGE_CLIENT_ID = "messages_session_client_id_uq";
  public static final String MESSAGE_REPLY_TO = "messages_reply_to_uq";

  public DuplicateKeyException(@Nullable String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether {@code constraint} is the key that refused the write: both databases name it in their
   * message (H2 upper- or lower-cased, with a suffix).
   */
  public boolean on(String constraint) {
    String message = getMessage();
    return message != null
        && message.toLowerCase(Locale.ROOT).contains(constraint.toLowerCase(Locale.ROOT));
  }
}
