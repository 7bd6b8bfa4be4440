package ai.talia.webchat.admin;

import ai.talia.webchat.assistant.AssistantEngine;
import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.AdminStore;
import ai.talia.webchat.store.Database;
import ai.talia.webchat.store.Store;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;

/**
 * The owner's side of a gateway: the admin's reads on a small pool of their own (an export never
 * takes a connection a chat turn waits for), erasure, the OpenAI deletion queue, retention, and the
 * admin route groups of leads and sessions.
 */
public final class AdminSide {
  private static final int POOL_SIZE = 2;

  private final Pool pool;
  private final AdminStore adminStore;
  private final AdminAudit audit;
  private final ConversationDeletions deletions;
  private final Erasure erasure;
  private final Retention retention;

  public AdminSide(
      Vertx vertx,
      TaliaConfig config,
      Database database,
      Store store,
      AssistantEngine engine,
      MeterRegistry registry) {
    int retrySeconds = Check.atLeast(config, ConfigKeys.ADMIN_OPENAI_DELETION_RETRY_SECONDS, 1);
    // Connections are opened on first use, after the persistence verticle has migrated.
    this.pool = database.createPool(vertx, POOL_SIZE, "talia-admin");
    this.adminStore = new AdminStore(pool);
    this.audit = new AdminAudit(store);
    this.deletions =
        new ConversationDeletions(
            vertx, adminStore, engine, Duration.ofSeconds(retrySeconds), registry);
    this.erasure = new Erasure(vertx, store, deletions);
    this.retention = new Retention(vertx, config, adminStore, erasure, registry);
  }

  public List<AdminRoutes> routes() {
    return List.of(
        new LeadAdminApi(adminStore, audit), new SessionAdminApi(adminStore, audit, erasure));
  }

  public Erasure erasure() {
    return erasure;
  }

  public Retention retention() {
    return retention;
  }

  public ConversationDeletions deletions() {
    return deletions;
  }

  /** Starts the background work (after the store has migrated). */
  public void start() {
    deletions.start();
    retention.start();
  }

  public void stop() {
    retention.stop();
    deletions.stop();
  }

  public Future<Void> close() {
    return pool.close();
  }
}
