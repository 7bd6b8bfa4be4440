package ai.talia.webchat.lead;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;

/**
 * Lead capture's settings ({@code lead.*}), read and checked once at start: {@code defaultRegion}
 * is the ISO 3166 region of a phone number given without its country code.
 */
public record LeadSettings(String defaultRegion) {

  public static LeadSettings fromConfig(TaliaConfig config) {
    String region = config.requiredString(ConfigKeys.LEAD_DEFAULT_REGION).trim();
    if (!region.matches("[A-Za-z]{2}"))
      throw new IllegalArgumentException(
          ConfigKeys.LEAD_DEFAULT_REGION + " must be a two-letter region code, got: " + region);
    return new LeadSettings(region);
  }
}
