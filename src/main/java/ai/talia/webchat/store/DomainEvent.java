package ai.talia.webchat.store;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A row of {@code events}; {@link #toJson()} is the envelope of SPEC §6. */
public record DomainEvent(
    String id, String type, @Nullable String sessionId, Instant occurredAt, JsonObject data) {

  public static final String WEBCHAT_STARTED = "webchat_started";
  public static final String MESSAGE_SENT = "webchat_message_sent";
  public static final String MESSAGE_RECEIVED = "webchat_message_received";
  public static final String LEAD_CAPTURED = "lead_captured";
  public static final String CONSENT_GRANTED = "consent_granted";
  public static final String CONSENT_WITHDRAWN = "consent_withdrawn";
  public static final String SESSION_ERASED = "session_erased";
  public static final String ADMIN_EXPORT = "admin_export";

  public static DomainEvent of(
      String type, @Nullable String sessionId, Instant at, JsonObject data) {
    return new DomainEvent(UUID.randomUUID().toString(), type, sessionId, at, data);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("type", type)
        .put("session_id", sessionId)
        .put("occurred_at", occurredAt.toString())
        .put("data", data);
  }

  public static DomainEvent fromJson(JsonObject json) {
    return new DomainEvent(
        json.getString("id"),
        json.getString("type"),
        json.getString("session_id"),
        Instant.parse(json.getString("occurred_at")),
        json.getJsonObject("data"));
  }
}
