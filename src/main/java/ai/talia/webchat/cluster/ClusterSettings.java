package ai.talia.webchat.cluster;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Clustered mode's settings ({@code cluster.*}, README § Scaling out). Off unless members or a
 * Kubernetes service are given: then the jar runs alone and no Hazelcast starts.
 *
 * @param members {@code host:port} of the members to join by TCP/IP (this node may be among them)
 * @param host the address this node binds and advertises, for Hazelcast and the event bus
 * @param port Hazelcast's port
 * @param busPort the clustered event bus's port; 0 lets Vert.x choose a free one
 * @param kubernetesServiceDns a headless service whose DNS names the members (Hazelcast's
 *     Kubernetes discovery), instead of {@code members}
 * @param heartbeatSeconds how often members tell each other they are alive
 * @param maxNoHeartbeatSeconds how long a member may stay silent before it is taken for dead: the
 *     time a {@code kill -9}ed node's sessions wait for another owner
 */
public record ClusterSettings(
    List<String> members,
    String host,
    int port,
    int busPort,
    @Nullable String kubernetesServiceDns,
    int heartbeatSeconds,
    int maxNoHeartbeatSeconds) {

  /** Hazelcast's cluster name: gateways join only each other. */
  public static final String CLUSTER_NAME = "talia-webchat";

  /** The Hazelcast maps of the shared rate-limit buckets. */
  public static final String RATE_LIMIT_MAPS = "talia.rate.*";

  /** The first Hazelcast serializer type id bucket4j's serializers take (they use a few after). */
  private static final int BUCKET4J_TYPE_ID_BASE = 1000;

  public ClusterSettings {
    members = List.copyOf(members);
    if (heartbeatSeconds < 1 || maxNoHeartbeatSeconds <= heartbeatSeconds)
      throw new IllegalArgumentException(
          "cluster.maxNoHeartbeatSeconds must be more than cluster.heartbeatSeconds (at least 1)");
    for (String member : members) {
      if (!member.matches("[^:\\s]+:\\d{1,5}"))
        throw new IllegalArgumentException(
            "TALIA_CLUSTER_MEMBERS must be a comma list of host:port, got '" + member + "'");
    }
  }

  public static ClusterSettings from(TaliaConfig config) {
    return new ClusterSettings(
        config.list(ConfigKeys.CLUSTER_MEMBERS),
        config.requiredString(ConfigKeys.CLUSTER_HOST),
        config.integer(ConfigKeys.CLUSTER_PORT),
        config.integer(ConfigKeys.CLUSTER_BUS_PORT),
        config.string(ConfigKeys.CLUSTER_KUBERNETES_SERVICE_DNS),
        config.integer(ConfigKeys.CLUSTER_HEARTBEAT_SECONDS),
        config.integer(ConfigKeys.CLUSTER_MAX_NO_HEARTBEAT_SECONDS));
  }

  public boolean enabled() {
    return !members.isEmpty() || kubernetesServiceDns != null;
  }

  /**
   * Vert.x's own Hazelcast defaults (the maps its event bus needs), joined by TCP/IP on the listed
   * members or by Kubernetes DNS, never by multicast, bound to and advertising {@link #host}.
   */
  public Config hazelcastConfig() {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(CLUSTER_NAME);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // The failure detector: a member silent for maxNoHeartbeatSeconds is removed.
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(heartbeatSeconds));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(maxNoHeartbeatSeconds));
    // Joining waits this long for other joiners before electing a master (default 5 s).
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.socket.bind.any", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(port).setPortAutoIncrement(false).setPublicAddress(host + ":" + port);
    if (host.matches("[0-9.]+|[0-9a-fA-F:]+"))
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (kubernetesServiceDns != null) {
      join.getKubernetesConfig()
          .setEnabled(true)
          .setProperty("service-dns", kubernetesServiceDns)
          .setProperty("service-port", String.valueOf(port));
    } else {
      join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).setMembers(members);
    }
    // Rate-limit buckets keep no backup: a node's death hands the keys it held a fresh bucket once,
    // and every take costs one entry processor instead of two.
    config.addMapConfig(new MapConfig(RATE_LIMIT_MAPS).setBackupCount(0).setAsyncBackupCount(0));
    HazelcastProxyManager.addCustomSerializers(
        config.getSerializationConfig(), BUCKET4J_TYPE_ID_BASE);
    return config;
  }

  /** The clustered event bus: on {@link #host}, on {@link #busPort} or one Vert.x picks. */
  public EventBusOptions eventBusOptions() {
    return new EventBusOptions().setHost(host).setClusterPublicHost(host).setPort(busPort);
  }
}
