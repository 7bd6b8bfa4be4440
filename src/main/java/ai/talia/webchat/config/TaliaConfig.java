package ai.talia.webchat.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Read access to the merged configuration by dotted key ({@link ConfigKeys}). Immutable. */
public final class TaliaConfig {
  private final JsonObject root;

  public TaliaConfig(JsonObject root) {
    this.root = root.copy();
  }

  public JsonObject json() {
    return root.copy();
  }

  public Object value(String key) {
    Object node = root;
    for (String part : key.split("\\.", -1)) {
      if (!(node instanceof JsonObject obj)) return null;
      node = obj.getValue(part);
    }
    return node;
  }

  public String string(String key) {
    Object v = value(key);
    if (v == null) return null;
    String s = v.toString();
    return s.isBlank() ? null : s;
  }

  public String string(String key, String fallback) {
    String s = string(key);
    return s == null ? fallback : s;
  }

  public int integer(String key, int fallback) {
    Object v = value(key);
    if (v instanceof Number n) return n.intValue();
    if (v instanceof String s && !s.isBlank()) {
      try {
        return Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "Configuration key " + key + " must be a whole number, got: " + s);
      }
    }
    return fallback;
  }

  public long longValue(String key, long fallback) {
    Object v = value(key);
    if (v instanceof Number n) return n.longValue();
    if (v instanceof String s && !s.isBlank()) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "Configuration key " + key + " must be a whole number, got: " + s);
      }
    }
    return fallback;
  }

  public boolean bool(String key, boolean fallback) {
    Object v = value(key);
    if (v instanceof Boolean b) return b;
    if (v instanceof String s && !s.isBlank()) return Boolean.parseBoolean(s.trim());
    return fallback;
  }

  public List<String> list(String key) {
    Object v = value(key);
    if (v instanceof JsonArray arr) {
      return arr.stream().map(String::valueOf).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
    if (v instanceof String s) {
      return java.util.Arrays.stream(s.split(","))
          .map(String::trim)
          .filter(x -> !x.isEmpty())
          .toList();
    }
    return List.of();
  }

  public JsonObject object(String key) {
    Object v = value(key);
    return v instanceof JsonObject o ? o.copy() : new JsonObject();
  }

  /** A copy with one key set, for tests and for derived defaults. */
  public TaliaConfig with(String key, Object value) {
    JsonObject copy = root.copy();
    ConfigLoader.put(copy, key, value);
    return new TaliaConfig(copy);
  }
}
