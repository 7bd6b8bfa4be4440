package ai.talia.webchat.store;

import java.util.List;

/**
 * Which webhook endpoints want an event type: the store writes one {@code webhook_deliveries} row
 * per endpoint named here, in the event's own transaction (the outbox, README § Webhooks).
 */
@FunctionalInterface
public interface OutboxSubscriptions {
  OutboxSubscriptions NONE = type -> List.of();

  /** The ids of the endpoints subscribed to {@code eventType}; empty when none is. */
  List<String> endpointsFor(String eventType);
}
