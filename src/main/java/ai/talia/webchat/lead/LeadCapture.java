package ai.talia.webchat.lead;

import io.vertx.core.Future;

/** Stores lead data for one session through {@link LeadService}'s validation and consent rule. */
@FunctionalInterface
public interface LeadCapture {
  Future<LeadOutcome> capture(LeadFields fields);
}
