package ai.talia.webchat.session;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The consent's settings ({@code consent.*}), read and checked once at start. {@code text} maps a
 * locale to the consent's text; {@code ipHashSalt} is null when none is configured.
 */
public record ConsentSettings(
    boolean required,
    String policyVersion,
    @Nullable String policyUrl,
    Map<String, String> text,
    @Nullable String ipHashSalt) {

  public ConsentSettings {
    text = Collections.unmodifiableMap(new LinkedHashMap<>(text));
  }

  public static ConsentSettings fromConfig(TaliaConfig config) {
    return new ConsentSettings(
        config.bool(ConfigKeys.CONSENT_REQUIRED),
        config.requiredString(ConfigKeys.CONSENT_POLICY_VERSION),
        config.string(ConfigKeys.CONSENT_POLICY_URL),
        config.texts(ConfigKeys.CONSENT_TEXT),
        config.string(ConfigKeys.CONSENT_IP_HASH_SALT));
  }
}
