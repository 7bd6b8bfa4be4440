package ai.talia.webchat.session;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.store.ConsentRecord;
import org.jspecify.annotations.Nullable;

/**
 * Whether a new turn may start in a session, and if not, why: consent first, then the session's
 * turn and token caps, the gateway's daily budget, and the session's queue. Plain inputs in, a
 * refusal (or null) out; the session actor owns the counts and passes them in, so every rule here
 * is tested without an event loop.
 */
final class Admission {
  private final LimitsSettings limits;
  private final ConsentSettings consent;
  private final DailyTokenBudget budget;

  Admission(LimitsSettings limits, ConsentSettings consent, DailyTokenBudget budget) {
    this.limits = limits;
    this.consent = consent;
    this.budget = budget;
  }

  /**
   * What a session has used and has under way when a turn asks to start.
   *
   * @param turnsTaken turns the session completed, as stored
   * @param tokensUsed assistant tokens the session was billed
   * @param waiting turns admitted and not started yet
   * @param running whether a turn runs now
   */
  record Load(int turnsTaken, long tokensUsed, int waiting, boolean running) {}

  /** Why a new turn may not start now, or null when it may. */
  @Nullable ApiProblem refusal(@Nullable ConsentRecord latestConsent, Load load) {
    if (consentMissing(latestConsent)) {
      return ApiProblem.of(
          ProblemCode.CONSENT_REQUIRED, "Grant consent with POST /api/webchat/consent first");
    }
    int maxTurns = limits.sessionMaxTurns();
    int planned = load.turnsTaken() + load.waiting() + (load.running() ? 1 : 0);
    if (planned >= maxTurns) {
      return ApiProblem.of(
          ProblemCode.TURN_LIMIT_REACHED,
          "This session reached its limit of " + maxTurns + " turns");
    }
    long maxTokens = limits.sessionMaxTokens();
    if (maxTokens > 0 && load.tokensUsed() >= maxTokens) {
      return ApiProblem.of(
          ProblemCode.TOKEN_LIMIT_REACHED,
          "This session used its " + maxTokens + " assistant tokens");
    }
    if (!budget.tryReserve()) {
      return ApiProblem.of(
              ProblemCode.DAILY_BUDGET_EXHAUSTED,
              "The assistant's budget of " + budget.limit() + " tokens for today (UTC) is spent")
          .retryAfter(budget.secondsUntilReset());
    }
    int queueMax = limits.sessionQueueMax();
    if (load.waiting() >= queueMax) {
      return ApiProblem.of(
              ProblemCode.SESSION_BUSY, load.waiting() + " messages are already waiting")
          .retryAfter(2);
    }
    return null;
  }

  /** Consent is required and the latest decision is not a grant (none, or a withdrawal). */
  boolean consentMissing(@Nullable ConsentRecord latestConsent) {
    return consent.required() && (latestConsent == null || !latestConsent.granted());
  }

  /**
   * A turn admitted under consent whose consent was withdrawn while it waited: its text does not go
   * to the assistant.
   */
  static ApiProblem consentWithdrawn() {
    return ApiProblem.of(
        ProblemCode.CONSENT_REQUIRED,
        "Consent was withdrawn before this message's turn; grant it and resend");
  }
}
