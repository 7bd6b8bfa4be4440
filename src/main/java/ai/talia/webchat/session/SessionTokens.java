package ai.talia.webchat.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Session ids and tokens: the token is shown once, only its SHA-256 is stored. */
public final class SessionTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** SPEC §4: a UUID, or 8–64 characters of [A-Za-z0-9_-]. */
  private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_-]{8,64}");

  private SessionTokens() {}

  public static String newSessionId() {
    return UUID.randomUUID().toString();
  }

  public static boolean validSessionId(String id) {
    return id != null && SESSION_ID.matcher(id).matches();
  }

  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String hash(String token) {
    return HexFormat.of().formatHex(sha256(token));
  }

  /** Constant-time check of a presented token against the stored hash. */
  public static boolean matches(@Nullable String presentedToken, @Nullable String storedHash) {
    if (presentedToken == null || storedHash == null) return false;
    return MessageDigest.isEqual(
        hash(presentedToken).getBytes(StandardCharsets.US_ASCII),
        storedHash.getBytes(StandardCharsets.US_ASCII));
  }

  public static String hashWithSalt(String value, String salt) {
    return HexFormat.of().formatHex(sha256(salt + "\u0000" + value));
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
