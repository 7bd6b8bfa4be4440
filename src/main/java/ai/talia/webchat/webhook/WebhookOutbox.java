package ai.talia.webchat.webhook;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of the webhook outbox ({@code webhook_deliveries}, {@code webhook_attempts}; the rows are
 * written by the store with their events). The same statements run on Postgres and on H2.
 *
 * <p>A claim marks an endpoint's due rows with a claim token and a lease in one {@code UPDATE ...
 * WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)}: several processes on one database each get
 * different rows, and a row whose sender died is claimable again once its lease ran out. A row is
 * due only when no earlier row of the same endpoint and session is still pending, so one session's
 * events reach an endpoint in the order they were written.
 *
 * <p>Every write runs in an explicit transaction: the Vert.x JDBC client (5.0.10) leaves a
 * connection in manual-commit mode after a transaction, so on H2 a bare statement on that
 * connection would stay uncommitted, invisible to the other connections.
 */
public final class WebhookOutbox {
  public static final String PENDING = "pending";
  public static final String DELIVERED = "delivered";
  public static final String FAILED = "failed";

  private static final String DELIVERY_COLUMNS =
      "d.id, d.seq, d.event_id, d.event_type, d.session_id, d.endpoint_id, d.status, d.attempts, "
          + "d.next_attempt_at, d.created_at, d.delivered_at, d.last_status_code, d.last_error";

  private final Pool pool;

  public WebhookOutbox(Pool pool) {
    this.pool = pool;
  }

  /** A claimed row with its event, ready to send. */
  public record Claimed(
      String id,
      String eventId,
      String eventType,
      @Nullable String sessionId,
      String endpointId,
      int attempts,
      Instant createdAt,
      Instant occurredAt,
      String payload) {

    /** The body: SPEC §6's envelope, from the event as stored. */
    public String body() {
      return new JsonObject()
          .put("id", eventId)
          .put("type", eventType)
          .put("session_id", sessionId)
          .put("occurred_at", occurredAt.toString())
          .put("data", new JsonObject(payload))
          .encode();
    }
  }

  /** How an attempt ends for its row. */
  public record Outcome(
      String status, int attempts, Instant nextAttemptAt, @Nullable Instant deliveredAt) {}

  /** Pending rows of one endpoint: how many, and since when the oldest waits. */
  public record Backlog(long pending, @Nullable Instant oldestCreatedAt) {}

  /** Claims up to {@code limit} due rows of an endpoint for {@code claim} until {@code lease}. */
  public Future<List<Claimed>> claim(
      String endpointId, String claim, Instant now, Instant leaseUntil, int limit) {
    Map<String, @Nullable Object> p =
        params(
            "endpoint",
            endpointId,
            "claim",
            claim,
            "now",
            ts(now),
            "lease",
            ts(leaseUntil),
            "limit",
            limit);
    return pool.withTransaction(
        tx ->
            update(
                    tx,
                    "UPDATE webhook_deliveries SET claimed_by = #{claim}, lease_until = #{lease} WHERE id IN ("
                        + "SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = #{endpoint} "
                        + "AND d.status = 'pending' AND d.next_attempt_at <= #{now} "
                        + "AND (d.lease_until IS NULL OR d.lease_until < #{now}) "
                        + "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id "
                        + "AND e.session_id = d.session_id AND e.status = 'pending' AND e.seq < d.seq) "
                        + "ORDER BY d.seq LIMIT #{limit} FOR UPDATE SKIP LOCKED)",
                    p)
                .compose(
                    claimed ->
                        claimed == 0
                            ? Future.succeededFuture(List.of())
                            : query(
                                    tx,
                                    "SELECT d.id, d.event_id, d.event_type, d.session_id, d.endpoint_id, d.attempts, "
                                        + "d.created_at, e.occurred_at, e.payload FROM webhook_deliveries d "
                                        + "JOIN events e ON e.id = d.event_id WHERE d.claimed_by = #{claim} "
                                        + "ORDER BY d.seq",
                                    p)
                                .map(
                                    rows -> {
                                      List<Claimed> out = new ArrayList<>(rows.size());
                                      for (Row r : rows)
                                        out.add(
                                            new Claimed(
                                                r.getString("id"),
                                                r.getString("event_id"),
                                                r.getString("event_type"),
                                                r.getString("session_id"),
                                                r.getString("endpoint_id"),
                                                r.getInteger("attempts"),
                                                instant(r.getValue("created_at")),
                                                instant(r.getValue("occurred_at")),
                                                r.getString("payload")));
                                      return out;
                                    })));
  }

