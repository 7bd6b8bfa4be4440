package ai.talia.webchat.store;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What an erasure did to one session; {@link #event()} is its {@code session_erased} event, which
 * carries counts and ids only, no personal data.
 *
 * @param openAiConversation the session's OpenAI conversation, queued for deletion there, or null
 */
public record ErasedSession(
    String sessionId,
    String reason,
    Instant erasedAt,
    @Nullable String openAiConversation,
    int messagesDeleted,
    boolean leadDeleted) {

  public static final String ADMIN_REQUEST = "admin_request";
  public static final String SUBJECT_REQUEST = "subject_request";
  public static final String RETENTION = "retention";

  public DomainEvent event() {
    return DomainEvent.of(
        DomainEvent.SESSION_ERASED,
        sessionId,
        erasedAt,
        new JsonObject()
            .put("reason", reason)
            .put("erased_at", erasedAt.toString())
            .put("messages_deleted", messagesDeleted)
            .put("lead_deleted", leadDeleted)
            .put("openai_conversation_deletion", openAiConversation == null ? "none" : "pending"));
  }
}
