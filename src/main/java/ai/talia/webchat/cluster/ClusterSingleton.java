package ai.talia.webchat.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Lock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The seam for background work that must run once per cluster, not once per node (retention, say):
 * {@link #runIfFree} runs a job only on the node that takes the cluster-wide lock of that job's
 * name, and the other nodes skip that round. Vert.x's {@code SharedData} lock is Hazelcast's in
 * clustered mode and a plain JVM lock when the gateway runs alone, so the same code serves both. A
 * node that dies holding the lock loses it when the others see it leave, and the next round runs
 * elsewhere. Work made of rows (webhook deliveries) needs no singleton: a {@code FOR UPDATE SKIP
 * LOCKED} claim with a lease gives each row to one node at a time.
 */
public final class ClusterSingleton {
  /**
   * How long a round waits for the lock before skipping. A free lock is not taken instantly: in
   * clustered mode it is a round trip to Hazelcast, and on a loaded node even the local lock needs
   * a context hop, so a wait of a millisecond skipped rounds that nobody else held.
   */
  static final long ACQUIRE_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final String lockName;

  public ClusterSingleton(Vertx vertx, String jobName) {
    this.vertx = vertx;
    this.lockName = "talia.singleton." + jobName;
  }

  /**
   * Runs {@code job} if no node is running it now; completes with its result, or with null when
   * another node holds the job (this round is skipped here).
   */
  public <T> Future<@Nullable T> runIfFree(Supplier<Future<T>> job) {
    return vertx
        .sharedData()
        .getLockWithTimeout(lockName, ACQUIRE_TIMEOUT_MS)
        .transform(
            ar -> {
              if (ar.failed()) return Future.<@Nullable T>succeededFuture(null);
              Lock lock = ar.result();
              Future<T> done;
              try {
                done = job.get();
              } catch (RuntimeException e) {
                done = Future.failedFuture(e);
              }
              return done.<@Nullable T>map(r -> r).andThen(x -> lock.release());
            });
  }
}
