package ai.talia.webchat.webhook;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.admin.AdminRoutes;
import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.http.Responses;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/admin/webhooks/deliveries?status=&endpoint=&limit=&cursor=} (newest first, each
 * with its attempts; ids and outcomes only, no event data) and {@code POST
 * /api/admin/webhooks/deliveries/{id}/retry} (pending again, due now, with a fresh round of
 * attempts). Mounted behind {@link ai.talia.webchat.admin.AdminAccess}.
 */
public final class WebhookAdminApi implements AdminRoutes {
  private static final Logger log = LoggerFactory.getLogger(WebhookAdminApi.class);
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;
  private static final List<String> STATUSES =
      List.of(WebhookOutbox.PENDING, WebhookOutbox.DELIVERED, WebhookOutbox.FAILED);
  private static final Pattern ID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private final WebhookOutbox outbox;

  public WebhookAdminApi(WebhookOutbox outbox) {
    this.outbox = outbox;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/admin/webhooks/deliveries").handler(this::list);
    router.post("/api/admin/webhooks/deliveries/:id/retry").handler(this::retry);
  }

  private void list(RoutingContext ctx) {
    JsonArray errors = new JsonArray();
    String status = ctx.queryParams().get("status");
    if (status != null && !STATUSES.contains(status))
      errors.add(field("status", "one_of_pending_delivered_failed"));
    String endpoint = ctx.queryParams().get("endpoint");
    if (endpoint != null && (endpoint.isEmpty() || endpoint.length() > 64))
      errors.add(field("endpoint", "not_an_endpoint_id"));
    int limit = DEFAULT_LIMIT;
    String limitParam = ctx.queryParams().get("limit");
    if (limitParam != null) {
      limit = parse(limitParam, 1, MAX_LIMIT);
      if (limit < 0) errors.add(field("limit", "between_1_and_" + MAX_LIMIT));
    }
    Long cursor = null;
    String cursorParam = ctx.queryParams().get("cursor");
    if (cursorParam != null) {
      cursor = cursor(cursorParam);
      if (cursor == null) errors.add(field("cursor", "not_a_cursor"));
    }
    if (!errors.isEmpty()) {
      Responses.problem(
          ctx,
          ApiProblem.of(ProblemCode.VALIDATION_FAILED, "Query parameters are not valid")
              .with("errors", errors));
      return;
    }
    outbox
        .list(status, endpoint, limit, cursor)
        .onSuccess(page -> Responses.json(ctx, 200, page))
        .onFailure(ctx::fail);
  }

  private void retry(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || !ID.matcher(id).matches()) {
      notFound(ctx);
      return;
    }
    outbox
        .retry(id, Instant.now())
        .compose(found -> found ? outbox.find(id) : Future.succeededFuture(null))
        .onSuccess(
            delivery -> {
              if (delivery == null) {
                notFound(ctx);
                return;
              }
              log.info(
                  "webhook delivery retried by an operator",
                  kv("delivery_id", id),
                  kv("endpoint", delivery.getString("endpoint")),
                  kv("event_id", delivery.getString("event_id")));
              // This node's worker sends it at once; any node's would at its next poll.
              ctx.vertx()
                  .eventBus()
                  .publish(Addresses.WEBHOOK_WAKE, delivery.getString("endpoint"));
              Responses.json(ctx, 202, delivery);
            })
        .onFailure(ctx::fail);
  }

  private static void notFound(RoutingContext ctx) {
    Responses.problem(ctx, ApiProblem.of(ProblemCode.NOT_FOUND, "No such webhook delivery"));
  }

  private static JsonObject field(String field, String reason) {
    return new JsonObject().put("field", field).put("reason", reason);
  }

  private static int parse(String value, int min, int max) {
    try {
      int v = Integer.parseInt(value.trim());
      return v < min || v > max ? -1 : v;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static @Nullable Long cursor(String value) {
    try {
      long v = Long.parseLong(value.trim());
      return v > 0 ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
