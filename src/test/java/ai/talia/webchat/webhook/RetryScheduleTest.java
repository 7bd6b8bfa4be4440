package ai.talia.webchat.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
  private static final Duration BASE = Duration.ofSeconds(5);
  private static final Duration MAX = Duration.ofHours(1);

  @Test
  void the_delay_doubles_from_the_base_with_jitter_in_the_upper_half_and_stops_at_the_cap() {
    RetrySchedule low = new RetrySchedule(BASE, MAX, 12, () -> 0.0);
    RetrySchedule high = new RetrySchedule(BASE, MAX, 12, () -> 0.999_999);
    long[] steps = {5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600};
    for (int attempt = 1; attempt <= steps.length; attempt++) {
      long step = steps[attempt - 1] * 1000;
      assertThat(low.delayAfter(attempt, null).toMillis()).isEqualTo(step / 2);
      assertThat(high.delayAfter(attempt, null).toMillis()).isBetween(step - 10, step);
    }
    assertThat(high.delayAfter(40, null)).isLessThanOrEqualTo(MAX);
  }

  @Test
  void the_last_attempt_allows_no_other() {
    RetrySchedule s = new RetrySchedule(BASE, MAX, 12, () -> 0.5);
    assertThat(s.allowsAnother(11)).isTrue();
    assertThat(s.allowsAnother(12)).isFalse();
  }

  @Test
  void retry_after_wins_capped_at_the_maximum() {
    RetrySchedule s = new RetrySchedule(BASE, MAX, 12, () -> 0.5);
    assertThat(s.delayAfter(1, Duration.ofSeconds(90))).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.delayAfter(1, Duration.ofHours(5))).isEqualTo(MAX);
  }

  @Test
  void retry_after_is_read_as_seconds_or_an_http_date() {
    Instant now = Instant.parse("2026-11-25T10:00:00Z");
    assertThat(RetrySchedule.parseRetryAfter("30", now)).isEqualTo(Duration.ofSeconds(30));
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(90).atZone(ZoneOffset.UTC));
    assertThat(RetrySchedule.parseRetryAfter(date, now)).isEqualTo(Duration.ofSeconds(90));
    assertThat(RetrySchedule.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now))
        .isEqualTo(Duration.ZERO);
    assertThat(RetrySchedule.parseRetryAfter(null, now)).isNull();
    assertThat(RetrySchedule.parseRetryAfter("soon", now)).isNull();
    assertThat(RetrySchedule.parseRetryAfter("99999999999999999999999", now)).isNull();
  }
}
