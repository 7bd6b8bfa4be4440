package ai.talia.webchat.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Store} over a Vert.x SQL pool. The same SQL templates run on Postgres (reactive client)
 * and on H2 in PostgreSQL mode (JDBC pool): named parameters are turned into each driver's
 * placeholders by vertx-sql-client-templates.
 *
 * <p>The writes of a turn are a few statements and their events in one transaction. On Postgres
 * they go out pipelined: BEGIN, the statements and COMMIT in one round trip on one connection (a
 * turn used to take five round trips and a wake-up of both processes for each), and the writes of
 * many sessions that queue meanwhile share that transaction ({@link GroupCommit}), each caller
 * still told of its own. Over JDBC they run one after another in a transaction.
 *
 * <p>Lock order: a write that updates a session's row updates it first, before any of its messages,
 * so two writes of one session queue on that row instead of meeting in a cycle. A write the
 * database still rolls back as a deadlock or a serialization failure is run again.
 */
public final class SqlStore implements Store {
  private static final String SESSION_COLUMNS =
      "session_id, token_hash, assistant_thread_id, locale, page_url, utm, created_at, last_activity, turns, tokens_used";
  private static final String MESSAGE_COLUMNS =
      "id, session_id, seq, role, content, created_at, client_message_id, status, reply_to, error_code, input_tokens, output_tokens";

  /** The messages of a session still pending, failed with a code. */
  private static final String FAIL_PENDING =
      "UPDATE messages SET status = #{failed}, error_code = #{code} "
          + "WHERE session_id = #{id} AND status = #{pending}";

  private static final String CONSENT_COLUMNS =
      "id, session_id, policy_version, granted, created_at, ip_hash, user_agent";
  private static final String LEAD_COLUMNS =
      "id, session_id, name, email, phone, source, consent_id, created_at, updated_at";

  /**
   * Locks the session's row until commit. Consent and lead writes take it first, so they serialize
   * per session; under READ COMMITTED a statement that follows sees every consent committed before
   * the lock was granted (a bare {@code WHERE EXISTS} could read the consent just before a
   * withdrawal commits).
   */
  private static final String LOCK_SESSION =
      "SELECT session_id FROM webchat_sessions WHERE session_id = #{session_id} "
          + "AND erased_at IS NULL FOR UPDATE";

  /**
   * The fence of a session actor's writes, run first in their transaction: it fails (division by
   * zero, the one way to make a plain statement fail on a condition in both Postgres and H2) when
   * the session's owner epoch is no longer the writer's, and the whole write rolls back. A stale
   * write that races a claim past this check still meets the unique keys on seq, client_message_id
   * and reply_to.
   */
  private static final String FENCE =
      "SELECT 1 / (CASE WHEN owner_epoch = #{epoch} THEN 1 ELSE 0 END) AS fence "
          + "FROM webchat_sessions WHERE session_id = #{fence_session}";

  /**
   * The same fence inside an update of the session's row, one statement fewer: the assignment
   * leaves owner_epoch as it is, or fails by zero when it is no longer {@code #{epoch}}. Under READ
   * COMMITTED the update reads the row's latest version once it holds its lock, and a claim waits
   * for that lock until this write commits.
   */
  private static final String FENCED_SESSION_UPDATE =
      "owner_epoch = owner_epoch / (CASE WHEN owner_epoch = #{epoch} THEN 1 ELSE 0 END)";

  private static final String DIVISION_BY_ZERO = "22012";

  private static final String LATEST_CONSENT =
      "SELECT "
          + CONSENT_COLUMNS
          + " FROM consents WHERE session_id = #{id} ORDER BY created_at DESC, id DESC LIMIT 1";

  private static final Logger log = LoggerFactory.getLogger(SqlStore.class);

  /** Runs of a transaction after the first when the database rolls it back as a conflict. */
  private static final int RETRIES = 3;

  private final Pool pool;
  private final @Nullable GroupCommit groupCommit;
  private final Consumer<DomainEvent> committedEvents;
  private final OutboxSubscriptions subscriptions;

  /** One statement of a write: an SQL template and its parameters. */
  record Statement(String sql, Map<String, Object> params) {}

