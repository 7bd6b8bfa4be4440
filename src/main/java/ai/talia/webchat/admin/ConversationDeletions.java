package ai.talia.webchat.admin;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.assistant.AssistantEngine;
import ai.talia.webchat.cluster.ClusterSingleton;
import ai.talia.webchat.store.AdminStore;
import ai.talia.webchat.store.AdminStore.OpenAiDeletion;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes erased sessions' conversations at OpenAI ({@code DELETE /v1/conversations/{id}}): once
 * right after the erasure commits, then, while OpenAI fails, from the {@code openai_deletions}
 * queue every {@code admin.openaiDeletionRetrySeconds} (the delay of a row doubling with each
 * failure, up to an hour), on one node of the cluster at a time. The queue's length is the gauge
 * {@code talia_openai_deletions_pending}; each attempt counts in {@code
 * talia_openai_deletions_total{outcome}}.
 */
public final class ConversationDeletions {
  private static final Logger log = LoggerFactory.getLogger(ConversationDeletions.class);
  private static final int BATCH = 20;
  private static final Duration MAX_DELAY = Duration.ofHours(1);

  private final Vertx vertx;
  private final AdminStore store;
  private final AssistantEngine engine;
  private final Duration retry;
  private final ClusterSingleton singleton;
  private final AtomicLong pending = new AtomicLong();
  private final Counter deleted;
  private final Counter failed;
  private long timer = -1;

  public ConversationDeletions(
      Vertx vertx,
      AdminStore store,
      AssistantEngine engine,
      Duration retry,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.engine = engine;
    this.retry = retry;
    this.singleton = new ClusterSingleton(vertx, "openai-deletions");
    Gauge.builder("talia_openai_deletions_pending", pending, AtomicLong::get)
        .description("Erased sessions' OpenAI conversations not yet confirmed deleted at OpenAI")
        .register(registry);
    this.deleted =
        Counter.builder("talia_openai_deletions_total")
            .description("Attempts to delete an erased session's OpenAI conversation")
            .tag("outcome", "deleted")
            .register(registry);
    this.failed =
        Counter.builder("talia_openai_deletions_total")
            .description("Attempts to delete an erased session's OpenAI conversation")
            .tag("outcome", "failed")
            .register(registry);
  }

  public void start() {
    timer = vertx.setPeriodic(retry.toMillis(), id -> runDue());
    refreshGauge();
  }

  public void stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
  }

  /** The first attempt, right after the erasure committed. */
  Future<Void> deleteNow(String conversationId) {
    return attempt(conversationId, 0);
  }

  /** One round of the queue, on one node of the cluster. */
  public Future<Void> runDue() {
    return singleton
        .runIfFree(
            () ->
                store
                    .dueDeletions(Instant.now(), BATCH)
                    .compose(this::attemptAll)
                    .eventually(this::refreshGauge))
        .recover(
            e -> {
              log.warn("openai deletion round failed", kv("error", e.toString()));
              return Future.succeededFuture();
            })
        .mapEmpty();
  }

  private Future<Void> attemptAll(List<OpenAiDeletion> due) {
    Future<Void> chain = Future.succeededFuture();
    for (OpenAiDeletion d : due)
      chain = chain.compose(v -> attempt(d.conversationId(), d.attempts()));
    return chain;
  }

  private Future<Void> attempt(String conversationId, int previousAttempts) {
    return engine
        .deleteConversation(conversationId)
        .transform(
            ar -> {
              if (ar.succeeded()) {
                deleted.increment();
                log.info("openai conversation deleted", kv("conversation_id", conversationId));
                return store.deletionDone(conversationId, Instant.now());
              }
              failed.increment();
              long delayMs =
                  Math.min(
                      MAX_DELAY.toMillis(),
                      retry.toMillis() * (1L << Math.min(previousAttempts, 20)));
              log.warn(
                  "openai conversation not deleted, will retry",
                  kv("conversation_id", conversationId),
                  kv("attempts", previousAttempts + 1),
                  kv("retry_in_ms", delayMs),
                  kv("error", String.valueOf(ar.cause().getMessage())));
              return store.deletionFailed(
                  conversationId,
                  Instant.now().plusMillis(delayMs),
                  String.valueOf(ar.cause().getMessage()));
            })
        .eventually(this::refreshGauge)
        .recover(
            e -> {
              log.warn("openai deletion not recorded", kv("error", e.toString()));
              return Future.succeededFuture();
            });
  }

  private Future<Void> refreshGauge() {
    return store.pendingDeletions().onSuccess(pending::set).<Void>mapEmpty().otherwiseEmpty();
  }
}
