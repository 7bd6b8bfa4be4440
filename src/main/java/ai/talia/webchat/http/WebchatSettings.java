package ai.talia.webchat.http;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The widget's settings ({@code webchat.*}), read and checked once at start. {@code welcome} maps a
 * locale to its text.
 */
public record WebchatSettings(
    @Nullable String publicToken,
    List<String> allowedOrigins,
    String title,
    String theme,
    List<String> locales,
    String defaultLocale,
    Map<String, String> welcome) {

  public WebchatSettings {
    allowedOrigins = List.copyOf(allowedOrigins);
    locales = List.copyOf(locales);
    welcome = Collections.unmodifiableMap(new LinkedHashMap<>(welcome));
  }

  public static WebchatSettings fromConfig(TaliaConfig config) {
    return new WebchatSettings(
        config.string(ConfigKeys.WEBCHAT_PUBLIC_TOKEN),
        config.list(ConfigKeys.WEBCHAT_ALLOWED_ORIGINS),
        config.requiredString(ConfigKeys.WEBCHAT_TITLE),
        config.requiredString(ConfigKeys.WEBCHAT_THEME),
        config.list(ConfigKeys.WEBCHAT_LOCALES),
        config.requiredString(ConfigKeys.WEBCHAT_DEFAULT_LOCALE),
        config.texts(ConfigKeys.WEBCHAT_WELCOME));
  }

  /** The text for {@code locale} in {@code texts}, else the default locale's, else null. */
  public @Nullable String text(Map<String, String> texts, String locale) {
    String text = texts.get(locale);
    return text != null ? text : texts.get(defaultLocale);
  }
}
