package ai.talia.webchat.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.store.ConsentRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admission rules alone: plain settings and counts in, a refusal or none out; no Vert.x. */
class AdmissionTest {
  private static final Instant NOON = Instant.parse("2026-12-01T12:00:00Z");
  private static final ConsentRecord GRANTED = consent(true);
  private static final Admission.Load FRESH = new Admission.Load(0, 0, 0, false);

  private static LimitsSettings limits(int queueMax, int maxTurns, long maxTokens) {
    return new LimitsSettings(4000, queueMax, maxTurns, maxTokens, 0, 10, 10, 10, 10);
  }

  private static ConsentSettings consentRequired(boolean required) {
    return new ConsentSettings(required, "2026-11", null, Map.of(), null);
  }

  private static ConsentRecord consent(boolean granted) {
    return new ConsentRecord("c1", "s1", "2026-11", granted, NOON, "ip", "ua");
  }

  private static DailyTokenBudget budget(long limit) {
    return new DailyTokenBudget(limit, Clock.fixed(NOON, ZoneOffset.UTC));
  }

  private static Admission admission(LimitsSettings limits, boolean consentRequired) {
    return new Admission(limits, consentRequired(consentRequired), budget(0));
  }

  @Test
  void a_fresh_consented_session_under_every_limit_is_admitted() {
    Admission admission = admission(limits(5, 10, 1000), true);
    assertThat(admission.refusal(GRANTED, FRESH)).isNull();
    assertThat(admission.refusal(GRANTED, new Admission.Load(8, 999, 1, false))).isNull();
    assertThat(admission.consentMissing(GRANTED)).isFalse();
  }

  @Test
  void without_a_granted_consent_a_turn_is_refused_with_consent_required() {
    Admission admission = admission(limits(5, 10, 1000), true);
    for (ConsentRecord latest : new ConsentRecord[] {null, consent(false)}) {
      assertThat(admission.consentMissing(latest)).isTrue();
      ApiProblem refused = admission.refusal(latest, FRESH);
      assertThat(refused).isNotNull();
      assertThat(refused.code()).isEqualTo(ProblemCode.CONSENT_REQUIRED.code());
    }
  }

  @Test
  void when_consent_is_not_required_none_is_needed() {
    Admission admission = admission(limits(5, 10, 1000), false);
    assertThat(admission.consentMissing(null)).isFalse();
    assertThat(admission.refusal(null, FRESH)).isNull();
    assertThat(admission.refusal(consent(false), FRESH)).isNull();
  }

  @Test
  void a_withdrawal_while_waiting_is_a_consent_required_refusal() {
    assertThat(Admission.consentWithdrawn().code()).isEqualTo(ProblemCode.CONSENT_REQUIRED.code());
  }

  @Test
  void the_turn_cap_counts_taken_waiting_and_running_turns() {
    Admission admission = admission(limits(5, 3, 0), true);
    assertThat(admission.refusal(GRANTED, new Admission.Load(2, 0, 0, false))).isNull();
    for (Admission.Load full :
        new Admission.Load[] {
          new Admission.Load(3, 0, 0, false),
          new Admission.Load(2, 0, 1, false),
          new Admission.Load(2, 0, 0, true),
          new Admission.Load(1, 0, 1, true)
        }) {
      ApiProblem refused = admission.refusal(GRANTED, full);
      assertThat(refused).as("%s", full).isNotNull();
      assertThat(refused.code()).isEqualTo(ProblemCode.TURN_LIMIT_REACHED.code());
    }
  }

  @Test
  void the_token_cap_refuses_once_reached_and_zero_means_no_cap() {
    Admission capped = admission(limits(5, 10, 1000), true);
    assertThat(capped.refusal(GRANTED, new Admission.Load(1, 999, 0, false))).isNull();
    ApiProblem refused = capped.refusal(GRANTED, new Admission.Load(1, 1000, 0, false));
    assertThat(refused).isNotNull();
    assertThat(refused.code()).isEqualTo(ProblemCode.TOKEN_LIMIT_REACHED.code());

    Admission uncapped = admission(limits(5, 10, 0), true);
    assertThat(uncapped.refusal(GRANTED, new Admission.Load(1, 5_000_000, 0, false))).isNull();
  }

  @Test
  void a_spent_daily_budget_refuses_until_utc_midnight() {
    DailyTokenBudget budget = budget(100);
    Admission admission = new Admission(limits(5, 10, 0), consentRequired(true), budget);
    assertThat(admission.refusal(GRANTED, FRESH)).isNull();
    budget.record(100);
    ApiProblem refused = admission.refusal(GRANTED, FRESH);
    assertThat(refused).isNotNull();
    assertThat(refused.code()).isEqualTo(ProblemCode.DAILY_BUDGET_EXHAUSTED.code());
    assertThat(refused.retryAfterSeconds()).isEqualTo(12 * 3600L);
  }

  @Test
  void a_full_queue_refuses_with_session_busy_and_a_retry_after() {
    Admission admission = admission(limits(2, 10, 0), true);
    assertThat(admission.refusal(GRANTED, new Admission.Load(0, 0, 1, true))).isNull();
    ApiProblem refused = admission.refusal(GRANTED, new Admission.Load(0, 0, 2, true));
    assertThat(refused).isNotNull();
    assertThat(refused.code()).isEqualTo(ProblemCode.SESSION_BUSY.code());
    assertThat(refused.retryAfterSeconds()).isEqualTo(2L);
  }

  @Test
  void consent_is_checked_before_the_caps() {
    Admission admission = admission(limits(0, 0, 1), true);
    ApiProblem refused = admission.refusal(null, new Admission.Load(5, 5, 5, true));
    assertThat(refused).isNotNull();
    assertThat(refused.code()).isEqualTo(ProblemCode.CONSENT_REQUIRED.code());
  }
}
