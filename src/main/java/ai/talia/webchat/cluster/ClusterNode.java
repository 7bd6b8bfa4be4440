package ai.talia.webchat.cluster;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.bus.Addresses;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM as a member of the gateways' Vert.x cluster: its node id, the members it sees (logged at
 * every change, in {@code /ready} and in {@code talia_cluster_members}), and the cluster manager's
 * own primitives the gateway builds on — cluster-wide locks and the event bus's registrations. A
 * member that leaves is announced on {@link Addresses#CLUSTER_NODE_LEFT} in this JVM.
 */
public final class ClusterNode {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  /** Vert.x's own member attribute that holds a member's node id. */
  private static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private final String nodeId;
  private @Nullable UUID listener;

  public ClusterNode(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
    this.nodeId = manager.getNodeId();
  }

  /** Starts following membership: logs it now and at every change, and counts it in /metrics. */
  public void start(MeterRegistry registry) {
    Gauge.builder("talia_cluster_members", this, n -> n.members().size())
        .description("Members of the gateways' cluster that this node sees, itself included")
        .register(registry);
    HazelcastInstance hazelcast = manager.getHazelcastInstance();
    listener =
        hazelcast
            .getCluster()
            .addMembershipListener(
                new MembershipListener() {
                  @Override
                  public void memberAdded(MembershipEvent event) {
                    log.info(
                        "cluster member joined",
                        kv("node_id", nodeId),
                        kv("joined", event.getMember().getAttribute(NODE_ID_ATTRIBUTE)),
                        kv("members", members()));
                  }

                  @Override
                  public void memberRemoved(MembershipEvent event) {
                    String left = event.getMember().getAttribute(NODE_ID_ATTRIBUTE);
                    log.warn(
                        "cluster member left",
                        kv("node_id", nodeId),
                        kv("left", left),
                        kv("members", members()));
                    if (left != null)
                      vertx.eventBus().publish(Addresses.CLUSTER_NODE_LEFT, left, LOCAL);
                  }
                });
    log.info(
        "joined the gateways' cluster",
        kv("node_id", nodeId),
        kv("address", hazelcast.getCluster().getLocalMember().getAddress().toString()),
        kv("members", members()));
  }

  public void stop() {
    UUID id = listener;
    if (id != null && manager.getHazelcastInstance().getLifecycleService().isRunning())
      manager.getHazelcastInstance().getCluster().removeMembershipListener(id);
  }

  public String nodeId() {
    return nodeId;
  }

  /** Node ids of the members seen now, this one included. */
  public List<String> members() {
    return manager.isActive() ? manager.getNodes() : List.of(nodeId);
  }

  public boolean isMember(String node) {
    return members().contains(node);
  }

  /** What {@code /ready} says of the cluster. */
  public JsonObject readiness() {
    List<String> members = members();
    return new JsonObject()
        .put("node_id", nodeId)
        .put("members", members.size())
        .put("member_ids", new JsonArray(List.copyOf(members)));
  }

  /**
   * The live member whose consumer is registered on {@code address} cluster-wide, or null: the
   * registrations of a member that left (until Vert.x cleans them) do not count.
   */
  public Future<@Nullable String> liveConsumer(String address) {
    Promise<List<RegistrationInfo>> registrations = Promise.promise();
    manager.getRegistrations(address, registrations);
    return registrations
        .future()
        .map(
            all -> {
              Set<String> live = new HashSet<>(members());
              for (RegistrationInfo r : all) {
                if (!r.localOnly() && live.contains(r.nodeId())) return r.nodeId();
              }
              return null;
            });
  }

  /**
   * Whether {@code address} still has a consumer registered by a member that is gone: Vert.x drops
   * those a moment after the member leaves, and until then it may route a message there, where it
   * waits for its whole timeout.
   */
  public Future<Boolean> hasDeadConsumers(String address) {
    Promise<List<RegistrationInfo>> registrations = Promise.promise();
    manager.getRegistrations(address, registrations);
    return registrations
        .future()
        .map(
            all -> {
              Set<String> live = new HashSet<>(members());
              return all.stream().anyMatch(r -> !r.localOnly() && !live.contains(r.nodeId()));
            });
  }

  /**
   * Runs {@code work} while holding the cluster-wide lock {@code name} (waiting up to {@code
   * timeoutMs} for it), and releases it however the work ends. A member that dies holding it loses
   * it when the others see it leave.
   */
  public <T> Future<T> underLock(String name, long timeoutMs, Supplier<Future<T>> work) {
    return vertx
        .sharedData()
        .getLockWithTimeout(name, timeoutMs)
        .compose(
            (Lock lock) -> {
              Future<T> done;
              try {
                done = work.get();
              } catch (RuntimeException e) {
                done = Future.failedFuture(e);
              }
              return done.andThen(ar -> lock.release());
            });
  }

  /**
   * Adds {@code delta} to the count {@code key} of the cluster-wide map {@code map} (0 reads it)
   * and completes on the caller's context with the new count: one entry processor run on the key's
   * partition owner, so concurrent additions from every node add up.
   */
  public Future<Long> addAndGet(String map, String key, long delta) {
    IMap<String, Long> counts = manager.getHazelcastInstance().getMap(map);
    CompletionStage<Long> added = counts.submitToKey(key, new AddTo(delta));
    Context context = Vertx.currentContext();
    return context == null
        ? Future.fromCompletionStage(added)
        : Future.fromCompletionStage(added, context);
  }

  /** The entry processor of {@link #addAndGet}: Hazelcast ships it to the partition owner. */
  private record AddTo(long delta) implements EntryProcessor<String, Long, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long process(Map.Entry<String, Long> entry) {
      long value = (entry.getValue() == null ? 0 : entry.getValue()) + delta;
      if (delta != 0) entry.setValue(value);
      return value;
    }
  }

  public HazelcastInstance hazelcast() {
    return manager.getHazelcastInstance();
  }
}