  /**
   * @param pipelined whether the client pipelines commands on a connection (Postgres), so a write's
   *     statements can be sent together
   * @param committedEvents told of each event once the transaction that wrote it has committed
   */
  public SqlStore(Pool pool, boolean pipelined, Consumer<DomainEvent> committedEvents) {
    this(pool, pipelined, 1, committedEvents, OutboxSubscriptions.NONE);
  }

  /**
   * @param writeConnections how many connections the group commit of pipelined writes may hold at
   *     once (see {@link GroupCommit})
   * @param subscriptions the webhook endpoints of each event type: every event written gets a
   *     {@code webhook_deliveries} row per endpoint in its own transaction
   */
  public SqlStore(
      Pool pool,
      boolean pipelined,
      int writeConnections,
      Consumer<DomainEvent> committedEvents,
      OutboxSubscriptions subscriptions) {
    this.pool = pool;
    this.groupCommit = pipelined ? new GroupCommit(pool, writeConnections, RETRIES) : null;
    this.committedEvents = committedEvents;
    this.subscriptions = subscriptions;
  }

  @Override
  public Future<SessionRecord> createSession(SessionRecord s) {
    DomainEvent started =
        DomainEvent.of(
            DomainEvent.WEBCHAT_STARTED,
            s.sessionId(),
            s.createdAt(),
            new JsonObject()
                .put("locale", s.locale())
                .put("page_url", s.pageUrl())
                .put("utm", s.utm()));
    return write(
            List.of(started),
            List.of(
                new Statement(
                    "INSERT INTO webchat_sessions ("
                        + SESSION_COLUMNS
                        + ") VALUES (#{session_id}, #{token_hash}, "
                        + "#{assistant_thread_id}, #{locale}, #{page_url}, #{utm}, #{created_at}, #{last_activity}, 0, 0)",
                    params(
                        "session_id",
                        s.sessionId(),
                        "token_hash",
                        s.tokenHash(),
                        "assistant_thread_id",
                        s.assistantThreadId(),
                        "locale",
                        s.locale(),
                        "page_url",
                        s.pageUrl(),
                        "utm",
                        s.utm() == null ? null : s.utm().encode(),
                        "created_at",
                        ts(s.createdAt()),
                        "last_activity",
                        ts(s.lastActivity())))))
        .map(v -> s);
  }

  @Override
  public Future<@Nullable SessionRecord> findSession(String sessionId) {
    return query(
            pool,
            "SELECT "
                + SESSION_COLUMNS
                + " FROM webchat_sessions WHERE session_id = #{id} AND erased_at IS NULL",
            params("id", sessionId))
        .map(rows -> first(rows, SqlStore::session));
  }

  @Override
  public Future<SessionClaim> claimSession(String sessionId, String pendingErrorCode) {
    return inTransaction(
        tx ->
            update(
                    tx,
                    "UPDATE webchat_sessions SET owner_epoch = owner_epoch + 1 WHERE session_id = #{id}",
                    params("id", sessionId))
                .compose(
                    n ->
                        query(
                            tx,
                            "SELECT owner_epoch FROM webchat_sessions WHERE session_id = #{id}",
                            params("id", sessionId)))
                .compose(
                    rows -> {
                      Long epoch = first(rows, r -> r.getLong("owner_epoch"));
                      if (epoch == null)
                        return Future.failedFuture(
                            new IllegalStateException("No session " + sessionId));
                      return update(tx, FAIL_PENDING, failPending(sessionId, pendingErrorCode))
                          .map(n -> new SessionClaim(epoch, n));
                    }),
        claim -> List.of());
  }

  @Override
  public Future<Void> setAssistantThread(
      String sessionId, @Nullable String assistantThreadId, long ownerEpoch) {
    return write(
        List.of(),
        List.of(
            new Statement(
                "UPDATE webchat_sessions SET assistant_thread_id = #{thread}, "
                    + FENCED_SESSION_UPDATE
                    + " WHERE session_id = #{id}",
                params("thread", assistantThreadId, "epoch", ownerEpoch, "id", sessionId))));
  }

  @Override
  public Future<@Nullable StoredMessage> findMessageByClientId(
      String sessionId, String clientMessageId) {
    return query(
            pool,
            "SELECT "
                + MESSAGE_COLUMNS
                + " FROM messages WHERE session_id = #{id} AND client_message_id = #{cmid}",
            params("id", sessionId, "cmid", clientMessageId))
        .map(rows -> first(rows, SqlStore::message));
  }

