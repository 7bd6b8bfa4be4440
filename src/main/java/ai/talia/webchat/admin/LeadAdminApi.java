package ai.talia.webchat.admin;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.http.Responses;
import ai.talia.webchat.store.AdminStore;
import ai.talia.webchat.store.AdminStore.AdminLead;
import ai.talia.webchat.store.AdminStore.LeadFilter;
import ai.talia.webchat.store.Keyset;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/admin/leads} (a keyset page, newest first) and {@code GET /api/admin/leads.csv}
 * (every matching lead, streamed page by page: each page is written only once the previous one left
 * and the response's queue drained, so memory stays flat however many leads there are).
 */
public final class LeadAdminApi implements AdminRoutes {
  private static final Logger log = LoggerFactory.getLogger(LeadAdminApi.class);
  static final int CSV_PAGE = 500;
  static final List<@Nullable String> CSV_HEADER =
      List.of(
          "id",
          "session_id",
          "name",
          "email",
          "phone",
          "created_at",
          "updated_at",
          "consent_id",
          "policy_version",
          "consent_granted_at",
          "page_url",
          "utm_source",
          "utm_medium",
          "utm_campaign",
          "utm_term",
          "utm_content");

  private final AdminStore store;
  private final AdminAudit audit;

  LeadAdminApi(AdminStore store, AdminAudit audit) {
    this.store = store;
    this.audit = audit;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/admin/leads").handler(this::list);
    router.get("/api/admin/leads.csv").handler(this::csv);
  }

  private static @Nullable LeadFilter filter(AdminParams params) {
    Instant since = params.instant("since");
    Instant until = params.instant("until");
    params.range(since, until);
    String q = params.text("q", AdminParams.MAX_QUERY_CHARS);
    return new LeadFilter(since, until, q);
  }

  private static JsonObject filtersUsed(LeadFilter f) {
    return new JsonObject()
        .put("since", f.since() == null ? null : f.since().toString())
        .put("until", f.until() == null ? null : f.until().toString())
        .put("q", f.q() != null);
  }

  private void list(RoutingContext ctx) {
    AdminParams params = new AdminParams(ctx);
    LeadFilter filter = filter(params);
    int limit = params.limit();
    Keyset cursor = params.cursor();
    if (params.refused() || filter == null) return;
    store
        .leads(filter, cursor, limit)
        .compose(
            page ->
                audit
                    .exported("leads", null, page.items().size(), filtersUsed(filter), "-")
                    .otherwiseEmpty()
                    .map(page))
        .onSuccess(
            page -> {
              JsonArray leads = new JsonArray();
              page.items().forEach(l -> leads.add(l.toJson()));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("leads", leads)
                      .put("next_cursor", page.next() == null ? null : page.next().encode()));
            })
        .onFailure(ctx::fail);
  }

  private void csv(RoutingContext ctx) {
    AdminParams params = new AdminParams(ctx);
    LeadFilter filter = filter(params);
    if (params.refused() || filter == null) return;
    HttpServerResponse response = ctx.response();
    AtomicLong rows = new AtomicLong();
    // The first page before the headers: a database that fails now is still a clean 5xx/problem.
    store
        .leads(filter, null, CSV_PAGE)
        .onFailure(ctx::fail)
        .onSuccess(
            first -> {
              response
                  .setChunked(true)
                  .putHeader("Content-Type", "text/csv; charset=utf-8")
                  .putHeader(
                      "Content-Disposition",
                      "attachment; filename=\"talia-leads-"
                          + LocalDate.now(ZoneOffset.UTC)
                          + ".csv\"")
                  .putHeader("X-Content-Type-Options", "nosniff");
              write(response, Csv.row(CSV_HEADER))
                  .compose(v -> pages(response, filter, first, rows))
                  .compose(v -> response.end())
                  .onSuccess(
                      v -> audit.exported("leads_csv", null, rows.get(), filtersUsed(filter), "-"))
                  .onFailure(
                      e -> {
                        log.warn(
                            "leads csv export cut",
                            kv("rows_sent", rows.get()),
                            kv("error", e.toString()));
                        // Headers are gone: the only honest signal left is a cut connection.
                        if (!response.closed()) response.reset();
                      });
            });
  }

  private Future<Void> pages(
      HttpServerResponse response,
      LeadFilter filter,
      AdminStore.Page<AdminLead> page,
      AtomicLong rows) {
    StringBuilder chunk = new StringBuilder(page.items().size() * 200);
    for (AdminLead l : page.items()) chunk.append(Csv.row(cells(l)));
    rows.addAndGet(page.items().size());
    Future<Void> written =
        page.items().isEmpty() ? Future.succeededFuture() : write(response, chunk.toString());
    Keyset next = page.next();
    if (next == null) return written;
    return written.compose(
        v -> store.leads(filter, next, CSV_PAGE).compose(p -> pages(response, filter, p, rows)));
  }

  /** Writes, and completes once the bytes left and the response's queue has room again. */
  private static Future<Void> write(HttpServerResponse response, String text) {
    if (response.closed()) return Future.failedFuture("the client went away");
    return response
        .write(Buffer.buffer(text))
        .compose(
            v -> {
              if (!response.writeQueueFull()) return Future.succeededFuture();
              Promise<Void> drained = Promise.promise();
              response.drainHandler(x -> drained.tryComplete());
              response.closeHandler(x -> drained.tryFail("the client went away"));
              if (!response.writeQueueFull()) drained.tryComplete();
              return drained.future();
            });
  }

  static List<@Nullable String> cells(AdminLead l) {
    List<@Nullable String> cells = new ArrayList<>(CSV_HEADER.size());
    cells.add(l.id());
    cells.add(l.sessionId());
    cells.add(l.name());
    cells.add(l.email());
    cells.add(l.phone());
    cells.add(l.createdAt().toString());
    cells.add(l.updatedAt().toString());
    cells.add(l.consentId());
    cells.add(l.policyVersion());
    cells.add(l.consentGrantedAt() == null ? null : l.consentGrantedAt().toString());
    cells.add(l.pageUrl());
    for (String key : List.of("source", "medium", "campaign", "term", "content"))
      cells.add(utm(l.utm(), key));
    return cells;
  }

  /** A UTM value as the widget sends it ({@code utm_source}) or shortened ({@code source}). */
  private static @Nullable String utm(@Nullable JsonObject utm, String key) {
    if (utm == null) return null;
    Object v = utm.getValue("utm_" + key);
    if (v == null) v = utm.getValue(key);
    return v == null ? null : v.toString();
  }
}
