package ai.talia.webchat.store;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A row of {@code webchat_sessions}. {@code tokenHash} is the SHA-256 of the session token. */
public record SessionRecord(
    String sessionId,
    String tokenHash,
    @Nullable String assistantThreadId,
    String locale,
    @Nullable String pageUrl,
    @Nullable JsonObject utm,
    Instant createdAt,
    Instant lastActivity,
    int turns,
    long tokensUsed) {}