  @Override
  public Future<@Nullable StoredMessage> findReply(String sessionId, String userMessageId) {
    return query(
            pool,
            "SELECT "
                + MESSAGE_COLUMNS
                + " FROM messages WHERE session_id = #{id} AND reply_to = #{reply_to} "
                + "ORDER BY seq DESC LIMIT 1",
            params("id", sessionId, "reply_to", userMessageId))
        .map(rows -> first(rows, SqlStore::message));
  }

  @Override
  public Future<StoredMessage> appendUserMessage(StoredMessage m, long ownerEpoch) {
    DomainEvent sent =
        DomainEvent.of(
            DomainEvent.MESSAGE_SENT,
            m.sessionId(),
            m.createdAt(),
            new JsonObject()
                .put("message_id", m.id())
                .put("seq", m.seq())
                .put("client_message_id", m.clientMessageId())
                .put("length", m.content().length()));
    return write(List.of(sent), List.of(fence(m.sessionId(), ownerEpoch), insertMessage(m)))
        .map(v -> m);
  }

  @Override
  public Future<StoredMessage> appendReply(StoredMessage reply, long tokensUsed, long ownerEpoch) {
    DomainEvent received =
        DomainEvent.of(
            DomainEvent.MESSAGE_RECEIVED,
            reply.sessionId(),
            reply.createdAt(),
            new JsonObject()
                .put("message_id", reply.id())
                .put("seq", reply.seq())
                .put("reply_to", reply.replyTo())
                .put("length", reply.content().length())
                .put("input_tokens", reply.inputTokens())
                .put("output_tokens", reply.outputTokens()));
    List<Statement> statements = new ArrayList<>();
    statements.add(
        turnEndUpdate(
            "turns = turns + 1, ", tokensUsed, reply.createdAt(), ownerEpoch, reply.sessionId()));
    statements.add(insertMessage(reply));
    if (reply.replyTo() != null) {
      statements.add(
          new Statement(
              "UPDATE messages SET status = #{status}, error_code = NULL WHERE id = #{mid}",
              params("status", MessageStatus.COMPLETED.wire(), "mid", reply.replyTo())));
    }
    return write(List.of(received), statements).map(v -> reply);
  }

  /**
   * The session row's update at a turn's end — its tokens and activity, and {@code alsoSet} (ending
   * in ", ") — with the owner's fence folded in.
   */
  private static Statement turnEndUpdate(
      String alsoSet, long tokensUsed, Instant at, long ownerEpoch, String sessionId) {
    return new Statement(
        "UPDATE webchat_sessions SET "
            + alsoSet
            + "tokens_used = tokens_used + #{tokens}, last_activity = #{at}, "
            + FENCED_SESSION_UPDATE
            + " WHERE session_id = #{id}",
        params("tokens", tokensUsed, "at", ts(at), "epoch", ownerEpoch, "id", sessionId));
  }

  @Override
  public Future<Void> markFailed(
      String sessionId, String messageId, String errorCode, long tokensUsed, long ownerEpoch) {
    return write(
        List.of(),
        List.of(
            turnEndUpdate("", tokensUsed, Instant.now(), ownerEpoch, sessionId),
            new Statement(
                "UPDATE messages SET status = #{status}, error_code = #{code} WHERE id = #{mid}",
                params(
                    "status", MessageStatus.FAILED.wire(), "code", errorCode, "mid", messageId))));
  }

  @Override
  public Future<Integer> failPendingMessages(String sessionId, String errorCode) {
    return update(pool, FAIL_PENDING, failPending(sessionId, errorCode));
  }

  @Override
  public Future<List<StoredMessage>> history(String sessionId, long afterSeq, int limit) {
    return query(
            pool,
            "SELECT "
                + MESSAGE_COLUMNS
                + " FROM messages WHERE session_id = #{id} AND seq > #{after} "
                + "ORDER BY seq LIMIT #{limit}",
            params("id", sessionId, "after", afterSeq, "limit", limit))
        .map(rows -> all(rows, SqlStore::message));
  }

