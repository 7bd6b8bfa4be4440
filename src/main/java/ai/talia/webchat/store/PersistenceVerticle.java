package ai.talia.webchat.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.bus.LocalCodec;
import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.sqlclient.Pool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the database pool: applies the migrations at start, then serves {@link StoreCall}s from the
 * event bus and publishes each committed event on {@link Addresses#EVENTS}.
 */
public final class PersistenceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PersistenceVerticle.class);
  private final TaliaConfig config;
  private final OutboxSubscriptions subscriptions;
  private @Nullable Pool pool;
  private @Nullable MessageConsumer<StoreCall> consumer;

  public PersistenceVerticle(TaliaConfig config) {
    this(config, OutboxSubscriptions.NONE);
  }

  /**
   * @param subscriptions the webhook endpoints of each event type, for the outbox rows the store
   *     writes with every event
   */
  public PersistenceVerticle(TaliaConfig config, OutboxSubscriptions subscriptions) {
    this.config = config;
    this.subscriptions = subscriptions;
  }

  @Override
  public Future<?> start() {
    Database database = Database.fromConfig(config);
    LocalCodec.register(vertx, StoreCall.class);
    LocalCodec.register(vertx, StoreCall.Outcome.class);
    return vertx
        .executeBlocking(
            () -> {
              database.migrate();
              return null;
            },
            false)
        .compose(
            v -> {
              int poolSize = Check.atLeast(config, ConfigKeys.DB_POOL_SIZE, 1);
              int writeConnections =
                  Math.min(Check.atLeast(config, ConfigKeys.DB_WRITE_CONNECTIONS, 1), poolSize);
              pool = database.createPool(vertx, poolSize);
              Store store =
                  new SqlStore(
                      pool,
                      database.postgres() != null,
                      // Batches form only while every write connection is busy.
                      writeConnections,
                      event -> vertx.eventBus().publish(Addresses.EVENTS, event.toJson()),
                      subscriptions);
              consumer =
                  vertx
                      .eventBus()
                      .localConsumer(
                          Addresses.STORE,
                          message ->
                              message
                                  .body()
                                  .operation()
                                  .apply(store)
                                  .onComplete(
                                      ar ->
                                          message.reply(
                                              new StoreCall.Outcome(ar.result(), ar.cause()))));
              return consumer.completion().compose(x -> store.ping());
            })
        .onSuccess(
            v ->
                log.info(
                    "store ready",
                    kv("store", database.kind()),
                    kv("database", database.description())));
  }

  @Override
  public Future<?> stop() {
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered.compose(v -> pool == null ? Future.succeededFuture() : pool.close());
  }
}
