package ai.talia.webchat.store;

import org.jspecify.annotations.Nullable;

/**
 * A session actor's write refused because another actor has claimed the session since ({@link
 * Store#claimSession}): the writer is stale and must step down. Nothing of the write was stored.
 */
public final class FencedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FencedException(@Nullable String message, Throwable cause) {
    super(message, cause);
  }
}