  @Override
  public Future<List<StoredMessage>> recentHistory(String sessionId, int limit) {
    return query(
            pool,
            "SELECT "
                + MESSAGE_COLUMNS
                + " FROM messages WHERE session_id = #{id} ORDER BY seq DESC LIMIT #{limit}",
            params("id", sessionId, "limit", limit))
        .map(
            rows -> {
              List<StoredMessage> newestFirst = all(rows, SqlStore::message);
              Collections.reverse(newestFirst);
              return newestFirst;
            });
  }

  @Override
  public Future<ConsentRecord> recordConsent(ConsentRecord c) {
    return inTransaction(
        tx ->
            query(tx, LOCK_SESSION, params("session_id", c.sessionId()))
                .compose(
                    locked ->
                        // Erased meanwhile (a request authorized just before): nothing to record.
                        locked.size() == 0
                            ? Future.failedFuture(
                                new IllegalStateException("No live session " + c.sessionId()))
                            : query(tx, LATEST_CONSENT, params("id", c.sessionId())))
                .compose(
                    rows -> {
                      ConsentRecord stored = after(c, first(rows, SqlStore::consent));
                      return update(
                              tx,
                              "INSERT INTO consents ("
                                  + CONSENT_COLUMNS
                                  + ") VALUES (#{id}, #{session_id}, #{policy_version}, #{granted}, "
                                  + "#{created_at}, #{ip_hash}, #{user_agent})",
                              params(
                                  "id",
                                  stored.id(),
                                  "session_id",
                                  stored.sessionId(),
                                  "policy_version",
                                  stored.policyVersion(),
                                  "granted",
                                  stored.granted(),
                                  "created_at",
                                  ts(stored.createdAt()),
                                  "ip_hash",
                                  stored.ipHash(),
                                  "user_agent",
                                  stored.userAgent()))
                          .map(n -> stored);
                    }),
        stored ->
            List.of(
                DomainEvent.of(
                    stored.granted() ? DomainEvent.CONSENT_GRANTED : DomainEvent.CONSENT_WITHDRAWN,
                    stored.sessionId(),
                    stored.createdAt(),
                    new JsonObject()
                        .put("consent_id", stored.id())
                        .put("policy_version", stored.policyVersion()))));
  }

  /**
   * The consent as stored: at the databases' microsecond precision, and later than the one in
   * force, so the last recorded is the latest even if the clock stepped back or two fell in one
   * microsecond.
   */
  private static ConsentRecord after(ConsentRecord c, @Nullable ConsentRecord inForce) {
    Instant at = c.createdAt().truncatedTo(ChronoUnit.MICROS);
    if (inForce != null && !at.isAfter(inForce.createdAt()))
      at = inForce.createdAt().plus(1, ChronoUnit.MICROS);
    if (at.equals(c.createdAt())) return c;
    return new ConsentRecord(
        c.id(), c.sessionId(), c.policyVersion(), c.granted(), at, c.ipHash(), c.userAgent());
  }

  @Override
  public Future<@Nullable ConsentRecord> latestConsent(String sessionId) {
    return query(pool, LATEST_CONSENT, params("id", sessionId))
        .map(rows -> first(rows, SqlStore::consent));
  }

  @Override
  public Future<@Nullable LeadRecord> findLead(String sessionId) {
    return query(
            pool,
            "SELECT " + LEAD_COLUMNS + " FROM leads WHERE session_id = #{id}",
            params("id", sessionId))
        .map(rows -> first(rows, SqlStore::lead));
  }

