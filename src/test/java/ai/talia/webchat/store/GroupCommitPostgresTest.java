package ai.talia.webchat.store;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit on a real Postgres, through the persistence verticle as the gateway uses it: writes
 * of many sessions that queue while the write connections are busy share transactions, each caller
 * is told of its own write, a failing write fails alone, and an acknowledged write is committed.
 * The queue is made deterministic by holding the first writes on a row lock of another transaction;
 * transactions are counted by Postgres itself ({@code pg_stat_database}).
 */
class GroupCommitPostgresTest {
  /** The store's pool: two connections, both of which batches may hold. */
  private static final int POOL = 2;

  private static final long UNCLAIMED = 0;

  /** The connections batches may hold ({@code db.writeConnections}): all of the pool unless set. */
  private int writeConnections = POOL;

  private Vertx vertx;
  private Store store;
  private String url;
  private Pool readers;

  /**
   * Reads what each caller was told is written, all in one transaction (each statement sees what
   * has committed by then) so that the test's reads add one commit, not one per write.
   */
  private SqlConnection reader;

  /** This test's own polls of the server: each is a transaction of its own. */
  private long probes;

  @BeforeEach
  void start() {
    url = TestDatabases.freshPostgres();
    open();
  }

  private void open() {
    TaliaConfig config =
        RunningGateway.baseConfig()
            .with(ConfigKeys.DB_POOL_SIZE, POOL)
            .with(ConfigKeys.DB_WRITE_CONNECTIONS, writeConnections)
            .with(ConfigKeys.DB_URL, url);
    vertx = Vertx.vertx();
    await(vertx.deployVerticle(new PersistenceVerticle(config)));
    store = new StoreClient(vertx);
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    if (options.getUser() == null) options.setUser("postgres");
    readers =
        PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(1))
            .connectingTo(options)
            .using(vertx)
            .build();
    reader = await(readers.getConnection());
    await(reader.query("BEGIN").execute());
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  /**
   * Stops the store and starts it again: its backends end, and so report what they counted (a
   * backend that keeps running reports only every few seconds). Returns the transactions committed
   * in this database by then.
   */
  private long[] restart() throws Exception {
    await(vertx.close());
    awaitGone("");
    // Counted before the store starts again: its migrations check is transactions of its own...
    long stopped = commits();
    open();
    // ...made on a JDBC connection of Flyway's, closed by now.
    awaitGone("AND application_name = 'PostgreSQL JDBC Driver'");
    return new long[] {stopped, commits()};
  }

