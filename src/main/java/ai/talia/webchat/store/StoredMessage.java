package ai.talia.webchat.store;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code messages}. Its {@link MessageStatus} says where it stands; an assistant message
 * points to the user message it answers through {@code replyTo}, and when {@link
 * MessageStatus#INCOMPLETE} its text is what was written before the model stopped.
 */
public record StoredMessage(
    String id,
    String sessionId,
    long seq,
    String role,
    String content,
    Instant createdAt,
    @Nullable String clientMessageId,
    MessageStatus status,
    @Nullable String replyTo,
    @Nullable String errorCode,
    int inputTokens,
    int outputTokens) {

  public static final String ROLE_USER = "user";
  public static final String ROLE_ASSISTANT = "assistant";

  public StoredMessage withSeq(long newSeq) {
    return new StoredMessage(
        id,
        sessionId,
        newSeq,
        role,
        content,
        createdAt,
        clientMessageId,
        status,
        replyTo,
        errorCode,
        inputTokens,
        outputTokens);
  }

  public StoredMessage withStatus(MessageStatus newStatus, @Nullable String newErrorCode) {
    return new StoredMessage(
        id,
        sessionId,
        seq,
        role,
        content,
        createdAt,
        clientMessageId,
        newStatus,
        replyTo,
        newErrorCode,
        inputTokens,
        outputTokens);
  }

  /**
   * The shape the API and the socket show: SPEC §4 {id, seq, role, content, created_at} and the
   * status.
   */
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("id", id)
            .put("seq", seq)
            .put("role", role)
            .put("content", content)
            .put("created_at", createdAt.toString())
            .put("status", status.wire());
    if (clientMessageId != null) json.put("client_message_id", clientMessageId);
    if (replyTo != null) json.put("reply_to", replyTo);
    if (errorCode != null) json.put("error_code", errorCode);
    return json;
  }
}
