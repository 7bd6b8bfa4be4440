package ai.talia.webchat.webhook;

import ai.talia.webchat.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.jspecify.annotations.Nullable;

/**
 * The webhook side of a gateway: the outbox on a small pool of its own (so that delivery work and
 * the admin's listing never take a connection a chat turn waits for; the chat's pool stays the
 * persistence verticle's), the delivery verticle when an endpoint is configured, and the admin
 * endpoints.
 */
public final class Webhooks {
  private static final int POOL_SIZE = 2;

  private final WebhookSettings settings;
  private final Pool pool;
  private final WebhookOutbox outbox;
  private final MeterRegistry registry;
  private @Nullable String deploymentId;

  public Webhooks(
      Vertx vertx, Database database, WebhookSettings settings, MeterRegistry registry) {
    this.settings = settings;
    this.registry = registry;
    // Connections are opened on first use, after the persistence verticle has migrated.
    this.pool = database.createPool(vertx, POOL_SIZE, "talia-webhooks");
    this.outbox = new WebhookOutbox(pool);
  }

  public WebhookSettings settings() {
    return settings;
  }

  public WebhookAdminApi adminApi() {
    return new WebhookAdminApi(outbox);
  }

  /** Starts delivering, when any endpoint is configured. */
  public Future<Void> start(Vertx vertx) {
    if (!settings.enabled()) return Future.succeededFuture();
    return vertx
        .deployVerticle(new WebhookDeliveryVerticle(settings, outbox, registry))
        .onSuccess(id -> deploymentId = id)
        .mapEmpty();
  }

  /** Stops delivering: attempts in flight finish and are recorded. */
  public Future<Void> stop(Vertx vertx) {
    String id = deploymentId;
    deploymentId = null;
    return id == null ? Future.succeededFuture() : vertx.undeploy(id);
  }

  public Future<Void> close() {
    return pool.close();
  }
}