  @Override
  public Future<LeadRecord> saveLead(LeadRecord l, List<String> changedFields) {
    return inTransaction(
            tx ->
                query(tx, LOCK_SESSION, params("session_id", l.sessionId()))
                    .compose(
                        locked ->
                            // Erased meanwhile: its kept consent rows no longer allow a lead.
                            locked.size() == 0
                                ? Future.failedFuture(new ConsentNotGrantedException(l.sessionId()))
                                : query(tx, LATEST_CONSENT, params("id", l.sessionId())))
                    .compose(
                        rows -> {
                          ConsentRecord inForce = first(rows, SqlStore::consent);
                          if (inForce == null || !inForce.granted())
                            return Future.failedFuture(
                                new ConsentNotGrantedException(l.sessionId()));
                          LeadRecord lead = withConsent(l, inForce.id());
                          Map<String, Object> p = leadParams(lead);
                          return update(
                                  tx,
                                  "UPDATE leads SET name = #{name}, email = #{email}, phone = #{phone}, consent_id = #{consent_id}, "
                                      + "updated_at = #{updated_at} WHERE session_id = #{session_id}",
                                  p)
                              .compose(
                                  updated ->
                                      updated > 0
                                          ? Future.succeededFuture(updated)
                                          : update(
                                              tx,
                                              "INSERT INTO leads ("
                                                  + LEAD_COLUMNS
                                                  + ") VALUES (#{id}, #{session_id}, #{name}, #{email}, #{phone}, "
                                                  + "#{source}, #{consent_id}, #{created_at}, #{updated_at})",
                                              p))
                              // What a CRM needs besides the lead, read in the same transaction:
                              // the session's landing page and campaign, the policy consented to.
                              .compose(
                                  n ->
                                      query(
                                          tx,
                                          "SELECT s.page_url, s.utm, c.policy_version FROM webchat_sessions s "
                                              + "JOIN consents c ON c.id = #{consent_id} WHERE s.session_id = #{session_id}",
                                          p))
                              .map(ctx -> new SavedLead(lead, first(ctx, row -> row)));
                        }),
            saved -> List.of(leadCaptured(saved.lead(), changedFields, saved.context())))
        .map(SavedLead::lead);
  }

  /** A lead as written, with what its event adds from the session and the consent. */
  private record SavedLead(LeadRecord lead, @Nullable Row context) {}

  private static LeadRecord withConsent(LeadRecord l, String consentId) {
    if (consentId.equals(l.consentId())) return l;
    return new LeadRecord(
        l.id(),
        l.sessionId(),
        l.name(),
        l.email(),
        l.phone(),
        l.source(),
        consentId,
        l.createdAt(),
        l.updatedAt());
  }

  /** {@code lead_captured}: the lead as stored, so that a webhook receiver needs no second call. */
  private static DomainEvent leadCaptured(
      LeadRecord l, List<String> changedFields, @Nullable Row context) {
    String utm = context == null ? null : context.getString("utm");
    return DomainEvent.of(
        DomainEvent.LEAD_CAPTURED,
        l.sessionId(),
        l.updatedAt(),
        new JsonObject()
            .put("lead_id", l.id())
            .put("name", l.name())
            .put("email", l.email())
            .put("phone", l.phone())
            .put("fields", new JsonArray(new ArrayList<>(changedFields)))
            .put("complete", l.complete())
            .put("consent_id", l.consentId())
            .put("policy_version", context == null ? null : context.getString("policy_version"))
            .put("page_url", context == null ? null : context.getString("page_url"))
            .put("utm", utm == null ? null : new JsonObject(utm)));
  }

  private static Map<String, Object> leadParams(LeadRecord l) {
    return params(
        "id",
        l.id(),
        "session_id",
        l.sessionId(),
        "name",
        l.name(),
        "email",
        l.email(),
        "phone",
        l.phone(),
        "source",
        l.source(),
        "consent_id",
        l.consentId(),
        "created_at",
        ts(l.createdAt()),
        "updated_at",
        ts(l.updatedAt()));
  }

  @Override
  public Future<List<DomainEvent>> events(String sessionId) {
    return query(
            pool,
            "SELECT id, type, session_id, occurred_at, payload FROM events WHERE session_id = #{id} "
                + "ORDER BY occurred_at, event_no",
            params("id", sessionId))
        .map(
            rows ->
                all(
                    rows,
                    row ->
                        new DomainEvent(
                            row.getString("id"),
                            row.getString("type"),
                            row.getString("session_id"),
                            instant(row.getValue("occurred_at")),
                            new JsonObject(row.getString("payload")))));
  }

  @Override
  public Future<Void> recordEvent(DomainEvent event) {
    return write(List.of(event), List.of());
  }

