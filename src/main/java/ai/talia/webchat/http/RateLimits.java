package ai.talia.webchat.http;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets (Bucket4j) per key, shared by every router instance of the JVM. Buckets that have
 * refilled completely are dropped by {@link #evictIdle()}, which keeps memory bounded by the number
 * of recently active clients.
 */
public final class RateLimits {
  private final long capacity;
  private final long refillPerMinute;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimits(long capacity, long refillPerMinute) {
    this.capacity = capacity;
    this.refillPerMinute = refillPerMinute;
  }

  /** Takes a token for {@code key}: 0 when the request may go, else the seconds to wait. */
  public long tryTake(String key) {
    if (capacity <= 0) return 0;
    Bucket bucket =
        buckets.computeIfAbsent(
            key,
            k ->
                Bucket.builder()
                    .addLimit(
                        Bandwidth.builder()
                            .capacity(capacity)
                            .refillGreedy(Math.max(1, refillPerMinute), Duration.ofMinutes(1))
                            .build())
                    .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) return 0;
    return Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
  }

  /**
   * Seconds until {@code key} may take a token, without taking one: 0 when it may now (a key with
   * no bucket yet has a full one).
   */
  public long waitWithoutTaking(String key) {
    if (capacity <= 0) return 0;
    Bucket bucket = buckets.get(key);
    if (bucket == null) return 0;
    io.github.bucket4j.EstimationProbe probe = bucket.estimateAbilityToConsume(1);
    if (probe.canBeConsumed()) return 0;
    return Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
  }

  public void evictIdle() {
    buckets.entrySet().removeIf(e -> e.getValue().getAvailableTokens() >= capacity);
  }

  public int size() {
    return buckets.size();
  }
}
