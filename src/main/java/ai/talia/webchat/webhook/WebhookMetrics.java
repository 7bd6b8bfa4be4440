package ai.talia.webchat.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The webhook meters, labelled by endpoint id: attempts by outcome ({@code delivered}, {@code
 * retrying}, {@code failed}), the outbox backlog and its age (read from the database, so every node
 * of a cluster reports the same figure: do not sum them), attempt duration and the latency from an
 * event to its delivery.
 */
final class WebhookMetrics {
  static final List<String> OUTCOMES = List.of("delivered", "retrying", "failed");

  private final MeterRegistry registry;
  private final Map<String, AtomicLong> pending = new HashMap<>();
  private final Map<String, AtomicReference<@Nullable Instant>> oldest = new HashMap<>();
  private final Map<String, Timer> attemptDuration = new HashMap<>();
  private final Map<String, Timer> deliveryLatency = new HashMap<>();
  private final Counter purged;

  WebhookMetrics(MeterRegistry registry, List<WebhookEndpoint> endpoints) {
    this.registry = registry;
    for (WebhookEndpoint e : endpoints) {
      String id = e.id();
      for (String outcome : OUTCOMES) counter(id, outcome);
      AtomicLong count = new AtomicLong();
      pending.put(id, count);
      Gauge.builder("talia_webhook_pending", count, AtomicLong::get)
          .description("Deliveries not yet delivered nor given up, in the database")
          .tag("endpoint", id)
          .register(registry);
      AtomicReference<@Nullable Instant> since = new AtomicReference<>();
      oldest.put(id, since);
      Gauge.builder("talia_webhook_oldest_pending_seconds", since, WebhookMetrics::age)
          .description("How long the oldest pending delivery has waited")
          .tag("endpoint", id)
          .register(registry);
      attemptDuration.put(
          id,
          Timer.builder("talia_webhook_attempt_duration")
              .description("One POST to the endpoint, connect to answer")
              .tag("endpoint", id)
              .publishPercentileHistogram()
              .register(registry));
      deliveryLatency.put(
          id,
          Timer.builder("talia_webhook_delivery_latency")
              .description("From the event's commit to the endpoint's 2xx")
              .tag("endpoint", id)
              .publishPercentileHistogram()
              .register(registry));
    }
    purged =
        Counter.builder("talia_webhook_purged_total")
            .description("Delivered rows deleted after their retention")
            .register(registry);
  }

  void attempt(String endpoint, String outcome, Duration took) {
    counter(endpoint, outcome).increment();
    Timer t = attemptDuration.get(endpoint);
    if (t != null) t.record(took);
  }

  void delivered(String endpoint, Duration sinceWritten) {
    Timer t = deliveryLatency.get(endpoint);
    if (t != null) t.record(sinceWritten.isNegative() ? Duration.ZERO : sinceWritten);
  }

  void backlog(Map<String, WebhookOutbox.Backlog> byEndpoint) {
    pending.forEach(
        (id, count) -> {
          WebhookOutbox.Backlog b = byEndpoint.get(id);
          count.set(b == null ? 0 : b.pending());
          AtomicReference<@Nullable Instant> since = oldest.get(id);
          if (since != null) since.set(b == null ? null : b.oldestCreatedAt());
        });
  }

  void purged(int rows) {
    purged.increment(rows);
  }

  private Counter counter(String endpoint, String outcome) {
    return Counter.builder("talia_webhook_deliveries_total")
        .description(
            "Delivery attempts by outcome: delivered, retrying (will be tried again), failed")
        .tag("endpoint", endpoint)
        .tag("outcome", outcome)
        .register(registry);
  }

  private static double age(AtomicReference<@Nullable Instant> since) {
    Instant at = since.get();
    return at == null ? 0 : Math.max(0, Duration.between(at, Instant.now()).toMillis() / 1000.0);
  }
}