  private void awaitGone(String which) throws Exception {
    try (Connection watcher = jdbc()) {
      for (int i = 0; i < 400; i++) {
        try (PreparedStatement s =
                watcher.prepareStatement(
                    "SELECT count(*) FROM pg_stat_activity "
                        + "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        + which);
            ResultSet r = s.executeQuery()) {
          probes++;
          r.next();
          if (r.getInt(1) == 0) break;
        }
        Thread.sleep(25);
      }
    }
  }

  /**
   * The first two writes (s0, s1) take both connections and wait on their session rows' lock, so
   * the writes {@code queued} makes for sessions 2 and up queue in the store; the lock goes once
   * they have queued, and they go together as a connection frees up.
   */
  private List<Future<StoredMessage>> queuedBehindBusyConnections(
      int sessions, IntFunction<Future<StoredMessage>> queued) throws Exception {
    List<Future<StoredMessage>> writes = new ArrayList<>();
    try (Connection blocker = jdbc()) {
      blocker.setAutoCommit(false);
      lockSessions(blocker, "s0", "s1");
      writes.add(acknowledgedVisible(user("s0", 1, "c-0")));
      writes.add(acknowledgedVisible(user("s1", 1, "c-1")));
      awaitBlocked(2);
      for (int i = 2; i < sessions; i++) writes.add(queued.apply(i));
      Thread.sleep(300);
      blocker.commit();
    }
    return writes;
  }

  @Test
  void writes_queued_behind_busy_connections_share_transactions_and_each_is_told_its_own()
      throws Exception {
    int sessions = 60;
    for (int i = 0; i < sessions; i++) session("s" + i);
    long before = restart()[1];
    probes = 0;
    List<Future<StoredMessage>> writes =
        queuedBehindBusyConnections(sessions, i -> acknowledgedVisible(user("s" + i, 1, "c-" + i)));
    List<StoredMessage> stored = new ArrayList<>();
    for (Future<StoredMessage> w : writes) stored.add(await(w));
    await(reader.query("COMMIT").execute());
    // Nothing acknowledged is lost: a store started again reads it all.
    long commits = restart()[0] - before - probes;

    for (int i = 0; i < sessions; i++) {
      // Each caller got its own message back, and it is stored with its event.
      assertThat(stored.get(i).sessionId()).isEqualTo("s" + i);
      assertThat(stored.get(i).clientMessageId()).isEqualTo("c-" + i);
      assertThat(await(store.findMessageByClientId("s" + i, "c-" + i))).isEqualTo(stored.get(i));
      assertThat(await(store.events("s" + i)))
          .extracting(DomainEvent::type)
          .containsExactly(DomainEvent.WEBCHAT_STARTED, DomainEvent.MESSAGE_SENT);
    }
    // Sixty writes, a few commits (and this test's own: the lock, its polls, its reads).
    assertThat(commits)
        .as("transactions committed for %d writes", sessions)
        .isLessThan(sessions / 3);
  }

  @Test
  void with_one_write_connection_a_write_queues_behind_the_one_in_flight() throws Exception {
    await(vertx.close());
    writeConnections = 1;
    open();
    session("s0");
    session("s1");
    try (Connection blocker = jdbc()) {
      blocker.setAutoCommit(false);
      lockSessions(blocker, "s0");
      Future<StoredMessage> first = acknowledgedVisible(user("s0", 1, "c-0"));
      awaitBlocked(1);
      // The pool has a second connection, but writes may not take it.
      Future<StoredMessage> queued = acknowledgedVisible(user("s1", 1, "c-1"));
      Thread.sleep(300);
      assertThat(queued.isComplete()).as("a write beside the one blocked").isFalse();
      blocker.commit();
      assertThat(await(first).sessionId()).isEqualTo("s0");
      assertThat(await(queued).sessionId()).isEqualTo("s1");
    }
  }

  @Test
  void a_failing_write_in_a_batch_fails_alone_and_the_others_commit() throws Exception {
    int sessions = 60;
    for (int i = 0; i < sessions; i++) session("s" + i);
    // A message to resend under its client_message_id, and a session claimed by a new owner.
    await(store.appendUserMessage(user("s2", 1, "c-dup"), UNCLAIMED));
    await(store.appendUserMessage(user("s" + (sessions - 1), 1, "c-dup"), UNCLAIMED));
    assertThat(await(store.claimSession("s20", "interrupted")).epoch()).isEqualTo(UNCLAIMED + 1);
    int eventsBefore = await(store.events("s2")).size();
    long before = restart()[1];
    probes = 0;

    List<Future<StoredMessage>> writes =
        queuedBehindBusyConnections(
            sessions,
            i -> {
              // The first of the batch, one in the middle and the last fail; the others must not.
              StoredMessage m =
                  i == 2 || i == sessions - 1
                      ? user("s" + i, 2, "c-dup")
                      : user("s" + i, 1, "c-" + i);
              return i == 20 ? store.appendUserMessage(m, UNCLAIMED) : acknowledgedVisible(m);
            });
    // Every write answered, some of them with a failure.
    await(Future.join(writes).transform(all -> Future.succeededFuture()));
    await(reader.query("COMMIT").execute());
    long commits = restart()[0] - before - probes;

    for (int i = 0; i < sessions; i++) {
      Future<StoredMessage> w = writes.get(i);
      if (i == 2 || i == sessions - 1) {
        assertThat(w.cause())
            .isInstanceOfSatisfying(
                DuplicateKeyException.class,
                e -> assertThat(e.on(DuplicateKeyException.MESSAGE_CLIENT_ID)).isTrue());
      } else if (i == 20) {
        assertThat(w.cause()).isInstanceOf(FencedException.class);
      } else {
        assertThat(w.succeeded()).as("write %d: %s", i, w.cause()).isTrue();
        assertThat(await(store.findMessageByClientId("s" + i, "c-" + i))).isEqualTo(w.result());
      }
    }
    // The failed writes left nothing: no second message, no event.
    assertThat(await(store.history("s2", 0, 10))).hasSize(1);
    assertThat(await(store.events("s2"))).hasSize(eventsBefore);
    assertThat(await(store.history("s20", 0, 10))).isEmpty();
    assertThat(await(store.events("s20")))
        .extracting(DomainEvent::type)
        .containsExactly(DomainEvent.WEBCHAT_STARTED);
    // They were in one batch with the others: a few commits for sixty writes.
    assertThat(commits).isLessThan(sessions / 3);
  }

  /**
   * The write, whose acknowledgement must mean committed: at the moment its caller hears of it,
   * another connection already reads the message.
   */
  private Future<StoredMessage> acknowledgedVisible(StoredMessage m) {
    return store
        .appendUserMessage(m, UNCLAIMED)
        .compose(
            written ->
                reader
                    .preparedQuery("SELECT id FROM messages WHERE id = $1")
                    .execute(Tuple.of(written.id()))
                    .compose(
                        rows ->
                            rows.size() == 1
                                ? Future.succeededFuture(written)
                                : Future.failedFuture(
                                    new AssertionError(
                                        "acknowledged before commit: " + written.id()))));
  }

  private void session(String id) {
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    await(
        store.createSession(
            new SessionRecord(id, "hash-" + id, null, "es", null, new JsonObject(), at, at, 0, 0)));
  }

  private static StoredMessage user(String sessionId, long seq, String cmid) {
    return new StoredMessage(
        UUID.randomUUID().toString(),
        sessionId,
        seq,
        StoredMessage.ROLE_USER,
        "hola " + seq,
        Instant.now().truncatedTo(ChronoUnit.MILLIS),
        cmid,
        MessageStatus.PENDING,
        null,
        null,
        0,
        0);
  }

  private Connection jdbc() throws Exception {
    return DriverManager.getConnection(TestDatabases.jdbc(url));
  }

  /**
   * Holds the session rows as a consent write does: a message insert (its foreign key) waits for
   * them.
   */
  private static void lockSessions(Connection c, String... ids) throws Exception {
    for (String id : ids) {
      try (PreparedStatement s =
          c.prepareStatement("SELECT 1 FROM webchat_sessions WHERE session_id = ? FOR UPDATE")) {
        s.setString(1, id);
        s.executeQuery().close();
      }
    }
  }

  private void awaitBlocked(int backends) throws Exception {
    try (Connection watcher = jdbc()) {
      for (int i = 0; i < 400; i++) {
        try (PreparedStatement s =
                watcher.prepareStatement(
                    "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a "
                        + "ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()");
            ResultSet r = s.executeQuery()) {
          probes++;
          r.next();
          if (r.getInt(1) >= backends) return;
        }
        Thread.sleep(25);
      }
    }
    throw new AssertionError("the first writes never waited for the lock");
  }

  /** Transactions committed in this database so far, as reported by the backends that ended. */
  private long commits() throws Exception {
    try (Connection c = jdbc();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
        ResultSet r = s.executeQuery()) {
      r.next();
      return r.getLong(1);
    }
  }
}
