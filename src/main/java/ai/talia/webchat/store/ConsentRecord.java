package ai.talia.webchat.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A row of {@code consents}: a grant or a withdrawal; the latest row of a session is in force. */
public record ConsentRecord(
    String id,
    String sessionId,
    String policyVersion,
    boolean granted,
    Instant createdAt,
    String ipHash,
    @Nullable String userAgent) {}
