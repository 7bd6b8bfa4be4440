package ai.talia.webchat.assistant.openai;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The stable per-visitor id OpenAI asks for ({@code safety_identifier}): SHA-256 of the session id,
 * 64 hex chars.
 */
final class SafetyIdentifier {
  private SafetyIdentifier() {}

  static String of(String sessionId) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
