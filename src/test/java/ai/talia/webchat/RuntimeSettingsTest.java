package ai.talia.webchat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code runtime.eventLoops}: the number of event-loop threads the jar's Vert.x runs. */
class RuntimeSettingsTest {
  private static final TaliaConfig DEFAULTS = new TaliaConfig(new io.vertx.core.json.JsonObject());

  @Test
  void the_default_is_one_event_loop_per_core() {
    assertThat(RuntimeSettings.fromConfig(DEFAULTS).eventLoops())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void a_number_is_taken_and_a_negative_one_is_named() {
    assertThat(
            RuntimeSettings.fromConfig(DEFAULTS.with(ConfigKeys.RUNTIME_EVENT_LOOPS, 3))
                .eventLoops())
        .isEqualTo(3);
    assertThatThrownBy(
            () -> RuntimeSettings.fromConfig(DEFAULTS.with(ConfigKeys.RUNTIME_EVENT_LOOPS, -1)))
        .hasMessage("runtime.eventLoops must be 0 or more, got -1");
  }

  @Test
  void the_gateways_vertx_spreads_verticles_over_exactly_that_many_event_loops() throws Exception {
    Vertx vertx =
        Main.newVertx(
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new RuntimeSettings(3));
    try {
      Set<String> threads = ConcurrentHashMap.newKeySet();
      vertx
          .deployVerticle(
              () ->
                  new VerticleBase() {
                    @Override
                    public Future<?> start() {
                      threads.add(Thread.currentThread().getName());
                      return Future.succeededFuture();
                    }
                  },
              new DeploymentOptions().setInstances(12))
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      assertThat(threads).hasSize(3).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