  @Override
  public Future<@Nullable ErasedSession> eraseSession(String sessionId, String reason, Instant at) {
    Map<String, Object> p = params("id", sessionId, "reason", reason, "at", ts(at));
    return inTransaction(
        tx ->
            query(
                    tx,
                    "SELECT assistant_thread_id FROM webchat_sessions "
                        + "WHERE session_id = #{id} AND erased_at IS NULL FOR UPDATE",
                    p)
                .compose(
                    rows -> {
                      if (rows.size() == 0) return Future.<ErasedSession>succeededFuture(null);
                      String conversation = first(rows, r -> r.getString("assistant_thread_id"));
                      // The session's row first (the lock order of every write); the epoch bump
                      // fences off a turn still running in the session's actor.
                      return update(
                              tx,
                              "UPDATE webchat_sessions SET erased_at = #{at}, erasure_reason = #{reason}, "
                                  + "token_hash = 'erased', page_url = NULL, utm = NULL, "
                                  + "assistant_thread_id = NULL, owner_epoch = owner_epoch + 1 "
                                  + "WHERE session_id = #{id}",
                              p)
                          .compose(
                              n -> update(tx, "DELETE FROM messages WHERE session_id = #{id}", p))
                          .compose(
                              messages ->
                                  update(tx, "DELETE FROM leads WHERE session_id = #{id}", p)
                                      .compose(
                                          leads ->
                                              update(
                                                      tx,
                                                      "UPDATE consents SET ip_hash = NULL, user_agent = NULL "
                                                          + "WHERE session_id = #{id}",
                                                      p)
                                                  .compose(
                                                      c ->
                                                          update(
                                                              tx,
                                                              "UPDATE events SET payload = '{\"erased\":true}' "
                                                                  + "WHERE session_id = #{id} AND type <> 'admin_export'",
                                                              p))
                                                  .compose(
                                                      e ->
                                                          conversation == null
                                                              ? Future.succeededFuture(0)
                                                              : update(
                                                                  tx,
                                                                  "INSERT INTO openai_deletions (conversation_id, "
                                                                      + "session_id, created_at, attempts, next_attempt_at) "
                                                                      + "VALUES (#{conversation}, #{id}, #{at}, 0, #{at})",
                                                                  params(
                                                                      "conversation",
                                                                      conversation,
                                                                      "id",
                                                                      sessionId,
                                                                      "at",
                                                                      ts(at))))
                                                  .map(
                                                      x ->
                                                          new ErasedSession(
                                                              sessionId,
                                                              reason,
                                                              at,
                                                              conversation,
                                                              messages,
                                                              leads > 0))));
                    }),
        erased -> erased == null ? List.of() : List.of(erased.event()));
  }

  @Override
  public Future<Void> ping() {
    return pool.query("SELECT 1").execute().mapEmpty();
  }

  // --- plumbing -------------------------------------------------------------------------------

  private static Statement insertMessage(StoredMessage m) {
    return new Statement(
        "INSERT INTO messages ("
            + MESSAGE_COLUMNS
            + ") VALUES (#{id}, #{session_id}, #{seq}, #{role}, "
            + "#{content}, #{created_at}, #{client_message_id}, #{status}, #{reply_to}, #{error_code}, #{input_tokens}, "
            + "#{output_tokens})",
        params(
            "id",
            m.id(),
            "session_id",
            m.sessionId(),
            "seq",
            m.seq(),
            "role",
            m.role(),
            "content",
            m.content(),
            "created_at",
            ts(m.createdAt()),
            "client_message_id",
            m.clientMessageId(),
            "status",
            m.status().wire(),
            "reply_to",
            m.replyTo(),
            "error_code",
            m.errorCode(),
            "input_tokens",
            m.inputTokens(),
            "output_tokens",
            m.outputTokens()));
  }

  private static Statement fence(String sessionId, long ownerEpoch) {
    return new Statement(FENCE, params("epoch", ownerEpoch, "fence_session", sessionId));
  }

  private static Statement insertEvent(DomainEvent e) {
    return new Statement(
        "INSERT INTO events (id, type, session_id, occurred_at, payload) "
            + "VALUES (#{id}, #{type}, #{session_id}, #{occurred_at}, #{payload})",
        params(
            "id",
            e.id(),
            "type",
            e.type(),
            "session_id",
            e.sessionId(),
            "occurred_at",
            ts(e.occurredAt()),
            "payload",
            e.data().encode()));
  }

