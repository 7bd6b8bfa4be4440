package ai.talia.webchat.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * An endpoint's signing secret as Standard Webhooks writes it: {@code whsec_} and the base64 of 24
 * to 64 random bytes. It signs; it never shows itself ({@link #toString()} is masked, and a
 * malformed secret's error says what is wrong without repeating it).
 */
public final class WebhookSecret {
  static final String PREFIX = "whsec_";
  static final int MIN_BYTES = 24;
  static final int MAX_BYTES = 64;
  private static final String HMAC = "HmacSHA256";

  private final byte[] key;

  private WebhookSecret(byte[] key) {
    this.key = key;
  }

  /**
   * Parses a secret.
   *
   * @param where how the configuration names it, for the error (e.g. {@code TALIA_WEBHOOK_SECRET})
   * @throws IllegalArgumentException saying what is wrong, never the secret
   */
  public static WebhookSecret parse(String value, String where) {
    String hint =
        " (generate one with: echo \"whsec_$(openssl rand -base64 32)\"); the value is not shown";
    if (!value.startsWith(PREFIX))
      throw new IllegalArgumentException(where + " must start with whsec_" + hint);
    byte[] key;
    try {
      key = Base64.getDecoder().decode(value.substring(PREFIX.length()).trim());
    } catch (IllegalArgumentException notBase64) {
      throw new IllegalArgumentException(where + " must be whsec_ followed by base64" + hint);
    }
    if (key.length < MIN_BYTES || key.length > MAX_BYTES)
      throw new IllegalArgumentException(
          where
              + " must encode "
              + MIN_BYTES
              + " to "
              + MAX_BYTES
              + " bytes, it encodes "
              + key.length
              + hint);
    return new WebhookSecret(key);
  }

  /**
   * The {@code webhook-signature} of one attempt: {@code v1,} and the base64 HMAC-SHA256 of {@code
   * id.timestamp.body}.
   */
  public String sign(String messageId, long timestampSeconds, String body) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      byte[] digest =
          mac.doFinal(
              (messageId + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      // HmacSHA256 is in every Java runtime.
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof WebhookSecret s && Arrays.equals(key, s.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "whsec_***";
  }
}
