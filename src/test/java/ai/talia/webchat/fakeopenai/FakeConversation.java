package ai.talia.webchat.fakeopenai;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A conversation the fake keeps: its metadata and items, and whether a response is running on it.
 */
public final class FakeConversation {
  private final String id;
  private final long createdAt;
  private JsonObject metadata;
  private final List<JsonObject> items = new ArrayList<>();
  private boolean busy;

  FakeConversation(String id, JsonObject metadata) {
    this.id = id;
    this.createdAt = System.currentTimeMillis() / 1000;
    this.metadata = metadata;
  }

  public String id() {
    return id;
  }

  public synchronized JsonObject metadata() {
    return metadata.copy();
  }

  synchronized void metadata(JsonObject value) {
    metadata = value;
  }

  public synchronized List<JsonObject> items() {
    return items.stream().map(JsonObject::copy).toList();
  }

  synchronized void add(List<JsonObject> more) {
    items.addAll(more);
  }

  synchronized boolean busy() {
    return busy;
  }

  synchronized void busy(boolean value) {
    busy = value;
  }

  /** Function calls of this conversation that have no output yet. */
  public synchronized Set<String> pendingCallIds() {
    Set<String> pending = new LinkedHashSet<>();
    for (JsonObject item : items) {
      if ("function_call".equals(item.getString("type"))) pending.add(item.getString("call_id"));
    }
    for (JsonObject item : items) {
      if ("function_call_output".equals(item.getString("type")))
        pending.remove(item.getString("call_id"));
    }
    return pending;
  }

  synchronized boolean hasCall(String callId) {
    return items.stream()
        .anyMatch(
            i ->
                "function_call".equals(i.getString("type"))
                    && callId.equals(i.getString("call_id")));
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("object", "conversation")
        .put("created_at", createdAt)
        .put("metadata", metadata());
  }
}
