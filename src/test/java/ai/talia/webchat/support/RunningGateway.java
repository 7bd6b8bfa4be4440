package ai.talia.webchat.support;

import ai.talia.webchat.Gateway;
import ai.talia.webchat.Main;
import ai.talia.webchat.RuntimeSettings;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.ConfigLoader;
import ai.talia.webchat.config.TaliaConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The real gateway — every verticle, the real store — started in this JVM on a free port, with the
 * packaged conf/ defaults and the test's overrides. {@link #restart()} stops it and starts a new
 * one on the same database.
 */
public final class RunningGateway implements AutoCloseable {
  private final TestDatabases.Kind kind;
  private final TaliaConfig config;
  private Vertx vertx;
  private Gateway gateway;
  private final int port;

  private RunningGateway(TestDatabases.Kind kind, TaliaConfig config, int port) {
    this.kind = kind;
    this.config = config;
    this.port = port;
  }

  public static RunningGateway start(TestDatabases.Kind kind) {
    return start(kind, c -> c);
  }

  public static RunningGateway start(
      TestDatabases.Kind kind, UnaryOperator<TaliaConfig> overrides) {
    int port = freePort();
    TaliaConfig config =
        baseConfig()
            .with(ConfigKeys.HTTP_PORT, port)
            .with(ConfigKeys.HTTP_HOST, "127.0.0.1")
            .with(ConfigKeys.ENGINE_NAME, "scripted");
    config =
        kind == TestDatabases.Kind.POSTGRES
            ? config.with(ConfigKeys.DB_URL, TestDatabases.freshPostgres())
            : config.with(ConfigKeys.DB_DATA_DIR, TestDatabases.freshDataDir().toString());
    RunningGateway running = new RunningGateway(kind, overrides.apply(config), port);
    running.boot();
    return running;
  }

  /**
   * The packaged defaults only: no .env or environment of the machine running the tests leaks in.
   */
  public static TaliaConfig baseConfig() {
    Vertx tmp = Vertx.vertx();
    try {
      return await(ConfigLoader.load(tmp, Path.of("target/no-such-dir"), Map.of()));
    } finally {
      tmp.close();
    }
  }

  private void boot() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx = Main.newVertx(registry, RuntimeSettings.fromConfig(config));
    gateway = await(Gateway.start(vertx, config, registry));
  }

  public void restart() {
    stop();
    boot();
  }

  public void stop() {
    if (gateway != null) {
      await(gateway.stop());
      gateway = null;
    }
    if (vertx != null) {
      await(vertx.close());
      vertx = null;
    }
  }

  @Override
  public void close() {
    stop();
  }

  public int port() {
    return port;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public TaliaConfig config() {
    return config;
  }

  public TestDatabases.Kind kind() {
    return kind;
  }

  /** The running gateway itself (its admin side, say, to run a retention sweep now). */
  public Gateway gateway() {
    return gateway;
  }

  public Vertx vertx() {
    return vertx;
  }

  public static <T> T await(io.vertx.core.Future<T> future) {
    return await(future, java.time.Duration.ofSeconds(60));
  }

  public static <T> T await(io.vertx.core.Future<T> future, java.time.Duration timeout) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
