package ai.talia.webchat.lead;

import ai.talia.webchat.store.FieldLimits;
import com.google.re2j.Pattern;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** A practical email syntax check: one @, a sane local part, a dotted domain. */
public final class EmailAddresses {
  // RE2J: linear in the text, as everything that reads visitor text must be.
  private static final Pattern EMAIL =
      Pattern.compile(
          "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,63}");

  private EmailAddresses() {}

  /** The normalized address (domain lower-cased), or null when the syntax is wrong. */
  public static @Nullable String normalize(@Nullable String text) {
    if (text == null) return null;
    String s = text.trim();
    if (s.length() > FieldLimits.LEAD_EMAIL || !EMAIL.matcher(s).matches() || s.contains(".."))
      return null;
    int at = s.lastIndexOf('@');
    return s.substring(0, at) + "@" + s.substring(at + 1).toLowerCase(Locale.ROOT);
  }
}
