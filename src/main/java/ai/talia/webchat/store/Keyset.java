package ai.talia.webchat.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * A keyset cursor: the (created_at, id) of the last row of a page, newest first. Opaque to clients
 * (base64url of {@code <instant>|<id>}); the next page is every row strictly older, so rows
 * inserted meanwhile (newer) never shift a page, and none is seen twice or missed.
 */
public record Keyset(Instant at, String id) {

  public String encode() {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor, or null when {@code value} is not one of ours. */
  public static @Nullable Keyset decode(String value) {
    if (value.isEmpty() || value.length() > 200) return null;
    try {
      String raw = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
      int bar = raw.indexOf('|');
      if (bar <= 0 || bar == raw.length() - 1) return null;
      String id = raw.substring(bar + 1);
      if (id.length() > 64) return null;
      return new Keyset(Instant.parse(raw.substring(0, bar)), id);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return null;
    }
  }
}