  /**
   * Records an attempt and its row's new state, releasing the claim. Answers false when the row was
   * no longer this claim's (its lease ran out and another node took it): the attempt is still
   * recorded, as it happened.
   */
  public Future<Boolean> record(
      Claimed row, String claim, Instant attemptedAt, AttemptResult result, Outcome outcome) {
    return pool.withTransaction(
        tx ->
            update(
                    tx,
                    "UPDATE webhook_deliveries SET status = #{status}, attempts = #{attempts}, "
                        + "next_attempt_at = #{next}, delivered_at = #{delivered}, claimed_by = NULL, "
                        + "lease_until = NULL, last_status_code = #{code}, last_error = #{error} "
                        + "WHERE id = #{id} AND claimed_by = #{claim}",
                    params(
                        "status",
                        outcome.status(),
                        "attempts",
                        outcome.attempts(),
                        "next",
                        ts(outcome.nextAttemptAt()),
                        "delivered",
                        ts(outcome.deliveredAt()),
                        "code",
                        result.statusCode(),
                        "error",
                        result.error(),
                        "id",
                        row.id(),
                        "claim",
                        claim))
                .compose(
                    updated ->
                        update(
                                tx,
                                "INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, duration_ms, "
                                    + "status_code, error, next_attempt_at) VALUES (#{id}, #{attempt}, #{at}, "
                                    + "#{duration}, #{code}, #{error}, #{next})",
                                params(
                                    "id",
                                    row.id(),
                                    "attempt",
                                    outcome.attempts(),
                                    "at",
                                    ts(attemptedAt),
                                    "duration",
                                    (int) Math.min(Integer.MAX_VALUE, result.duration().toMillis()),
                                    "code",
                                    result.statusCode(),
                                    "error",
                                    result.error(),
                                    "next",
                                    PENDING.equals(outcome.status())
                                        ? ts(outcome.nextAttemptAt())
                                        : null))
                            .map(n -> updated > 0)));
  }

  /** Hands back the rows of a claim that will not be sent (the worker is stopping). */
  public Future<Void> release(String claim) {
    return pool.withTransaction(
            tx ->
                update(
                    tx,
                    "UPDATE webhook_deliveries SET claimed_by = NULL, lease_until = NULL "
                        + "WHERE claimed_by = #{claim}",
                    params("claim", claim)))
        .mapEmpty();
  }

  /** Pending rows per endpoint id. */
  public Future<Map<String, Backlog>> backlog() {
    return query(
            pool,
            "SELECT endpoint_id, COUNT(*) AS pending, MIN(created_at) AS oldest FROM webhook_deliveries "
                + "WHERE status = 'pending' GROUP BY endpoint_id",
            Map.of())
        .map(
            rows -> {
              Map<String, Backlog> out = new HashMap<>();
              for (Row r : rows)
                out.put(
                    r.getString("endpoint_id"),
                    new Backlog(r.getLong("pending"), instantOrNull(r.getValue("oldest"))));
              return out;
            });
  }

  /**
   * Deletes delivered rows (and their attempts) delivered before {@code cutoff}; returns how many.
   */
  public Future<Integer> purgeDelivered(Instant cutoff, int batch) {
    return pool.<Integer>withTransaction(
            tx ->
                update(
                    tx,
                    "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries "
                        + "WHERE status = 'delivered' AND delivered_at < #{cutoff} ORDER BY delivered_at LIMIT #{batch})",
                    params("cutoff", ts(cutoff), "batch", batch)))
        .compose(
            n ->
                n < batch
                    ? Future.succeededFuture(n)
                    : purgeDelivered(cutoff, batch).map(m -> n + m));
  }

  /** A page of deliveries, newest first, each with its attempts, for the admin API. */
  public Future<JsonObject> list(
      @Nullable String status, @Nullable String endpointId, int limit, @Nullable Long beforeSeq) {
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    Map<String, @Nullable Object> p = params("limit", limit);
    if (status != null) {
      where.append(" AND status = #{status}");
      p.put("status", status);
    }
    if (endpointId != null) {
      where.append(" AND endpoint_id = #{endpoint}");
      p.put("endpoint", endpointId);
    }
    if (beforeSeq != null) {
      where.append(" AND seq < #{before}");
      p.put("before", beforeSeq);
    }
    return deliveries(
            "(SELECT * FROM webhook_deliveries" + where + " ORDER BY seq DESC LIMIT #{limit})", p)
        .map(
            page -> {
              JsonObject out = new JsonObject().put("deliveries", new JsonArray(page));
              out.put(
                  "next_cursor",
                  page.size() < limit
                      ? null
                      : String.valueOf(((JsonObject) page.get(page.size() - 1)).getLong("seq")));
              page.forEach(d -> ((JsonObject) d).remove("seq"));
              return out;
            });
  }