  /** An event's insert, then its outbox rows: one per webhook endpoint that wants its type. */
  private List<Statement> eventInserts(DomainEvent e) {
    List<String> endpoints = subscriptions.endpointsFor(e.type());
    List<Statement> inserts = new ArrayList<>(1 + endpoints.size());
    inserts.add(insertEvent(e));
    OffsetDateTime now = ts(Instant.now());
    for (String endpoint : endpoints) {
      inserts.add(
          new Statement(
              "INSERT INTO webhook_deliveries (id, event_id, event_type, session_id, endpoint_id, "
                  + "status, attempts, next_attempt_at, created_at) VALUES (#{id}, #{event_id}, "
                  + "#{event_type}, #{session_id}, #{endpoint_id}, 'pending', 0, #{now}, #{now})",
              params(
                  "id",
                  UUID.randomUUID().toString(),
                  "event_id",
                  e.id(),
                  "event_type",
                  e.type(),
                  "session_id",
                  e.sessionId(),
                  "endpoint_id",
                  endpoint,
                  "now",
                  now)));
    }
    return inserts;
  }

  /**
   * The statements and their events' inserts as one transaction (on Postgres, possibly with other
   * writes: {@link GroupCommit}); the events are published after commit.
   */
  private Future<Void> write(List<DomainEvent> events, List<Statement> statements) {
    List<Statement> all = new ArrayList<>(statements);
    events.forEach(e -> all.addAll(eventInserts(e)));
    GroupCommit batched = groupCommit;
    return (batched != null
            ? batched.submit(all)
            : retried(() -> pool.withTransaction(tx -> sequentially(tx, all)), RETRIES))
        .recover(SqlStore::translate)
        .onSuccess(v -> events.forEach(committedEvents));
  }

  /**
   * The transaction again, up to {@code retries} times, while the database rolls it back as a
   * deadlock victim or a serialization failure: nothing of it was kept, so running it again is
   * safe, and the visitor never sees a failure the store could have avoided.
   */
  private static <T> Future<T> retried(Supplier<Future<T>> transaction, int retries) {
    return transaction
        .get()
        .recover(
            failure -> {
              if (retries <= 0 || !rolledBackAsConflict(failure))
                return Future.failedFuture(failure);
              log.warn(
                  "transaction rolled back by the database, retrying",
                  kv("sqlstate", sqlState(failure)),
                  kv("retries_left", retries));
              return retried(transaction, retries - 1);
            });
  }

  /** 40001: serialization failure (H2 also reports a deadlock so); 40P01: Postgres' deadlock. */
  static boolean rolledBackAsConflict(Throwable failure) {
    String state = sqlState(failure);
    return "40001".equals(state) || "40P01".equals(state);
  }

