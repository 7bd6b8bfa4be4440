package ai.talia.webchat.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Builds the configuration with vertx-config, lowest precedence first: the defaults packaged in the
 * jar ({@code conf/talia.json}), a {@code conf/talia.json} in the working directory, a {@code .env}
 * file in the working directory, the process environment. Environment names are mapped to keys by
 * {@link ConfigKeys#env()}.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static Future<TaliaConfig> load(Vertx vertx) {
    return load(vertx, Path.of("."), System.getenv());
  }

  public static Future<TaliaConfig> load(Vertx vertx, Path workDir, Map<String, String> env) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false);
    // The jar's defaults, read from the classpath: a relative "file" path would resolve against the
    // working directory first, and a partial ./conf/talia.json there would replace every default.
    options.addStore(
        new ConfigStoreOptions().setType("json").setConfig(TaliaConfig.packagedDefaults()));
    Path localConf = workDir.resolve("conf/talia.json");
    if (Files.isRegularFile(localConf)) {
      options.addStore(
          new ConfigStoreOptions()
              .setType("file")
              .setFormat("json")
              .setConfig(new JsonObject().put("path", localConf.toAbsolutePath().toString())));
    }
    Path dotEnv = workDir.resolve(".env");
    if (Files.isRegularFile(dotEnv)) {
      options.addStore(
          new ConfigStoreOptions()
              .setType("file")
              .setFormat("properties")
              .setConfig(
                  new JsonObject()
                      .put("path", dotEnv.toAbsolutePath().toString())
                      .put("raw-data", true)));
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever
        .getConfig()
        .map(
            merged -> {
              retriever.close();
              return new TaliaConfig(applyEnvironment(merged, env));
            });
  }

  /** Moves TALIA_* entries (from .env, then the environment, which wins) to their dotted keys. */
  static JsonObject applyEnvironment(JsonObject merged, Map<String, String> env) {
    JsonObject out = merged.copy();
    for (Map.Entry<String, ConfigKeys> e : ConfigKeys.BY_ENV.entrySet()) {
      Object fromDotEnv = out.remove(e.getKey());
      String value =
          env.containsKey(e.getKey())
              ? env.get(e.getKey())
              : fromDotEnv == null ? null : stripQuotes(fromDotEnv.toString());
      if (value == null) continue;
      if (e.getValue().kind() == ConfigKeys.Kind.LIST) {
        JsonArray arr = new JsonArray();
        for (String part : value.split(",", -1)) if (!part.isBlank()) arr.add(part.trim());
        put(out, e.getValue().key(), arr);
      } else {
        put(out, e.getValue().key(), value);
      }
    }
    return out;
  }

  private static String stripQuotes(String v) {
    String s = v.trim();
    if (s.length() >= 2
        && ((s.startsWith("\"") && s.endsWith("\"")) || (s.startsWith("'") && s.endsWith("'")))) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }

  static void put(JsonObject root, String dottedKey, @Nullable Object value) {
    String[] parts = dottedKey.split("\\.", -1);
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject next = node.getJsonObject(parts[i]);
      if (next == null) {
        next = new JsonObject();
        node.put(parts[i], next);
      }
      node = next;
    }
    node.put(parts[parts.length - 1], value);
  }
}
