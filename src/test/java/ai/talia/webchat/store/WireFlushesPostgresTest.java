package ai.talia.webchat.store;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A write's pipelined statements (BEGIN, the statements, COMMIT, sent without waiting, as the group
 * commit sends them) leave the gateway in one write(2), not one each: counted with this JVM's write
 * system calls (/proc/self/io) on the gateway's own pool and, as the control, on a pool of the
 * client's defaults.
 */
class WireFlushesPostgresTest {
  private static final int WRITES = 50;

  private Vertx vertx;
  private Context loop;
  private String url;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    loop = vertx.getOrCreateContext();
    url = TestDatabases.freshPostgres();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  @Test
  void a_pipelined_write_leaves_in_one_system_call() {
    Database database =
        Database.fromConfig(RunningGateway.baseConfig().with(ConfigKeys.DB_URL, url));
    // Made on the event loop that will send the statements, as the persistence verticle's pool is.
    Pool gateways = onLoop(() -> Future.succeededFuture(database.createPool(vertx, 1)));
    Pool plain =
        onLoop(
            () ->
                Future.succeededFuture(
                    PgBuilder.pool()
                        .with(new PoolOptions().setMaxSize(1))
                        .connectingTo(PgConnectOptions.fromUri(url))
                        .using(vertx)
                        .build()));
    // Four statements a write: without it, a system call or more each (≈ 7.8 here), which the
    // control shows the count can tell; with it one, beside the wake-ups of the test's own hops
    // onto the loop (≈ 2.5 in all).
    double control = writesPerPipelinedWrite(plain);
    assertThat(control).isGreaterThanOrEqualTo(4.0);
    assertThat(writesPerPipelinedWrite(gateways)).isLessThan(control / 2);
  }

  private <T> T onLoop(Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    loop.runOnContext(v -> work.get().onComplete(done));
    return await(done.future());
  }

  private double writesPerPipelinedWrite(Pool pool) {
    SqlConnection connection = onLoop(pool::getConnection);
    try {
      onLoop(() -> pipelinedWrite(connection)); // prepares the statement once
      long before = writeSyscalls();
      for (int i = 0; i < WRITES; i++) onLoop(() -> pipelinedWrite(connection));
      return (double) (writeSyscalls() - before) / WRITES;
    } finally {
      onLoop(connection::close);
    }
  }

  /** All four sent in one go, without waiting, as the group commit sends a batch. */
  private static Future<Void> pipelinedWrite(SqlConnection connection) {
    List<Future<?>> statements =
        List.of(
            connection.query("BEGIN").execute(),
            connection.preparedQuery("SELECT $1::int").execute(Tuple.of(1)),
            connection.preparedQuery("SELECT $1::int").execute(Tuple.of(2)),
            connection.query("COMMIT").execute());
    return Future.all(statements).mapEmpty();
  }

  private static long writeSyscalls() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io")))
        if (line.startsWith("syscw:")) return Long.parseLong(line.substring(6).trim());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no syscw in /proc/self/io");
  }
}
