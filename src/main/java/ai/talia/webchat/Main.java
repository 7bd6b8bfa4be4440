package ai.talia.webchat;

import ai.talia.webchat.cluster.ClusterNode;
import ai.talia.webchat.cluster.ClusterSettings;
import ai.talia.webchat.config.ConfigLoader;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.Database;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar talia-webchat.jar}: loads conf/, .env and the environment, starts the gateway,
 * stops it cleanly on SIGTERM.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Metrics.addRegistry(registry);
    TaliaConfig config;
    ClusterSettings cluster;
    RuntimeSettings runtime;
    try {
      config = loadConfig();
      runtime = RuntimeSettings.fromConfig(config);
      cluster = ClusterSettings.from(config);
      if (cluster.enabled() && Database.fromConfig(config).postgres() == null)
        throw new IllegalArgumentException(
            "Clustered mode (TALIA_CLUSTER_MEMBERS) needs Postgres: set TALIA_DB_URL; "
                + "the embedded store belongs to one JVM");
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      log.error("TalIA webchat gateway failed to start: " + cause.getMessage());
      System.exit(1);
      return;
    }
    Vertx vertx = null;
    Gateway gateway;
    try {
      ClusterNode node = null;
      if (cluster.enabled()) {
        HazelcastClusterManager manager = new HazelcastClusterManager(cluster.hazelcastConfig());
        vertx = newClusteredVertx(registry, runtime, cluster, manager);
        node = new ClusterNode(vertx, manager);
      } else {
        vertx = newVertx(registry, runtime);
      }
      gateway =
          Gateway.start(vertx, config, registry, node)
              .toCompletionStage()
              .toCompletableFuture()
              .get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      log.error("TalIA webchat gateway failed to start: " + cause.getMessage(), cause);
      if (vertx != null) vertx.close();
      System.exit(1);
      return;
    }
    Vertx running = vertx;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    gateway
                        .stop()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(60, TimeUnit.SECONDS);
                    // Closed from this thread, not from a Vert.x context that the close itself
                    // terminates.
                    running
                        .close()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    log.warn("shutdown did not finish cleanly", e);
                  }
                },
                "talia-shutdown"));
  }

  public static Vertx newVertx(PrometheusMeterRegistry registry, RuntimeSettings runtime) {
    return Vertx.builder()
        .with(options(runtime))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }

  /** A Vert.x that joins the gateways' cluster on Hazelcast; blocks until it has joined. */
  static Vertx newClusteredVertx(
      PrometheusMeterRegistry registry,
      RuntimeSettings runtime,
      ClusterSettings cluster,
      HazelcastClusterManager manager)
      throws Exception {
    return Vertx.builder()
        .with(options(runtime).setEventBusOptions(cluster.eventBusOptions()))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .withClusterManager(manager)
        .buildClustered()
        .toCompletionStage()
        .toCompletableFuture()
        .get(120, TimeUnit.SECONDS);
  }

  private static VertxOptions options(RuntimeSettings runtime) {
    return new VertxOptions()
        .setEventLoopPoolSize(runtime.eventLoops())
        .setMetricsOptions(
            new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
  }

  /** conf/, .env and the environment, read before the real Vert.x exists (it may be clustered). */
  private static TaliaConfig loadConfig() throws Exception {
    Vertx tmp = Vertx.vertx();
    try {
      return ConfigLoader.load(tmp)
          .toCompletionStage()
          .toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    } finally {
      tmp.close();
    }
  }
}