  static @Nullable String sqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String state =
          t instanceof DatabaseException db
              ? db.getSqlState()
              : t instanceof SQLException sql ? sql.getSQLState() : null;
      if (state != null) return state;
    }
    return null;
  }

  private static Future<Void> sequentially(SqlClient tx, List<Statement> statements) {
    Future<Void> chain = Future.succeededFuture();
    for (Statement s : statements)
      chain = chain.compose(v -> update(tx, s.sql(), s.params()).mapEmpty());
    return chain;
  }

  /**
   * For a write whose statements depend on what an earlier one found: one by one, in a transaction,
   * then the events that {@code eventsOf} makes of the result.
   */
  private <T> Future<T> inTransaction(
      Function<SqlClient, Future<T>> work, Function<T, List<DomainEvent>> eventsOf) {
    List<DomainEvent> written = new ArrayList<>();
    return retried(
            () ->
                pool.<T>withTransaction(
                    tx ->
                        work.apply(tx)
                            .compose(
                                result -> {
                                  // A retried transaction runs this again: keep only its events.
                                  List<DomainEvent> events = eventsOf.apply(result);
                                  written.clear();
                                  written.addAll(events);
                                  return sequentially(
                                          tx,
                                          events.stream()
                                              .flatMap(e -> eventInserts(e).stream())
                                              .toList())
                                      .map(result);
                                })),
            RETRIES)
        .recover(SqlStore::translate)
        .onSuccess(r -> written.forEach(committedEvents));
  }

  private static <T> Future<T> translate(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String state =
          t instanceof DatabaseException db
              ? db.getSqlState()
              : t instanceof SQLException sql ? sql.getSQLState() : null;
      if ("23505".equals(state))
        return Future.failedFuture(new DuplicateKeyException(t.getMessage(), failure));
      if (DIVISION_BY_ZERO.equals(state))
        return Future.failedFuture(new FencedException(t.getMessage(), failure));
    }
    return Future.failedFuture(failure);
  }

  private static Future<RowSet<Row>> query(
      SqlClient client, String sql, Map<String, Object> params) {
    return SqlTemplate.forQuery(client, sql).execute(params).recover(SqlStore::translate);
  }

  private static Future<Integer> update(SqlClient client, String sql, Map<String, Object> params) {
    return SqlTemplate.forUpdate(client, sql)
        .execute(params)
        .map(SqlResult::rowCount)
        .recover(SqlStore::translate);
  }

  private static Map<String, Object> failPending(String sessionId, String errorCode) {
    return params(
        "failed",
        MessageStatus.FAILED.wire(),
        "code",
        errorCode,
        "id",
        sessionId,
        "pending",
        MessageStatus.PENDING.wire());
  }

  private static Map<String, Object> params(@Nullable Object... kv) {
    Map<String, Object> map = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) map.put((String) kv[i], kv[i + 1]);
    return map;
  }

  private static @Nullable OffsetDateTime ts(@Nullable Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  /** A column that may be null, such as a time something has not happened at yet. */
  static @Nullable Instant instantOrNull(@Nullable Object value) {
    return value == null ? null : instant(value);
  }

  /** A NOT NULL timestamp column, as whichever type the driver hands. */
  static Instant instant(Object value) {
    if (value instanceof OffsetDateTime odt) return odt.toInstant();
    if (value instanceof ZonedDateTime zdt) return zdt.toInstant();
    if (value instanceof LocalDateTime ldt) return ldt.toInstant(ZoneOffset.UTC);
    if (value instanceof Timestamp t) return t.toInstant();
    if (value instanceof Instant i) return i;
    return OffsetDateTime.parse(value.toString()).toInstant();
  }

  private static <T> @Nullable T first(RowSet<Row> rows, Function<Row, T> mapper) {
    var it = rows.iterator();
    return it.hasNext() ? mapper.apply(it.next()) : null;
  }

  private static <T> List<T> all(RowSet<Row> rows, Function<Row, T> mapper) {
    List<T> out = new ArrayList<>(rows.size());
    for (Row row : rows) out.add(mapper.apply(row));
    return out;
  }

  private static SessionRecord session(Row r) {
    String utm = r.getString("utm");
    return new SessionRecord(
        r.getString("session_id"),
        r.getString("token_hash"),
        r.getString("assistant_thread_id"),
        r.getString("locale"),
        r.getString("page_url"),
        utm == null ? null : new JsonObject(utm),
        instant(r.getValue("created_at")),
        instant(r.getValue("last_activity")),
        r.getInteger("turns"),
        r.getLong("tokens_used"));
  }

  static StoredMessage message(Row r) {
    return new StoredMessage(
        r.getString("id"),
        r.getString("session_id"),
        r.getLong("seq"),
        r.getString("role"),
        r.getString("content"),
        instant(r.getValue("created_at")),
        r.getString("client_message_id"),
        MessageStatus.fromWire(r.getString("status")),
        r.getString("reply_to"),
        r.getString("error_code"),
        r.getInteger("input_tokens"),
        r.getInteger("output_tokens"));
  }

  static ConsentRecord consent(Row r) {
    return new ConsentRecord(
        r.getString("id"),
        r.getString("session_id"),
        r.getString("policy_version"),
        r.getBoolean("granted"),
        instant(r.getValue("created_at")),
        r.getString("ip_hash"),
        r.getString("user_agent"));
  }

  private static LeadRecord lead(Row r) {
    return new LeadRecord(
        r.getString("id"),
        r.getString("session_id"),
        r.getString("name"),
        r.getString("email"),
        r.getString("phone"),
        r.getString("source"),
        r.getString("consent_id"),
        instant(r.getValue("created_at")),
        instant(r.getValue("updated_at")));
  }
}
