package ai.talia.webchat.store;

import java.time.Instant;

/**
 * A row of {@code leads}: one per session, always pointing to the granted consent it was stored
 * under.
 */
public record LeadRecord(
    String id,
    String sessionId,
    String name,
    String email,
    String phone,
    String source,
    String consentId,
    Instant createdAt,
    Instant updatedAt) {

  public boolean complete() {
    return name != null && email != null && phone != null;
  }
}
