package ai.talia.webchat.lead;

import org.jspecify.annotations.Nullable;

/** Emails and phones as they may appear in logs. */
public final class Masking {
  private Masking() {}

  /** ana.perez@example.com → a***@example.com */
  public static @Nullable String email(@Nullable String email) {
    if (email == null) return null;
    int at = email.indexOf('@');
    if (at <= 0) return "***";
    return email.charAt(0) + "***" + email.substring(at);
  }

  /** +34612345678 → +34******678 */
  public static @Nullable String phone(@Nullable String phone) {
    if (phone == null) return null;
    if (phone.length() <= 6) return "***";
    return phone.substring(0, 3)
        + "*".repeat(phone.length() - 6)
        + phone.substring(phone.length() - 3);
  }
}
