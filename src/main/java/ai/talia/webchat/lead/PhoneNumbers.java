package ai.talia.webchat.lead;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import org.jspecify.annotations.Nullable;

/** Phone numbers parsed with libphonenumber and stored in E.164. */
public final class PhoneNumbers {
  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

  private PhoneNumbers() {}

  /** The E.164 form, or null when the text is not a valid number. */
  public static @Nullable String toE164(@Nullable String text, String defaultRegion) {
    if (text == null || text.isBlank() || text.length() > 40) return null;
    try {
      Phonenumber.PhoneNumber number = UTIL.parse(text.trim(), defaultRegion);
      return UTIL.isValidNumber(number)
          ? UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164)
          : null;
    } catch (NumberParseException e) {
      return null;
    }
  }
}
