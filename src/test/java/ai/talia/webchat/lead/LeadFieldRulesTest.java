package ai.talia.webchat.lead;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The per-field rules of a lead: phone to E.164, email syntax, names. */
class LeadFieldRulesTest {

  @ParameterizedTest
  @CsvSource({
    "'+34 612 345 678', ES, +34612345678",
    "'612345678', ES, +34612345678",
    "'(+34) 612-34-56-78', ES, +34612345678",
    "'+44 7400 123456', ES, +447400123456",
    "'07400 123456', GB, +447400123456",
    "'+1 (415) 555-2671', ES, +14155552671"
  })
  void valid_phones_become_e164(String text, String region, String e164) {
    assertThat(PhoneNumbers.toE164(text, region)).isEqualTo(e164);
  }

  @ParameterizedTest
  @ValueSource(strings = {"12", "123456", "+34 000", "call me", "", "+99 1234567890"})
  void invalid_phones_are_refused(String text) {
    assertThat(PhoneNumbers.toE164(text, "ES")).isNull();
  }

  @ParameterizedTest
  @CsvSource({
    "ana@example.com, ana@example.com",
    "Ana.Perez@EXAMPLE.Com, Ana.Perez@example.com",
    "'  j+tag@sub.example.co.uk ', j+tag@sub.example.co.uk"
  })
  void valid_emails_are_normalized(String text, String normalized) {
    assertThat(EmailAddresses.normalize(text)).isEqualTo(normalized);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ana",
        "ana@",
        "@example.com",
        "ana@example",
        "ana@@example.com",
        "ana..b@example.com",
        "ana perez@example.com",
        "ana@exa_mple.com"
      })
  void invalid_emails_are_refused(String text) {
    assertThat(EmailAddresses.normalize(text)).isNull();
  }

  @ParameterizedTest
  @CsvSource({
    "Ana Pérez,",
    "José Ñúñez-O'Neil,",
    "A,too_short",
    "R2D2,contains_digits",
    "'   ',blank",
    "<script>,not_a_name"
  })
  void names(String name, String problem) {
    assertThat(PersonNames.problem(name)).isEqualTo(problem);
  }
}
