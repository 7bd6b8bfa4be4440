package ai.talia.webchat.http;

import ai.talia.webchat.store.FieldLimits;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The configured locales: "es-ES" is "es"; an unsupported one is a field error. */
final class Locales {
  private Locales() {}

  /** The language of a requested locale if it is configured, else the default. */
  static String resolve(WebchatSettings webchat, @Nullable String requested) {
    String language = language(requested);
    return language != null && webchat.locales().contains(language)
        ? language
        : webchat.defaultLocale();
  }

  /** The body's {@code locale}, checked: absent → the default; unsupported → a field error. */
  static String checked(WebchatSettings webchat, RequestBodies.Checks checks, JsonObject body) {
    String requested = checks.string(body, "locale", false, 2, FieldLimits.LOCALE);
    if (requested == null) return webchat.defaultLocale();
    String language = language(requested);
    // Blank: checks.string has already failed it.
    if (language == null) return webchat.defaultLocale();
    if (!webchat.locales().contains(language)) checks.fail("locale", "unsupported");
    return language;
  }

  private static @Nullable String language(@Nullable String requested) {
    if (requested == null || requested.isBlank()) return null;
    return requested.trim().toLowerCase(Locale.ROOT).split("[-_]", -1)[0];
  }
}
