package ai.talia.webchat.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Read access to the merged configuration by key ({@link ConfigKeys}). Immutable. A key that is
 * absent or blank has its default from the packaged {@code conf/talia.json}, the one home of
 * defaults; a key whose default is null reads as null ({@link #string}, {@link #optionalLong}).
 */
public final class TaliaConfig {
  private static final JsonObject DEFAULTS = packagedDefaults();

  private final JsonObject root;

  public TaliaConfig(JsonObject root) {
    this.root = root.copy();
  }

  public JsonObject json() {
    return root.copy();
  }

  /** The configuration with every secret's value replaced by {@code "***"}, fit for a log. */
  public JsonObject redacted() {
    JsonObject copy = root.copy();
    for (ConfigKeys key : ConfigKeys.values()) {
      if (key.secret() && lookup(copy, key.key()) != null) {
        ConfigLoader.put(copy, key.key(), "***");
      }
    }
    return copy;
  }

  /** The raw value at a dotted path (a key or a block of keys), or null. */
  public @Nullable Object value(String dottedPath) {
    return lookup(root, dottedPath);
  }

  /** The value of {@code key}, or its packaged default when absent or blank. */
  public @Nullable Object value(ConfigKeys key) {
    Object v = lookup(root, key.key());
    return v == null || (v instanceof String s && s.isBlank()) ? lookup(DEFAULTS, key.key()) : v;
  }

  /** The text of {@code key}, or null when neither it nor its default is set. */
  public @Nullable String string(ConfigKeys key) {
    Object v = value(key);
    if (v == null) return null;
    String s = v.toString();
    return s.isBlank() ? null : s;
  }

  /** The text of a key that has a default. */
  public String requiredString(ConfigKeys key) {
    String s = string(key);
    if (s == null) throw missing(key);
    return s;
  }

  public int integer(ConfigKeys key) {
    long v = longValue(key);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)
      throw new IllegalArgumentException(
          "Configuration key " + key + " must be a whole number, got: " + v);
    return (int) v;
  }

  public long longValue(ConfigKeys key) {
    Long v = optionalLong(key);
    if (v == null) throw missing(key);
    return v;
  }

  /** The whole number of {@code key}, or null when neither it nor its default is set. */
  public @Nullable Long optionalLong(ConfigKeys key) {
    Object v = value(key);
    if (v == null) return null;
    if (v instanceof Number n) return n.longValue();
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "Configuration key " + key + " must be a whole number, got: " + s);
      }
    }
    throw new IllegalArgumentException(
        "Configuration key " + key + " must be a whole number, got: " + v);
  }

  /**
   * {@code true} or {@code false}, any case. Anything else is refused rather than read as {@code
   * false}: {@code TALIA_CONSENT_REQUIRED=yes} must not turn consent off.
   */
  public boolean bool(ConfigKeys key) {
    Object v = value(key);
    if (v instanceof Boolean b) return b;
    if (v == null) throw missing(key);
    String s = v.toString().trim();
    if (s.equalsIgnoreCase("true")) return true;
    if (s.equalsIgnoreCase("false")) return false;
    String named = key.env() == null ? key.key() : key.key() + " (" + key.env() + ")";
    throw new IllegalArgumentException(
        "Configuration key " + named + " must be true or false, got: " + s);
  }

  public List<String> list(ConfigKeys key) {
    Object v = value(key);
    if (v instanceof JsonArray arr) {
      return arr.stream().map(String::valueOf).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
    if (v instanceof String s) {
      return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
    return List.of();
  }

  public JsonObject object(ConfigKeys key) {
    Object v = value(key);
    return v instanceof JsonObject o ? o.copy() : new JsonObject();
  }

  /**
   * A block of texts by locale (e.g. {@code consent.text}); a value that is not text is an error.
   */
  public Map<String, String> texts(ConfigKeys key) {
    Map<String, String> texts = new LinkedHashMap<>();
    object(key)
        .forEach(
            e -> {
              if (!(e.getValue() instanceof String text))
                throw new IllegalArgumentException(
                    key + "." + e.getKey() + " must be a text, got: " + e.getValue());
              texts.put(e.getKey(), text);
            });
    return texts;
  }

  /** A copy with one key set, for tests and for derived defaults. */
  public TaliaConfig with(ConfigKeys key, @Nullable Object value) {
    JsonObject copy = root.copy();
    ConfigLoader.put(copy, key.key(), value);
    return new TaliaConfig(copy);
  }

  private static IllegalArgumentException missing(ConfigKeys key) {
    return new IllegalArgumentException(
        "Configuration key " + key + " must be set (conf/talia.json has no default for it)");
  }

  private static @Nullable Object lookup(JsonObject root, String dottedPath) {
    Object node = root;
    for (String part : dottedPath.split("\\.", -1)) {
      if (!(node instanceof JsonObject obj)) return null;
      node = obj.getValue(part);
    }
    return node;
  }

  /** The defaults packaged in the jar. */
  static JsonObject packagedDefaults() {
    try (InputStream in =
        TaliaConfig.class.getClassLoader().getResourceAsStream("conf/talia.json")) {
      if (in == null)
        throw new IllegalStateException("conf/talia.json is missing from the classpath");
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
