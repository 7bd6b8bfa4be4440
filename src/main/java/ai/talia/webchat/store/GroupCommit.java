package ai.talia.webchat.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of the store's pipelined writes (Postgres): the writes that queue while every write
 * connection is busy go out together when one frees up, as one transaction — one round trip, one
 * WAL flush — and each caller is still told of its own write alone.
 *
 * <p>Nothing waits for company: a write that finds a connection free goes at once, alone, as it
 * always did. A batch is what queued meanwhile, taken whole (up to {@link #MAX_BATCH}) when the
 * connection is in hand; there is no timer.
 *
 * <p>A batch goes out as BEGIN, every write's statements in arrival order, COMMIT, pipelined. If a
 * statement fails, Postgres aborts the transaction and answers the COMMIT as a rollback: nothing of
 * the batch is kept. A batch of one then fails with that statement's error, as a write alone does.
 * A larger batch is run again on the same connection with each write in a savepoint of its own: the
 * write that fails is rolled back to its savepoint and told its error, the writes after it are sent
 * again, and the rest commit together. So a failing statement (a resent {@code client_message_id},
 * a fenced write) fails only its own write, at the cost of running its batch twice; savepoints are
 * left out of the first run because each one that writes is a subtransaction.
 *
 * <p>A caller's future completes only after the COMMIT that covers its write has answered: an
 * acknowledged write is on disk. A write that the database rolls back as a deadlock victim or a
 * serialization failure is queued again, up to {@code retries} times.
 *
 * <p>Not thread-safe: used from the persistence verticle's context, where the pool's answers come
 * back too.
 */
final class GroupCommit {
  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

  /**
   * Writes per transaction at most. Run isolated, each is a subtransaction, and Postgres keeps only
   * 64 of a transaction's in shared memory: past that every other snapshot has to look them up.
   */
  static final int MAX_BATCH = 64;

  private static final String SAVEPOINT = "SAVEPOINT w";
  private static final String RELEASE = "RELEASE SAVEPOINT w";
  private static final List<String> UNDO_FAILED = List.of("ROLLBACK TO SAVEPOINT w", RELEASE);

  private final Pool pool;
  private final int connections;
  private final int retries;
  private final ArrayDeque<Write> queue = new ArrayDeque<>();

  /** Connections this holds or is asking the pool for. */
  private int busy;

  /** Whether a connection has been asked for and not handed yet: it takes what queues meanwhile. */
  private boolean acquiring;

  /** One caller's write: its statements, its outcome, the runs again it may still have. */
  private static final class Write {
    final List<SqlStore.Statement> statements;
    final Promise<Void> outcome = Promise.promise();
    int retriesLeft;

    Write(List<SqlStore.Statement> statements, int retriesLeft) {
      this.statements = statements;
      this.retriesLeft = retriesLeft;
    }
  }

  /**
   * @param connections how many of the pool's connections batches may hold at once
   * @param retries runs of a write after the first when the database rolls it back as a conflict
   */
  GroupCommit(Pool pool, int connections, int retries) {
    this.pool = pool;
    this.connections = Math.max(1, connections);
    this.retries = retries;
  }

  /** Commits the statements as one atomic write, alone or with others queued alongside. */
  Future<Void> submit(List<SqlStore.Statement> statements) {
    Write write = new Write(statements, retries);
    queue.addLast(write);
    drain();
    return write.outcome.future();
  }

  private void drain() {
    if (acquiring || busy >= connections || queue.isEmpty()) return;
    acquiring = true;
    busy++;
    pool.getConnection()
        .onComplete(
            ar -> {
              acquiring = false;
              List<Write> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
              while (!queue.isEmpty() && batch.size() < MAX_BATCH) batch.add(queue.pollFirst());
              if (ar.failed()) {
                busy--;
                // No connection (the database is away): these writes fail as each would alone.
                batch.forEach(w -> w.outcome.fail(ar.cause()));
                drain();
                return;
              }
              SqlConnection conn = ar.result();
              run(conn, batch)
                  .onComplete(
                      done ->
                          conn.close()
                              .onComplete(
                                  closed -> {
                                    busy--;
                                    drain();
                                  }));
              // What queues from now on goes on another connection, if one may be taken.
              drain();
            });
  }

  /** The batch as one pipelined transaction; always leaves the connection outside a transaction. */
  private Future<Void> run(SqlConnection conn, List<Write> batch) {
    if (batch.isEmpty()) return Future.succeededFuture();
    List<Future<?>> answers = new ArrayList<>();
    // Every command is queued on the connection now, before any answer: nothing can slip in after
    // COMMIT.
    answers.add(conn.query("BEGIN").execute());
    for (Write w : batch) {
      for (SqlStore.Statement s : w.statements) answers.add(execute(conn, s));
    }
    answers.add(conn.query("COMMIT").execute());
    return Future.join(answers)
        .transform(
            ar -> {
              // The first failure in order is the cause; the later ones only say the transaction
              // was aborted.
              Throwable failure = firstFailure(answers);
              if (failure == null) {
                batch.forEach(w -> w.outcome.complete());
                return Future.succeededFuture();
              }
              if (batch.size() == 1 || !(failure instanceof DatabaseException)) {
                // One write, or a connection lost: nothing was kept, and each says why.
                batch.forEach(w -> settle(w, failure));
                return Future.succeededFuture();
              }
              List<Write> kept = new ArrayList<>(batch.size());
              return isolated(conn, batch, 0, List.of("BEGIN"), kept);
            });
  }

  /**
   * Runs {@code batch[from..]} each in a savepoint, after the {@code lead} commands (BEGIN, or the
   * undoing of the write that just failed), then commits the {@code kept} ones.
   */
  private Future<Void> isolated(
      SqlConnection conn, List<Write> batch, int from, List<String> lead, List<Write> kept) {
    List<Future<?>> leadAnswers = new ArrayList<>(lead.size());
    for (String sql : lead) leadAnswers.add(conn.query(sql).execute());
    List<List<Future<?>>> writeAnswers = new ArrayList<>(batch.size() - from);
    List<Future<?>> all = new ArrayList<>(leadAnswers);
    for (int i = from; i < batch.size(); i++) {
      List<Future<?>> answers = new ArrayList<>();
      answers.add(conn.query(SAVEPOINT).execute());
      for (SqlStore.Statement s : batch.get(i).statements) answers.add(execute(conn, s));
      answers.add(conn.query(RELEASE).execute());
      writeAnswers.add(answers);
      all.addAll(answers);
    }
    return Future.join(all)
        .transform(
            ar -> {
              Throwable lost = firstFailure(leadAnswers);
              if (lost != null) return abandon(conn, batch, from, kept, lost);
              for (int i = 0; i < writeAnswers.size(); i++) {
                Write write = batch.get(from + i);
                Throwable failure = firstFailure(writeAnswers.get(i));
                if (failure == null) {
                  kept.add(write);
                  continue;
                }
                if (!(failure instanceof DatabaseException))
                  return abandon(conn, batch, from + i, kept, failure);
                // This write alone is undone; the ones after it were refused as the transaction
                // was aborted, and go again.
                settle(write, failure);
                return isolated(conn, batch, from + i + 1, UNDO_FAILED, kept);
              }
              return conn.query("COMMIT")
                  .execute()
                  .transform(
                      committed -> {
                        for (Write w : kept) {
                          if (committed.succeeded()) w.outcome.complete();
                          else w.outcome.fail(committed.cause());
                        }
                        return Future.succeededFuture();
                      });
            });
  }

  /**
   * The transaction is lost (the connection broke, say): every write not yet told fails with the
   * cause.
   */
  private Future<Void> abandon(
      SqlConnection conn, List<Write> batch, int from, List<Write> kept, Throwable cause) {
    kept.forEach(w -> w.outcome.fail(cause));
    for (int i = from; i < batch.size(); i++) batch.get(i).outcome.fail(cause);
    return conn.query("ROLLBACK").execute().transform(ar -> Future.succeededFuture());
  }

  /**
   * A write that failed and kept nothing: queued again if the database rolled it back as a conflict
   * and it may run again, else told its failure.
   */
  private void settle(Write write, Throwable failure) {
    if (write.retriesLeft > 0 && SqlStore.rolledBackAsConflict(failure)) {
      log.warn(
          "transaction rolled back by the database, retrying",
          kv("sqlstate", SqlStore.sqlState(failure)),
          kv("retries_left", write.retriesLeft));
      write.retriesLeft--;
      queue.addFirst(write);
      return;
    }
    write.outcome.fail(failure);
  }

  private static Future<?> execute(SqlConnection conn, SqlStore.Statement s) {
    return SqlTemplate.forUpdate(conn, s.sql()).execute(s.params());
  }

  private static @Nullable Throwable firstFailure(List<Future<?>> answers) {
    for (Future<?> answer : answers) {
      if (answer.failed()) return answer.cause();
    }
    return null;
  }
}
