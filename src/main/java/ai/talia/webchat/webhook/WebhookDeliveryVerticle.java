package ai.talia.webchat.webhook;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.config.BuildInfo;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox: one lane per endpoint claims that endpoint's due rows, POSTs them, records
 * every attempt and schedules the next. A committed event on {@link Addresses#EVENTS} wakes the
 * lanes that want its type, so delivery starts at once; a periodic poll picks up what no event
 * announced (rows written by another node, retries that came due, leases that ran out).
 *
 * <p>Lanes share nothing but the database: each has its own HTTP client, connection pool and limit
 * of attempts in flight, so a slow or dead endpoint holds back only itself, and nothing here is on
 * the path of a chat turn (the turn's transaction only inserts the outbox rows).
 */
public final class WebhookDeliveryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WebhookDeliveryVerticle.class);
  private static final Duration PURGE_EVERY = Duration.ofHours(1);
  private static final int PURGE_BATCH = 1000;

  private final WebhookSettings settings;
  private final WebhookOutbox outbox;
  private final MeterRegistry registry;
  private final List<Lane> lanes = new ArrayList<>();
  private final RetrySchedule schedule;
  private @Nullable WebhookMetrics metrics;
  private @Nullable MessageConsumer<JsonObject> events;
  private @Nullable MessageConsumer<String> wakes;
  private long pollTimer = -1;
  private long purgeTimer = -1;
  private boolean stopping;
  private @Nullable Promise<Void> drained;

  public WebhookDeliveryVerticle(
      WebhookSettings settings, WebhookOutbox outbox, MeterRegistry registry) {
    this.settings = settings;
    this.outbox = outbox;
    this.registry = registry;
    this.schedule = RetrySchedule.of(settings);
  }

  /** The {@code user-agent} of every webhook: TalIA and its version. */
  public static String userAgent() {
    return "TalIA-Webchat/" + BuildInfo.version() + " (webhooks)";
  }

  @Override
  public Future<?> start() {
    metrics = new WebhookMetrics(registry, settings.endpoints());
    for (WebhookEndpoint e : settings.endpoints())
      lanes.add(new Lane(e, new WebhookSender(vertx, e, settings, userAgent())));
    events =
        vertx
            .eventBus()
            .<JsonObject>localConsumer(
                Addresses.EVENTS,
                message -> {
                  String type = message.body().getString("type");
                  for (Lane lane : lanes)
                    if (type != null && lane.endpoint.wants(type)) lane.wake();
                });
    wakes =
        vertx
            .eventBus()
            .<String>localConsumer(
                Addresses.WEBHOOK_WAKE,
                message -> {
                  for (Lane lane : lanes)
                    if (lane.endpoint.id().equals(message.body())) lane.wake();
                });
    pollTimer =
        vertx.setPeriodic(
            settings.pollInterval().toMillis(),
            id -> {
              lanes.forEach(Lane::wake);
              refreshBacklog();
            });
    if (!settings.deliveredRetention().isZero()) {
      purge();
      purgeTimer = vertx.setPeriodic(PURGE_EVERY.toMillis(), id -> purge());
    }
    List<Map<String, String>> described = new ArrayList<>();
    for (WebhookEndpoint e : settings.endpoints())
      described.add(
          Map.of(
              "id",
              e.id(),
              "origin",
              e.origin(),
              "events",
              e.events().isEmpty() ? "all" : String.join(",", new TreeSet<>(e.events()))));
    log.info(
        "webhook delivery started",
        kv("endpoints", described),
        kv("timeout_ms", settings.timeout().toMillis()),
        kv("max_attempts", settings.maxAttempts()));
    for (WebhookEndpoint e : settings.endpoints())
      if ("http".equalsIgnoreCase(e.url().getScheme()) && !loopback(e.url().getHost()))
        log.warn(
            "webhook endpoint is plain http: its events, leads included, cross the network unencrypted",
            kv("endpoint", e.id()));
    return Future.all(events.completion(), wakes.completion())
        .onSuccess(
            v -> {
              lanes.forEach(Lane::wake);
              refreshBacklog();
            });
  }

  /**
   * Stops claiming, lets the attempts in flight finish and be recorded (each is bounded by the
   * timeout), then closes the clients. Rows still pending are sent after the next start, or by
   * another node.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(purgeTimer);
    Promise<Void> done = Promise.promise();
    drained = done;
    checkDrained();
    long cap = vertx.setTimer(settings.timeout().toMillis() + 2_000, t -> done.tryComplete());
    return Future.join(unregister(events), unregister(wakes))
        .compose(v -> done.future())
        .onComplete(ar -> vertx.cancelTimer(cap))
        .onComplete(ar -> lanes.forEach(l -> l.sender.close()));
  }

  private static Future<Void> unregister(@Nullable MessageConsumer<?> consumer) {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void checkDrained() {
    if (drained == null) return;
    for (Lane lane : lanes) if (lane.inFlight > 0 || lane.claiming) return;
    drained.tryComplete();
  }

  private void refreshBacklog() {
    outbox
        .backlog()
        .onSuccess(b -> metrics().backlog(b))
        .onFailure(err -> log.warn("webhook backlog not read", kv("error", err.toString())));
  }

  private void purge() {
    Instant cutoff = Instant.now().minus(settings.deliveredRetention());
    outbox
        .purgeDelivered(cutoff, PURGE_BATCH)
        .onSuccess(
            n -> {
              metrics().purged(n);
              if (n > 0)
                log.info(
                    "purged delivered webhook rows",
                    kv("rows", n),
                    kv("before", cutoff.toString()));
            })
        .onFailure(err -> log.warn("webhook purge failed", kv("error", err.toString())));
  }

  private WebhookMetrics metrics() {
    if (metrics == null) throw new IllegalStateException("not started");
    return metrics;
  }

  private static boolean loopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }

  /** One endpoint's deliveries: its claims, its attempts in flight, its pause after a 429. */
  private final class Lane {
    private final WebhookEndpoint endpoint;
    private final WebhookSender sender;
    private int inFlight;
    private boolean claiming;
    private boolean again;
    private boolean claimsFailing;
    private Instant pausedUntil = Instant.MIN;

    Lane(WebhookEndpoint endpoint, WebhookSender sender) {
      this.endpoint = endpoint;
      this.sender = sender;
    }

    /** Claims as many due rows as there are free slots; coalesces wake-ups while a claim runs. */
    void wake() {
      if (stopping) return;
      if (claiming) {
        again = true;
        return;
      }
      int free = settings.concurrency() - inFlight;
      Instant now = Instant.now();
      if (free <= 0 || now.isBefore(pausedUntil)) return;
      claiming = true;
      String claim = UUID.randomUUID().toString();
      outbox
          .claim(endpoint.id(), claim, now, now.plus(settings.claimLease()), free)
          .onComplete(
              ar -> {
                claiming = false;
                checkDrained();
                if (ar.failed()) {
                  if (!claimsFailing)
                    log.warn(
                        "webhook outbox unreadable; retrying at the next poll",
                        kv("endpoint", endpoint.id()),
                        kv("error", ar.cause().toString()));
                  claimsFailing = true;
                } else if (stopping) {
                  // Claimed while stopping: handed back at once rather than left to the lease.
                  if (!ar.result().isEmpty()) {
                    inFlight++;
                    outbox
                        .release(claim)
                        .onComplete(
                            released -> {
                              inFlight--;
                              checkDrained();
                            });
                  }
                } else {
                  claimsFailing = false;
                  for (WebhookOutbox.Claimed row : ar.result()) {
                    inFlight++;
                    attempt(row, claim)
                        .onComplete(
                            done -> {
                              inFlight--;
                              checkDrained();
                              wake();
                            });
                  }
                }
                if (again) {
                  again = false;
                  wake();
                }
              });
    }

    private Future<Void> attempt(WebhookOutbox.Claimed row, String claim) {
      Instant attemptedAt = Instant.now();
      return sender
          .send(row.eventId(), row.body())
          .compose(
              result -> {
                int attempt = row.attempts() + 1;
                Instant now = Instant.now();
                WebhookOutbox.Outcome outcome;
                String label;
                if (result.delivered()) {
                  outcome = new WebhookOutbox.Outcome(WebhookOutbox.DELIVERED, attempt, now, now);
                  label = "delivered";
                  metrics().delivered(endpoint.id(), Duration.between(row.createdAt(), now));
                } else if (result.gone() || !schedule.allowsAnother(attempt)) {
                  outcome = new WebhookOutbox.Outcome(WebhookOutbox.FAILED, attempt, now, null);
                  label = "failed";
                } else {
                  Duration delay = schedule.delayAfter(attempt, result.retryAfter());
                  outcome =
                      new WebhookOutbox.Outcome(
                          WebhookOutbox.PENDING, attempt, now.plus(delay), null);
                  label = "retrying";
                  if (result.retryAfter() != null) pausedUntil = now.plus(delay);
                  vertx.setTimer(Math.max(1, delay.toMillis()), t -> wake());
                }
                metrics().attempt(endpoint.id(), label, result.duration());
                logAttempt(row, attempt, result, outcome, label);
                return outbox
                    .record(row, claim, attemptedAt, result, outcome)
                    .onSuccess(
                        mine -> {
                          if (!mine)
                            log.warn(
                                "webhook delivery was taken over by another node after its lease ran out",
                                kv("endpoint", endpoint.id()),
                                kv("delivery_id", row.id()));
                        })
                    .<Void>mapEmpty();
              })
          .recover(
              err -> {
                // The claim stays until its lease runs out; the row is then sent again.
                log.error(
                    "webhook attempt not recorded",
                    kv("endpoint", endpoint.id()),
                    kv("delivery_id", row.id()),
                    kv("error", err.toString()));
                return Future.succeededFuture();
              });
    }

    private void logAttempt(
        WebhookOutbox.Claimed row,
        int attempt,
        AttemptResult result,
        WebhookOutbox.Outcome outcome,
        String label) {
      Object[] fields = {
        kv("endpoint", endpoint.id()),
        kv("delivery_id", row.id()),
        kv("event_id", row.eventId()),
        kv("event_type", row.eventType()),
        kv("session_id", row.sessionId()),
        kv("attempt", attempt),
        kv("outcome", label),
        kv("result", result.describe()),
        kv("duration_ms", result.duration().toMillis()),
        // as text: the JSON encoder has no java.time support and would drop the whole line
        kv("next_attempt_at", "retrying".equals(label) ? outcome.nextAttemptAt().toString() : null)
      };
      switch (label) {
        case "delivered" -> log.debug("webhook delivered", fields);
        case "retrying" -> log.warn("webhook attempt failed; will retry", fields);
        default ->
            log.error(
                result.gone()
                    ? "webhook endpoint answered 410 Gone: delivery given up; remove the endpoint or retry it"
                    : "webhook delivery given up after its last attempt",
                fields);
      }
    }
  }
}