  /** One delivery with its attempts, or null. */
  public Future<@Nullable JsonObject> find(String id) {
    return deliveries("(SELECT * FROM webhook_deliveries WHERE id = #{id})", params("id", id))
        .map(
            list -> {
              if (list.isEmpty()) return null;
              JsonObject d = (JsonObject) list.get(0);
              d.remove("seq");
              return d;
            });
  }

  /**
   * An operator's retry: the row is pending again, due now, with a fresh round of attempts (its
   * earlier attempts stay recorded). Answers false when there is no such row.
   */
  public Future<Boolean> retry(String id, Instant now) {
    return pool.<Integer>withTransaction(
            tx ->
                update(
                    tx,
                    "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = #{now}, "
                        + "delivered_at = NULL WHERE id = #{id}",
                    params("id", id, "now", ts(now))))
        .map(n -> n > 0);
  }

  private Future<List<Object>> deliveries(String from, Map<String, @Nullable Object> p) {
    return query(
            pool,
            "SELECT "
                + DELIVERY_COLUMNS
                + ", a.attempt, a.attempted_at, a.duration_ms, a.status_code AS a_status, a.error AS a_error, "
                + "a.next_attempt_at AS a_next FROM "
                + from
                + " d LEFT JOIN webhook_attempts a ON a.delivery_id = d.id ORDER BY d.seq DESC, a.id",
            p)
        .map(
            rows -> {
              Map<String, JsonObject> byId = new LinkedHashMap<>();
              for (Row r : rows) {
                JsonObject d =
                    byId.computeIfAbsent(
                        r.getString("id"),
                        id -> {
                          String status = r.getString("status");
                          return new JsonObject()
                              .put("id", id)
                              .put("seq", r.getLong("seq"))
                              .put("event_id", r.getString("event_id"))
                              .put("event_type", r.getString("event_type"))
                              .put("session_id", r.getString("session_id"))
                              .put("endpoint", r.getString("endpoint_id"))
                              .put("status", status)
                              .put("attempt_count", r.getInteger("attempts"))
                              .put(
                                  "next_attempt_at",
                                  PENDING.equals(status)
                                      ? iso(r.getValue("next_attempt_at"))
                                      : null)
                              .put("created_at", iso(r.getValue("created_at")))
                              .put("delivered_at", iso(r.getValue("delivered_at")))
                              .put("last_status_code", r.getInteger("last_status_code"))
                              .put("last_error", r.getString("last_error"))
                              .put("attempts", new JsonArray());
                        });
                if (r.getValue("attempted_at") != null) {
                  d.getJsonArray("attempts")
                      .add(
                          new JsonObject()
                              .put("attempt", r.getInteger("attempt"))
                              .put("attempted_at", iso(r.getValue("attempted_at")))
                              .put("duration_ms", r.getInteger("duration_ms"))
                              .put("status_code", r.getInteger("a_status"))
                              .put("error", r.getString("a_error"))
                              .put("next_attempt_at", iso(r.getValue("a_next"))));
                }
              }
              return new ArrayList<>(byId.values());
            });
  }

  // --- plumbing (as in store.SqlStore) ---------------------------------------------------------

  private static Future<RowSet<Row>> query(
      SqlClient client, String sql, Map<String, @Nullable Object> params) {
    return SqlTemplate.forQuery(client, sql).execute(params);
  }

  private static Future<Integer> update(
      SqlClient client, String sql, Map<String, @Nullable Object> params) {
    return SqlTemplate.forUpdate(client, sql).execute(params).map(SqlResult::rowCount);
  }

  private static Map<String, @Nullable Object> params(@Nullable Object... kv) {
    Map<String, @Nullable Object> map = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) map.put((String) kv[i], kv[i + 1]);
    return map;
  }

  private static @Nullable OffsetDateTime ts(@Nullable Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  private static @Nullable String iso(@Nullable Object value) {
    Instant i = instantOrNull(value);
    return i == null ? null : i.toString();
  }

  private static Instant instant(Object value) {
    Instant i = instantOrNull(value);
    if (i == null) throw new IllegalStateException("a NOT NULL timestamp was null");
    return i;
  }

  private static @Nullable Instant instantOrNull(@Nullable Object value) {
    if (value == null) return null;
    if (value instanceof OffsetDateTime odt) return odt.toInstant();
    if (value instanceof ZonedDateTime zdt) return zdt.toInstant();
    if (value instanceof LocalDateTime ldt) return ldt.toInstant(ZoneOffset.UTC);
    if (value instanceof Timestamp t) return t.toInstant();
    if (value instanceof Instant i) return i;
    return OffsetDateTime.parse(value.toString()).toInstant();
  }
}
