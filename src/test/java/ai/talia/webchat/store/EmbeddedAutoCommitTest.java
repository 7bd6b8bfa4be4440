package ai.talia.webchat.store;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.TaliaConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded store's pool commits a statement run outside a transaction at once, also on a
 * connection that ran a transaction before (vertx-jdbc-client leaves it in manual-commit; see
 * {@link AutoCommitRestoringDataSource}).
 */
class EmbeddedAutoCommitTest {
  private Vertx vertx;
  private Database database;
  private Pool pool;

  @BeforeEach
  void open() throws Exception {
    Path dir = Files.createTempDirectory("talia-autocommit");
    vertx = Vertx.vertx();
    database =
        Database.fromConfig(
            new TaliaConfig(
                new JsonObject().put("db", new JsonObject().put("dataDir", dir.toString()))));
    // One connection, so the plain statement runs on the one that ran the transaction.
    pool = database.createPool(vertx, 1);
    await(pool.query("CREATE TABLE probe (n INT)").execute());
  }

  @AfterEach
  void close() {
    await(pool.close());
    await(vertx.close());
  }

  @Test
  void a_plain_write_after_a_transaction_is_committed_before_it_is_acknowledged() throws Exception {
    await(pool.withTransaction(tx -> tx.query("INSERT INTO probe VALUES (1)").execute()));
    await(pool.query("INSERT INTO probe VALUES (2)").execute());

    try (Connection other = DriverManager.getConnection(database.h2Url(), "sa", "");
        Statement statement = other.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) FROM probe")) {
      rows.next();
      assertThat(rows.getInt(1)).as("rows another connection sees").isEqualTo(2);
    }
  }

  @Test
  void a_transaction_still_rolls_back_as_a_whole() {
    await(
        pool.withTransaction(
                tx ->
                    tx.query("INSERT INTO probe VALUES (1)")
                        .execute()
                        .compose(r -> tx.query("INSERT INTO no_such_table VALUES (1)").execute()))
            .otherwiseEmpty());
    assertThat(
            await(pool.query("SELECT count(*) FROM probe").execute())
                .iterator()
                .next()
                .getInteger(0))
        .isZero();
  }
}
