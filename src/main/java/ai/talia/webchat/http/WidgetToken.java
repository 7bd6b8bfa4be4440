package ai.talia.webchat.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/**
 * The one check of a presented widget token ({@code webchat.publicToken}), on REST's header and the
 * socket's hello alike: in constant time, so its timing tells nothing of how much of it matched.
 */
final class WidgetToken {
  private WidgetToken() {}

  /** Whether {@code presented} is the configured token; with none configured, anything passes. */
  static boolean accepts(@Nullable String expected, @Nullable Object presented) {
    if (expected == null) return true;
    return presented instanceof String token
        && MessageDigest.isEqual(
            token.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }
}
