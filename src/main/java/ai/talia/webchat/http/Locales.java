package ai.talia.webchat.http;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.FieldLimits;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/** The configured locales: "es-ES" is "es"; an unsupported one is a field error. */
final class Locales {
  private Locales() {}

  static String defaultLocale(TaliaConfig config) {
    return config.string(ConfigKeys.WEBCHAT_DEFAULT_LOCALE, "es");
  }

  /** The language of a requested locale if it is configured, else the default. */
  static String resolve(TaliaConfig config, String requested) {
    String language = language(requested);
    return language != null && config.list(ConfigKeys.WEBCHAT_LOCALES).contains(language)
        ? language
        : defaultLocale(config);
  }

  /** The body's {@code locale}, checked: absent → the default; unsupported → a field error. */
  static String checked(TaliaConfig config, RequestBodies.Checks checks, JsonObject body) {
    String requested = checks.string(body, "locale", false, 2, FieldLimits.LOCALE);
    if (requested == null) return defaultLocale(config);
    String language = language(requested);
    if (!config.list(ConfigKeys.WEBCHAT_LOCALES).contains(language))
      checks.fail("locale", "unsupported");
    return language;
  }

  private static String language(String requested) {
    if (requested == null || requested.isBlank()) return null;
    return requested.trim().toLowerCase(Locale.ROOT).split("[-_]", -1)[0];
  }
}
