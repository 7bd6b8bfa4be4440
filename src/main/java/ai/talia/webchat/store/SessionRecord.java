package ai.talia.webchat.store;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** A row of {@code webchat_sessions}. {@code tokenHash} is the SHA-256 of the session token. */
public record SessionRecord(
    String sessionId,
    String tokenHash,
    String assistantThreadId,
    String locale,
    String pageUrl,
    JsonObject utm,
    Instant createdAt,
    Instant lastActivity,
    int turns,
    long tokensUsed) {}
