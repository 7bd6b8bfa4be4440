package ai.talia.webchat.admin;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.cluster.ClusterSingleton;
import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.AdminStore;
import ai.talia.webchat.store.ErasedSession;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code retention.days} ({@code TALIA_RETENTION_DAYS}): sessions whose last activity is older are
 * erased by {@link Erasure} with reason {@code retention}, shortly after start and then every
 * {@code retention.intervalMinutes}, on one node of the cluster at a time. A sweep takes {@code
 * retention.batchSize} sessions at a time, one transaction each, and pauses between batches, so the
 * chat's writes never queue behind it; its count is logged and added to {@code
 * talia_retention_erased_total}.
 */
public final class Retention {
  private static final Logger log = LoggerFactory.getLogger(Retention.class);
  private static final long PAUSE_MS = 100;
  private static final int MAX_BATCHES = 10_000;

  private final Vertx vertx;
  private final AdminStore store;
  private final Erasure erasure;
  private final @Nullable Integer days;
  private final int batchSize;
  private final Duration interval;
  private final Duration firstRun;
  private final ClusterSingleton singleton;
  private final Counter erased;
  private long firstTimer = -1;
  private long timer = -1;

  public Retention(
      Vertx vertx, TaliaConfig config, AdminStore store, Erasure erasure, MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.erasure = erasure;
    this.days = days(config);
    this.batchSize = Check.atLeast(config, ConfigKeys.RETENTION_BATCH_SIZE, 1);
    this.interval =
        Duration.ofMinutes(Check.atLeast(config, ConfigKeys.RETENTION_INTERVAL_MINUTES, 1));
    this.firstRun = Duration.ofSeconds(config.integer(ConfigKeys.RETENTION_FIRST_RUN_SECONDS));
    this.singleton = new ClusterSingleton(vertx, "retention");
    this.erased =
        Counter.builder("talia_retention_erased_total")
            .description("Sessions erased because their last activity passed retention.days")
            .register(registry);
  }

  /** {@code retention.days}: null (keep forever) or at least 1; anything else fails the start. */
  static @Nullable Integer days(TaliaConfig config) {
    Long d = config.optionalLong(ConfigKeys.RETENTION_DAYS);
    if (d == null) return null;
    if (d < 1)
      throw new IllegalArgumentException(
          "TALIA_RETENTION_DAYS (retention.days) must be at least 1, or unset to keep forever");
    return Math.toIntExact(d);
  }

  public void start() {
    if (days == null) {
      log.info("retention off: sessions are kept until erased");
      return;
    }
    log.info("retention on", kv("days", days), kv("interval_minutes", interval.toMinutes()));
    firstTimer = vertx.setTimer(Math.max(1, firstRun.toMillis()), id -> sweep());
    timer = vertx.setPeriodic(interval.toMillis(), id -> sweep());
  }

  public void stop() {
    if (firstTimer >= 0) vertx.cancelTimer(firstTimer);
    if (timer >= 0) vertx.cancelTimer(timer);
  }

  /** One sweep, if no node runs one now; completes with how many sessions it erased. */
  public Future<@Nullable Integer> sweep() {
    Integer d = days;
    if (d == null) return Future.succeededFuture(0);
    Instant cutoff = Instant.now().minus(Duration.ofDays(d));
    return singleton
        .runIfFree(() -> batches(cutoff, null, 0, 0))
        .onSuccess(
            n -> {
              if (n != null)
                log.info("retention sweep done", kv("erased", n), kv("cutoff", cutoff.toString()));
            })
        .onFailure(e -> log.warn("retention sweep failed", kv("error", e.toString())));
  }

  private Future<Integer> batches(
      Instant cutoff, AdminStore.@Nullable SweepPosition after, int done, int batch) {
    return store
        .inactiveSince(cutoff, after, batchSize)
        .compose(
            page ->
                erasure
                    .eraseAll(page.sessionIds(), ErasedSession.RETENTION)
                    .compose(
                        erasedIds -> {
                          erased.increment(erasedIds.size());
                          int total = done + erasedIds.size();
                          AdminStore.SweepPosition next = page.next();
                          if (next == null || batch + 1 >= MAX_BATCHES)
                            return Future.succeededFuture(total);
                          Promise<Void> pause = Promise.promise();
                          vertx.setTimer(PAUSE_MS, id -> pause.complete());
                          return pause
                              .future()
                              .compose(v -> batches(cutoff, next, total, batch + 1));
                        }));
  }
}
