package ai.talia.webchat.cluster;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The seam for once-per-cluster work, on the JVM lock a gateway alone uses. */
class ClusterSingletonTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    await(vertx.close());
  }

  @Test
  void a_job_runs_on_one_caller_at_a_time_and_the_others_skip_the_round() {
    ClusterSingleton retention = new ClusterSingleton(vertx, "retention");
    AtomicInteger runs = new AtomicInteger();
    Promise<String> slow = Promise.promise();
    Promise<Void> started = Promise.promise();
    Future<String> first =
        retention.runIfFree(
            () -> {
              runs.incrementAndGet();
              started.complete();
              return slow.future();
            });
    await(started.future()); // it holds the lock now

    Future<String> second =
        retention.runIfFree(
            () -> {
              runs.incrementAndGet();
              return Future.succeededFuture("second");
            });
    assertThat(await(second)).isNull();
    slow.complete("first");
    assertThat(await(first)).isEqualTo("first");
    // Released: the next round runs again, and a failing job releases the lock too.
    assertThat(
            await(
                retention.runIfFree(
                    () -> {
                      runs.incrementAndGet();
                      return Future.succeededFuture("third");
                    })))
        .isEqualTo("third");
    assertThat(runs.get()).isEqualTo(2);
    await(retention.runIfFree(() -> Future.<String>failedFuture("broken")).otherwiseEmpty());
    assertThat(await(retention.runIfFree(() -> Future.succeededFuture("after"))))
        .isEqualTo("after");
    // Another job's lock is its own.
    assertThat(
            await(new ClusterSingleton(vertx, "other").runIfFree(() -> Future.succeededFuture(1))))
        .isEqualTo(1);
  }
}
