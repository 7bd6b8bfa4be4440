package ai.talia.webchat.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code leads}: one per session, always pointing to the granted consent it was stored
 * under.
 */
public record LeadRecord(
    String id,
    String sessionId,
    @Nullable String name,
    @Nullable String email,
    @Nullable String phone,
    String source,
    String consentId,
    Instant createdAt,
    Instant updatedAt) {

  public boolean complete() {
    return name != null && email != null && phone != null;
  }
}
