package ai.talia.webchat.admin;

import ai.talia.webchat.http.Responses;
import ai.talia.webchat.lead.Masking;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.session.SessionTokens;
import ai.talia.webchat.store.AdminStore;
import ai.talia.webchat.store.AdminStore.SessionDetail;
import ai.talia.webchat.store.ConsentRecord;
import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.ErasedSession;
import ai.talia.webchat.store.Keyset;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Sessions and a visitor's rights: {@code GET /api/admin/sessions} (keyset pages), {@code GET
 * /api/admin/sessions/{id}} (everything stored about it), {@code GET /api/admin/subjects?email=}
 * (art. 15: every session of that email), {@code DELETE /api/admin/subjects?email=} and {@code
 * DELETE /api/admin/sessions/{id}} (art. 17, through {@link Erasure}).
 */
public final class SessionAdminApi implements AdminRoutes {
  private final AdminStore store;
  private final AdminAudit audit;
  private final Erasure erasure;

  SessionAdminApi(AdminStore store, AdminAudit audit, Erasure erasure) {
    this.store = store;
    this.audit = audit;
    this.erasure = erasure;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/admin/sessions").handler(this::list);
    router.get("/api/admin/sessions/:id").handler(this::detail);
    router.delete("/api/admin/sessions/:id").handler(this::eraseSession);
    router.get("/api/admin/subjects").handler(this::exportSubject);
    router.delete("/api/admin/subjects").handler(this::eraseSubject);
  }

  private void list(RoutingContext ctx) {
    AdminParams params = new AdminParams(ctx);
    Instant since = params.instant("since");
    Instant until = params.instant("until");
    params.range(since, until);
    Boolean hasLead = params.bool("has_lead");
    int limit = params.limit();
    Keyset cursor = params.cursor();
    if (params.refused()) return;
    store
        .sessions(since, until, hasLead, cursor, limit)
        .onSuccess(
            page -> {
              JsonArray sessions = new JsonArray();
              page.items().forEach(s -> sessions.add(s.toJson()));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("sessions", sessions)
                      .put("next_cursor", page.next() == null ? null : page.next().encode()));
            })
        .onFailure(ctx::fail);
  }

  private void detail(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!SessionTokens.validSessionId(id)) {
      notFound(ctx);
      return;
    }
    store
        .session(id)
        .compose(
            d ->
                d == null
                    ? Future.<@Nullable SessionDetail>succeededFuture(null)
                    : audit
                        .exported("session", id, 1, new JsonObject(), "-")
                        .otherwiseEmpty()
                        .map(d))
        .onSuccess(
            d -> {
              if (d == null) notFound(ctx);
              else Responses.json(ctx, 200, detailJson(d));
            })
        .onFailure(ctx::fail);
  }

  private void exportSubject(RoutingContext ctx) {
    AdminParams params = new AdminParams(ctx);
    String email = params.email();
    if (params.refused() || email == null) return;
    store
        .sessionsOfEmail(email)
        .compose(
            ids -> {
              List<Future<@Nullable SessionDetail>> details = new ArrayList<>();
              for (String id : ids) details.add(store.session(id));
              return Future.all(details).map(all -> details);
            })
        .compose(
            details -> {
              JsonArray sessions = new JsonArray();
              for (Future<@Nullable SessionDetail> d : details)
                if (d.result() != null) sessions.add(detailJson(d.result()));
              return audit
                  .exported(
                      "subject",
                      null,
                      sessions.size(),
                      new JsonObject().put("email", true),
                      Masking.email(email))
                  .otherwiseEmpty()
                  .map(sessions);
            })
        .onSuccess(
            sessions ->
                Responses.json(
                    ctx, 200, new JsonObject().put("email", email).put("sessions", sessions)))
        .onFailure(ctx::fail);
  }

  private void eraseSession(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!SessionTokens.validSessionId(id)) {
      notFound(ctx);
      return;
    }
    erasure
        .erase(id, ErasedSession.ADMIN_REQUEST)
        .onSuccess(
            erased -> {
              if (erased == null) notFound(ctx);
              else Responses.json(ctx, 200, erasedJson(List.of(erased.sessionId())));
            })
        .onFailure(ctx::fail);
  }

  private void eraseSubject(RoutingContext ctx) {
    AdminParams params = new AdminParams(ctx);
    String email = params.email();
    if (params.refused() || email == null) return;
    store
        .sessionsOfEmail(email)
        .compose(ids -> erasure.eraseAll(ids, ErasedSession.SUBJECT_REQUEST))
        .onSuccess(ids -> Responses.json(ctx, 200, erasedJson(ids)))
        .onFailure(ctx::fail);
  }

  private static JsonObject erasedJson(List<String> ids) {
    return new JsonObject().put("erased_sessions", new JsonArray(new ArrayList<>(ids)));
  }

  private static void notFound(RoutingContext ctx) {
    Responses.problem(ctx, ApiProblem.of(ProblemCode.NOT_FOUND, "No such session"));
  }

  /** The contract's session detail. */
  static JsonObject detailJson(SessionDetail d) {
    ConsentRecord latest =
        d.consents().isEmpty() ? null : d.consents().get(d.consents().size() - 1);
    String status =
        latest == null
            ? "no_consent"
            : !latest.granted()
                ? "consent_withdrawn"
                : d.lead() != null ? "lead_captured" : "chatting";
    JsonObject session =
        new JsonObject()
            .put("id", d.session().sessionId())
            .put("locale", d.session().locale())
            .put("page_url", d.session().pageUrl())
            // Not stored: the widget sends the page it runs on, not where the visitor came from.
            .put("referrer", null)
            .put("utm", d.session().utm())
            .put("created_at", d.session().createdAt().toString())
            .put("last_activity_at", d.session().lastActivity().toString())
            .put("status", status);
    JsonArray messages = new JsonArray();
    for (StoredMessage m : d.messages())
      messages.add(
          new JsonObject()
              .put("id", m.id())
              .put("seq", m.seq())
              .put("author", m.role())
              .put("content", m.content())
              .put("status", m.status().wire())
              .put("error_code", m.errorCode())
              .put("created_at", m.createdAt().toString()));
    JsonArray consents = new JsonArray();
    for (ConsentRecord c : d.consents())
      consents.add(
          new JsonObject()
              .put("id", c.id())
              .put("granted", c.granted())
              .put("policy_version", c.policyVersion())
              .put("created_at", c.createdAt().toString()));
    JsonArray events = new JsonArray();
    for (DomainEvent e : d.events())
      events.add(
          new JsonObject()
              .put("id", e.id())
              .put("type", e.type())
              .put("occurred_at", e.occurredAt().toString())
              .put("data", e.data()));
    return new JsonObject()
        .put("session", session)
        .put("messages", messages)
        .put("consents", consents)
        .put("lead", d.lead() == null ? null : d.lead().toJson())
        .put("events", events);
  }
}
