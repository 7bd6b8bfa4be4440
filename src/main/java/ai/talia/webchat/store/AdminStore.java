package ai.talia.webchat.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The admin's reads of personal data (keyset pages of leads and sessions, a session's whole record,
 * a data subject's sessions) and the queue of OpenAI conversations to delete. It runs on a small
 * pool of its own, so an export never takes a connection a chat turn waits for. Erased sessions are
 * never returned. The same SQL runs on Postgres and on H2.
 */
public final class AdminStore {
  private final Pool pool;

  public AdminStore(Pool pool) {
    this.pool = pool;
  }

  /** The filters of the leads list and CSV; null fields do not filter. */
  public record LeadFilter(@Nullable Instant since, @Nullable Instant until, @Nullable String q) {}

  /** A lead as the admin sees it, with its consent and where the session came from. */
  public record AdminLead(
      String id,
      String sessionId,
      @Nullable String name,
      @Nullable String email,
      @Nullable String phone,
      Instant createdAt,
      Instant updatedAt,
      @Nullable String consentId,
      @Nullable String policyVersion,
      @Nullable Instant consentGrantedAt,
      @Nullable String pageUrl,
      @Nullable JsonObject utm) {

    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id)
          .put("session_id", sessionId)
          .put("name", name)
          .put("email", email)
          .put("phone", phone)
          .put("created_at", createdAt.toString())
          .put("updated_at", updatedAt.toString())
          .put(
              "consent",
              consentId == null
                  ? null
                  : new JsonObject()
                      .put("id", consentId)
                      .put("policy_version", policyVersion)
                      .put(
                          "granted_at",
                          consentGrantedAt == null ? null : consentGrantedAt.toString()))
          .put("page_url", pageUrl)
          .put("utm", utm);
    }

    public Keyset keyset() {
      return new Keyset(createdAt, id);
    }
  }

  /** A row of the sessions list. */
  public record SessionSummary(
      String id,
      String locale,
      @Nullable String pageUrl,
      @Nullable JsonObject utm,
      Instant createdAt,
      Instant lastActivityAt,
      long messageCount,
      boolean hasLead,
      @Nullable String leadName) {

    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id)
          .put("locale", locale)
          .put("page_url", pageUrl)
          .put("utm", utm)
          .put("created_at", createdAt.toString())
          .put("last_activity_at", lastActivityAt.toString())
          .put("message_count", messageCount)
          .put("has_lead", hasLead)
          .put("lead_name", leadName);
    }
  }

  /** A page and the cursor of the next one (null on the last page). */
  public record Page<T>(List<T> items, @Nullable Keyset next) {}

  /** Everything stored about one session. */
  public record SessionDetail(
      SessionRecord session,
      List<StoredMessage> messages,
      List<ConsentRecord> consents,
      @Nullable AdminLead lead,
      List<DomainEvent> events) {}

  /** An OpenAI conversation of an erased session, deleted at OpenAI or still to delete. */
  public record OpenAiDeletion(
      String conversationId,
      String sessionId,
      Instant createdAt,
      int attempts,
      Instant nextAttemptAt,
      @Nullable String lastError,
      @Nullable Instant deletedAt) {}

  private static final String LEAD_SELECT =
      "SELECT l.id, l.session_id, l.name, l.email, l.phone, l.created_at, l.updated_at, "
          + "l.consent_id, c.policy_version, c.created_at AS consent_granted_at, s.page_url, s.utm "
          + "FROM leads l JOIN webchat_sessions s ON s.session_id = l.session_id "
          + "LEFT JOIN consents c ON c.id = l.consent_id WHERE s.erased_at IS NULL";

  /** A page of leads, newest first, strictly after {@code after} when given. */
  public Future<Page<AdminLead>> leads(LeadFilter filter, @Nullable Keyset after, int limit) {
    Map<String, @Nullable Object> p = new HashMap<>();
    StringBuilder sql = new StringBuilder(LEAD_SELECT);
    if (filter.since() != null) {
      sql.append(" AND l.created_at >= #{since}");
      p.put("since", ts(filter.since()));
    }
    if (filter.until() != null) {
      sql.append(" AND l.created_at < #{until}");
      p.put("until", ts(filter.until()));
    }
    if (filter.q() != null) {
      sql.append(
          " AND (LOWER(l.name) LIKE #{q} ESCAPE '!' OR LOWER(l.email) LIKE #{q} ESCAPE '!'"
              + " OR l.phone LIKE #{q} ESCAPE '!')");
      p.put("q", "%" + likeEscaped(filter.q().toLowerCase(Locale.ROOT)) + "%");
    }
    keysetClause(sql, p, after, "l.created_at", "l.id");
    sql.append(" ORDER BY l.created_at DESC, l.id DESC LIMIT #{limit}");
    p.put("limit", limit + 1);
    return query(sql.toString(), p)
        .map(rows -> page(rows, AdminStore::lead, limit, AdminLead::keyset));
  }

  /** A page of sessions, newest first. */
  public Future<Page<SessionSummary>> sessions(
      @Nullable Instant since,
      @Nullable Instant until,
      @Nullable Boolean hasLead,
      @Nullable Keyset after,
      int limit) {
    Map<String, @Nullable Object> p = new HashMap<>();
    StringBuilder sql =
        new StringBuilder(
            "SELECT s.session_id, s.locale, s.page_url, s.utm, s.created_at, s.last_activity, "
                + "(SELECT COUNT(*) FROM messages m WHERE m.session_id = s.session_id) AS message_count, "
                + "l.id AS lead_id, l.name AS lead_name FROM webchat_sessions s "
                + "LEFT JOIN leads l ON l.session_id = s.session_id WHERE s.erased_at IS NULL");
    if (since != null) {
      sql.append(" AND s.created_at >= #{since}");
      p.put("since", ts(since));
    }
    if (until != null) {
      sql.append(" AND s.created_at < #{until}");
      p.put("until", ts(until));
    }
    if (hasLead != null) sql.append(hasLead ? " AND l.id IS NOT NULL" : " AND l.id IS NULL");
    keysetClause(sql, p, after, "s.created_at", "s.session_id");
    sql.append(" ORDER BY s.created_at DESC, s.session_id DESC LIMIT #{limit}");
    p.put("limit", limit + 1);
    return query(sql.toString(), p)
        .map(
            rows ->
                page(
                    rows,
                    r -> {
                      String utm = r.getString("utm");
                      return new SessionSummary(
                          r.getString("session_id"),
                          r.getString("locale"),
                          r.getString("page_url"),
                          utm == null ? null : new JsonObject(utm),
                          SqlStore.instant(r.getValue("created_at")),
                          SqlStore.instant(r.getValue("last_activity")),
                          ((Number) r.getValue("message_count")).longValue(),
                          r.getString("lead_id") != null,
                          r.getString("lead_name"));
                    },
                    limit,
                    s -> new Keyset(s.createdAt(), s.id())));
  }

  /** The session's whole record, or null when there is none or it was erased. */
  public Future<@Nullable SessionDetail> session(String sessionId) {
    Map<String, @Nullable Object> p = new HashMap<>();
    p.put("id", sessionId);
    return query(
            "SELECT session_id, token_hash, assistant_thread_id, locale, page_url, utm, created_at, "
                + "last_activity, turns, tokens_used FROM webchat_sessions "
                + "WHERE session_id = #{id} AND erased_at IS NULL",
            p)
        .compose(
            rows -> {
              if (rows.size() == 0) return Future.<@Nullable SessionDetail>succeededFuture(null);
              Row r = rows.iterator().next();
              String utm = r.getString("utm");
              SessionRecord session =
                  new SessionRecord(
                      r.getString("session_id"),
                      r.getString("token_hash"),
                      r.getString("assistant_thread_id"),
                      r.getString("locale"),
                      r.getString("page_url"),
                      utm == null ? null : new JsonObject(utm),
                      SqlStore.instant(r.getValue("created_at")),
                      SqlStore.instant(r.getValue("last_activity")),
                      r.getInteger("turns"),
                      r.getLong("tokens_used"));
              Future<RowSet<Row>> messages =
                  query(
                      "SELECT id, session_id, seq, role, content, created_at, client_message_id, "
                          + "status, reply_to, error_code, input_tokens, output_tokens FROM messages "
                          + "WHERE session_id = #{id} ORDER BY seq",
                      p);
              Future<RowSet<Row>> consents =
                  query(
                      "SELECT id, session_id, policy_version, granted, created_at, ip_hash, user_agent "
                          + "FROM consents WHERE session_id = #{id} ORDER BY created_at, id",
                      p);
              Future<RowSet<Row>> lead = query(LEAD_SELECT + " AND l.session_id = #{id}", p);
              Future<RowSet<Row>> events =
                  query(
                      "SELECT id, type, session_id, occurred_at, payload FROM events "
                          + "WHERE session_id = #{id} ORDER BY occurred_at, event_no",
                      p);
              return Future.all(messages, consents, lead, events)
                  .map(
                      all ->
                          new SessionDetail(
                              session,
                              all(messages.result(), SqlStore::message),
                              all(consents.result(), SqlStore::consent),
                              lead.result().size() == 0
                                  ? null
                                  : lead(lead.result().iterator().next()),
                              all(events.result(), AdminStore::event)));
            });
  }

  /**
   * The ids of every live session whose lead has this email (compared case-insensitively), newest
   * first.
   */
  public Future<List<String>> sessionsOfEmail(String email) {
    Map<String, @Nullable Object> p = new HashMap<>();
    p.put("email", email.trim().toLowerCase(Locale.ROOT));
    return query(
            "SELECT l.session_id FROM leads l JOIN webchat_sessions s ON s.session_id = l.session_id "
                + "WHERE s.erased_at IS NULL AND LOWER(l.email) = #{email} "
                + "ORDER BY l.created_at DESC, l.session_id DESC",
            p)
        .map(rows -> all(rows, r -> r.getString("session_id")));
  }

  /** Where the retention sweep goes on: after this session, in (created_at, session_id) order. */
  public record SweepPosition(Instant createdAt, String sessionId) {}

  /** One page of the retention sweep and where the next starts, or null after the last. */
  public record InactivePage(List<String> sessionIds, @Nullable SweepPosition next) {}

  /**
   * Up to {@code limit} live sessions whose last activity is before {@code cutoff}, in creation
   * order after {@code after}. A session is never active before it is created, so only sessions
   * created before the cutoff are read, through the creation index, and each sweep reads them once
   * from page to page: no index on {@code last_activity}, which every turn updates (V10).
   */
  public Future<InactivePage> inactiveSince(
      Instant cutoff, @Nullable SweepPosition after, int limit) {
    Map<String, @Nullable Object> p = new HashMap<>();
    p.put("cutoff", ts(cutoff));
    p.put("limit", limit);
    String from = "";
    if (after != null) {
      from =
          "AND (created_at > #{after_at} OR (created_at = #{after_at} AND session_id > #{after_id})) ";
      p.put("after_at", ts(after.createdAt()));
      p.put("after_id", after.sessionId());
    }
    return query(
            "SELECT session_id, created_at FROM webchat_sessions WHERE created_at < #{cutoff} "
                + from
                + "AND erased_at IS NULL AND last_activity < #{cutoff} "
                + "ORDER BY created_at, session_id LIMIT #{limit}",
            p)
        .map(
            rows -> {
              List<String> ids = new ArrayList<>();
              @Nullable SweepPosition last = null;
              for (Row r : rows) {
                ids.add(r.getString("session_id"));
                last =
                    new SweepPosition(
                        SqlStore.instant(r.getValue("created_at")), r.getString("session_id"));
              }
              return new InactivePage(ids, ids.size() < limit ? null : last);
            });
  }

  // --- OpenAI deletions -------------------------------------------------------------------------

  /** Deletions not done yet whose next attempt is due. */
  public Future<List<OpenAiDeletion>> dueDeletions(Instant now, int limit) {
    Map<String, @Nullable Object> p = new HashMap<>();
    p.put("now", ts(now));
    p.put("limit", limit);
    return query(
            "SELECT conversation_id, session_id, created_at, attempts, next_attempt_at, last_error, "
                + "deleted_at FROM openai_deletions WHERE deleted_at IS NULL "
                + "AND next_attempt_at <= #{now} ORDER BY next_attempt_at LIMIT #{limit}",
            p)
        .map(rows -> all(rows, AdminStore::deletion));
  }

  public Future<List<OpenAiDeletion>> deletionsOf(String sessionId) {
    Map<String, @Nullable Object> p = new HashMap<>();
    p.put("id", sessionId);
    return query(
            "SELECT conversation_id, session_id, created_at, attempts, next_attempt_at, last_error, "
                + "deleted_at FROM openai_deletions WHERE session_id = #{id} ORDER BY created_at",
            p)
        .map(rows -> all(rows, AdminStore::deletion));
  }

  /** How many conversations OpenAI has not confirmed deleted yet. */
  public Future<Long> pendingDeletions() {
    return query("SELECT COUNT(*) AS n FROM openai_deletions WHERE deleted_at IS NULL", Map.of())
        .map(rows -> ((Number) rows.iterator().next().getValue("n")).longValue());
  }

  public Future<Void> deletionDone(String conversationId, Instant at) {
    Map<String, @Nullable Object> p = new HashMap<>();
    p.put("id", conversationId);
    p.put("at", ts(at));
    return update(
        "UPDATE openai_deletions SET deleted_at = #{at}, attempts = attempts + 1, last_error = NULL "
            + "WHERE conversation_id = #{id}",
        p);
  }

  public Future<Void> deletionFailed(String conversationId, Instant nextAttempt, String error) {
    Map<String, @Nullable Object> p = new HashMap<>();
    p.put("id", conversationId);
    p.put("next", ts(nextAttempt));
    p.put("error", error.length() > 200 ? error.substring(0, 200) : error);
    return update(
        "UPDATE openai_deletions SET attempts = attempts + 1, next_attempt_at = #{next}, "
            + "last_error = #{error} WHERE conversation_id = #{id} AND deleted_at IS NULL",
        p);
  }

  // --- plumbing ---------------------------------------------------------------------------------

  private static void keysetClause(
      StringBuilder sql,
      Map<String, @Nullable Object> p,
      @Nullable Keyset after,
      String atColumn,
      String idColumn) {
    if (after == null) return;
    // A row comparison: Postgres walks the (created_at, id) index backwards from the cursor.
    sql.append(" AND (")
        .append(atColumn)
        .append(", ")
        .append(idColumn)
        .append(") < (#{k_at}, #{k_id})");
    p.put("k_at", ts(after.at()));
    p.put("k_id", after.id());
  }

  private static <T> Page<T> page(
      RowSet<Row> rows, Function<Row, T> mapper, int limit, Function<T, Keyset> keyOf) {
    List<T> items = all(rows, mapper);
    if (items.size() <= limit) return new Page<>(items, null);
    List<T> kept = new ArrayList<>(items.subList(0, limit));
    return new Page<>(kept, keyOf.apply(kept.get(limit - 1)));
  }

  static String likeEscaped(String value) {
    return value.replace("!", "!!").replace("%", "!%").replace("_", "!_");
  }

  private Future<RowSet<Row>> query(String sql, Map<String, @Nullable Object> params) {
    return SqlTemplate.forQuery(pool, sql).execute(params);
  }

  /** In a transaction: on H2 a bare statement could stay uncommitted (see WebhookOutbox). */
  private Future<Void> update(String sql, Map<String, @Nullable Object> params) {
    return pool.withTransaction(
            tx ->
                SqlTemplate.forUpdate((SqlClient) tx, sql).execute(params).map(SqlResult::rowCount))
        .mapEmpty();
  }

  private static <T> List<T> all(RowSet<Row> rows, Function<Row, T> mapper) {
    List<T> out = new ArrayList<>(rows.size());
    for (Row row : rows) out.add(mapper.apply(row));
    return out;
  }

  private static @Nullable OffsetDateTime ts(@Nullable Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  private static AdminLead lead(Row r) {
    String utm = r.getString("utm");
    return new AdminLead(
        r.getString("id"),
        r.getString("session_id"),
        r.getString("name"),
        r.getString("email"),
        r.getString("phone"),
        SqlStore.instant(r.getValue("created_at")),
        SqlStore.instant(r.getValue("updated_at")),
        r.getString("consent_id"),
        r.getString("policy_version"),
        SqlStore.instantOrNull(r.getValue("consent_granted_at")),
        r.getString("page_url"),
        utm == null ? null : new JsonObject(utm));
  }

  private static DomainEvent event(Row r) {
    return new DomainEvent(
        r.getString("id"),
        r.getString("type"),
        r.getString("session_id"),
        SqlStore.instant(r.getValue("occurred_at")),
        new JsonObject(r.getString("payload")));
  }

  private static OpenAiDeletion deletion(Row r) {
    return new OpenAiDeletion(
        r.getString("conversation_id"),
        r.getString("session_id"),
        SqlStore.instant(r.getValue("created_at")),
        r.getInteger("attempts"),
        SqlStore.instant(r.getValue("next_attempt_at")),
        r.getString("last_error"),
        SqlStore.instantOrNull(r.getValue("deleted_at")));
  }
}
