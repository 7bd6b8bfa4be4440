package ai.talia.webchat.http;

import com.hazelcast.map.IMap;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Token buckets (Bucket4j) per key. Alone, the buckets live in this JVM, shared by every router
 * instance; buckets that have refilled completely are dropped by {@link #evictIdle()}, which keeps
 * memory bounded by the number of recently active clients. In a cluster they live in a Hazelcast
 * map through Bucket4j's Hazelcast integration: each take is one entry processor run on the key's
 * partition owner, so N nodes share one allowance, and a bucket expires from the map once it would
 * have refilled.
 */
public final class RateLimits {
  private final long capacity;
  private final BucketConfiguration configuration;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final @Nullable AsyncProxyManager<String> shared;

  private RateLimits(long capacity, long refillPerMinute, @Nullable IMap<String, byte[]> map) {
    this.capacity = capacity;
    this.configuration =
        BucketConfiguration.builder()
            .addLimit(
                Bandwidth.builder()
                    .capacity(Math.max(1, capacity))
                    .refillGreedy(Math.max(1, refillPerMinute), Duration.ofMinutes(1))
                    .build())
            .build();
    this.shared =
        map == null
            ? null
            : Bucket4jHazelcast.entryProcessorBasedBuilder(map)
                .expirationAfterWrite(
                    ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(10)))
                .build()
                .asAsync();
  }

  /** Buckets in this JVM. */
  public RateLimits(long capacity, long refillPerMinute) {
    this(capacity, refillPerMinute, null);
  }

  /** Buckets in a Hazelcast map, shared by every member of the cluster. */
  public static RateLimits shared(long capacity, long refillPerMinute, IMap<String, byte[]> map) {
    return new RateLimits(capacity, refillPerMinute, map);
  }

  /**
   * Takes a token for {@code key}: completes with 0 when the request may go, else the seconds to
   * wait. Call it on a Vert.x context: a shared bucket's answer comes back on it.
   */
  public Future<Long> tryTake(String key) {
    if (capacity <= 0) return Future.succeededFuture(0L);
    AsyncProxyManager<String> proxies = shared;
    if (proxies == null) {
      Bucket bucket = buckets.computeIfAbsent(key, k -> Bucket.builder().addLimit(limit()).build());
      return Future.succeededFuture(waitSeconds(bucket.tryConsumeAndReturnRemaining(1)));
    }
    CompletableFuture<ConsumptionProbe> probe =
        proxies
            .builder()
            .build(key, () -> CompletableFuture.completedFuture(configuration))
            .tryConsumeAndReturnRemaining(1);
    Context context = Vertx.currentContext();
    Future<ConsumptionProbe> answer =
        context == null
            ? Future.fromCompletionStage(probe)
            : Future.fromCompletionStage(probe, context);
    return answer.map(RateLimits::waitSeconds);
  }

  private Bandwidth limit() {
    return configuration.getBandwidths()[0];
  }

  private static long waitSeconds(ConsumptionProbe probe) {
    if (probe.isConsumed()) return 0L;
    return Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
  }

  /**
   * Seconds until {@code key} may take a token, without taking one: 0 when it may now (a key with
   * no bucket yet has a full one). Only for buckets in this JVM: a shared one answers 0.
   */
  public long waitWithoutTaking(String key) {
    if (capacity <= 0 || shared != null) return 0;
    Bucket bucket = buckets.get(key);
    if (bucket == null) return 0;
    EstimationProbe probe = bucket.estimateAbilityToConsume(1);
    if (probe.canBeConsumed()) return 0;
    return Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
  }

  /**
   * Drops this JVM's buckets that have refilled; shared buckets expire in the map by themselves.
   */
  public void evictIdle() {
    buckets.entrySet().removeIf(e -> e.getValue().getAvailableTokens() >= capacity);
  }

  public int size() {
    return buckets.size();
  }
}
