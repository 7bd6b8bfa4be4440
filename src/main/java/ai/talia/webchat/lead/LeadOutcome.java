package ai.talia.webchat.lead;

import ai.talia.webchat.store.LeadRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What became of a capture. {@code STORED}: every given field was valid and is stored. {@code
 * INVALID}: at least one field was refused ({@code invalid}: field → reason); the valid ones given
 * with it are stored. {@code CONSENT_MISSING}: the session has no granted consent, so nothing was
 * stored.
 */
public record LeadOutcome(
    Status status,
    @Nullable LeadRecord lead,
    List<String> storedFields,
    Map<String, String> invalid) {

  public enum Status {
    STORED,
    INVALID,
    CONSENT_MISSING
  }

  /** The shape the openai engine returns to the model as the tool's output. */
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("status", status.name().toLowerCase(Locale.ROOT))
            .put("stored_fields", new JsonArray(List.copyOf(storedFields)));
    if (!invalid.isEmpty())
      json.put(
          "invalid",
          new JsonObject(
              Map.copyOf(invalid).entrySet().stream()
                  .collect(Collectors.toMap(Map.Entry::getKey, e -> (Object) e.getValue()))));
    if (lead != null) json.put("lead_complete", lead.complete());
    return json;
  }
}
