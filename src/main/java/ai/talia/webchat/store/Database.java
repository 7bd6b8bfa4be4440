package ai.talia.webchat.store;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Which database the gateway uses: Postgres when {@code db.url} ({@code TALIA_DB_URL}) is a {@code
 * postgresql://} URL, otherwise the durable embedded H2 file under {@code db.dataDir}.
 */
public record Database(
    String kind, String description, @Nullable PgConnectOptions postgres, @Nullable Path h2File) {

  public static Database fromConfig(TaliaConfig config) {
    String url = config.string(ConfigKeys.DB_URL);
    if (url != null) {
      if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
        throw new IllegalArgumentException("TALIA_DB_URL must be a postgresql:// URL");
      }
      PgConnectOptions options = PgConnectOptions.fromUri(url);
      if (options.getUser() == null) options.setUser("postgres");
      // Every statement is a SQL template run thousands of times: prepare it once per connection
      // instead of having Postgres parse and plan it on every call.
      options.setCachePreparedStatements(true).setPreparedStatementCacheMaxSize(256);
      return new Database(
          "postgres",
          "postgres " + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase(),
          options,
          null);
    }
    Path file =
        Path.of(config.requiredString(ConfigKeys.DB_DATA_DIR))
            .toAbsolutePath()
            .normalize()
            .resolve("talia");
    return new Database("embedded", "embedded H2 " + file + ".mv.db", null, file);
  }

  public Pool createPool(Vertx vertx, int size) {
    return createPool(vertx, size, "talia-" + kind);
  }

  /** A pool of its own, named for its metrics. */
  public Pool createPool(Vertx vertx, int size, String name) {
    PoolOptions poolOptions = new PoolOptions().setMaxSize(size).setName(name);
    if (postgres != null) {
      return PgBuilder.pool()
          .with(poolOptions)
          .connectingTo(postgres)
          .withConnectHandler(
              connection -> {
                try {
                  WireFlushes.coalesce(connection);
                } finally {
                  connection.close(); // hands it to the pool
                }
              })
          .using(vertx)
          .build();
    }
    return JDBCPool.pool(vertx, new AutoCommitRestoringDataSource(h2DataSource()), poolOptions);
  }

  /**
   * Applies the sql/ migrations (packaged as db/migration) and the Java ones. Blocking: call from a
   * worker.
   */
  public void migrate() {
    Flyway.configure(Database.class.getClassLoader())
        .dataSource(migrationDataSource())
        .locations("classpath:db/migration")
        .javaMigrations(new MessageIndexesMigration())
        .load()
        .migrate();
  }

  private DataSource migrationDataSource() {
    if (postgres != null) {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setServerNames(new String[] {postgres.getHost()});
      ds.setPortNumbers(new int[] {postgres.getPort()});
      ds.setDatabaseName(postgres.getDatabase());
      ds.setUser(postgres.getUser());
      if (postgres.getPassword() != null) ds.setPassword(postgres.getPassword());
      return ds;
    }
    return h2DataSource();
  }

  /** The embedded store's JDBC URL (a second connection in this JVM shares the open database). */
  String h2Url() {
    return "jdbc:h2:file:"
        + h2File
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
        + ";DB_CLOSE_ON_EXIT=FALSE"
        // A commit reaches the file before it is acknowledged: with H2's default delay of
        // 500 ms a kill -9 loses the last committed transactions (and their webhooks).
        + ";WRITE_DELAY=0";
  }

  private JdbcDataSource h2DataSource() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(h2Url());
    ds.setUser("sa");
    ds.setPassword("");
    return ds;
  }
}
