package ai.talia.webchat.lead;

import ai.talia.webchat.store.FieldLimits;
import com.google.re2j.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A person's name: letters, spaces, apostrophes, hyphens and dots; 2 characters to {@link
 * FieldLimits#LEAD_NAME} UTF-16 units.
 */
public final class PersonNames {
  // RE2J: linear in the text, as everything that reads visitor text must be.
  private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{M}][\\p{L}\\p{M} .'’-]*");
  private static final Pattern SPACES = Pattern.compile("[\\t\\n\\x0B\\f\\r ]+");

  private PersonNames() {}

  /** Why the name is refused, or null when it is fine. */
  public static @Nullable String problem(@Nullable String name) {
    if (name == null || name.isBlank()) return "blank";
    String s = name.trim();
    if (s.codePointCount(0, s.length()) < 2) return "too_short";
    if (s.length() > FieldLimits.LEAD_NAME) return "too_long";
    if (s.chars().anyMatch(Character::isDigit)) return "contains_digits";
    if (!NAME.matcher(s).matches()) return "not_a_name";
    return null;
  }

  public static String clean(String name) {
    return SPACES.matcher(name.trim()).replaceAll(" ");
  }
}
