package ai.talia.webchat.admin;

import ai.talia.webchat.http.Responses;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.store.Keyset;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * The query parameters of the admin listings, read and checked together: each bad one is named in
 * one 422 {@code validation_failed} ({@code errors: [{field, reason}]}), never a 500.
 */
final class AdminParams {
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;
  static final int MAX_QUERY_CHARS = 200;
  static final int MAX_EMAIL_CHARS = 320;

  private final RoutingContext ctx;
  private final JsonArray errors = new JsonArray();

  AdminParams(RoutingContext ctx) {
    this.ctx = ctx;
  }

  private @Nullable String raw(String name) {
    return ctx.queryParams().get(name);
  }

  /** An ISO-8601 instant, or a date {@code YYYY-MM-DD} meaning the start of that day in UTC. */
  @Nullable Instant instant(String name) {
    String v = raw(name);
    if (v == null || v.isBlank()) return null;
    String s = v.trim();
    try {
      return s.length() == 10
          ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant()
          : Instant.parse(s);
    } catch (DateTimeParseException e) {
      error(name, "not_an_iso_8601_instant_or_date");
      return null;
    }
  }

  int limit() {
    String v = raw("limit");
    if (v == null) return DEFAULT_LIMIT;
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= MAX_LIMIT) return n;
    } catch (NumberFormatException e) {
      // reported below
    }
    error("limit", "between_1_and_" + MAX_LIMIT);
    return DEFAULT_LIMIT;
  }

  @Nullable Keyset cursor() {
    String v = raw("cursor");
    if (v == null || v.isEmpty()) return null;
    Keyset k = Keyset.decode(v.trim());
    if (k == null) error("cursor", "not_a_cursor");
    return k;
  }

  @Nullable Boolean bool(String name) {
    String v = raw(name);
    if (v == null || v.isEmpty()) return null;
    if ("true".equals(v)) return true;
    if ("false".equals(v)) return false;
    error(name, "true_or_false");
    return null;
  }

  /** A search text, trimmed; null when absent or blank. */
  @Nullable String text(String name, int max) {
    String v = raw(name);
    if (v == null || v.isBlank()) return null;
    String s = v.trim();
    if (s.length() > max || s.indexOf('\0') >= 0) {
      error(name, "at_most_" + max + "_characters");
      return null;
    }
    return s;
  }

  /** The email of a data subject: required. */
  @Nullable String email() {
    String v = raw("email");
    if (v == null || v.isBlank()) {
      error("email", "required");
      return null;
    }
    String s = v.trim();
    if (s.length() > MAX_EMAIL_CHARS || s.indexOf('@') < 1 || s.indexOf('\0') >= 0) {
      error("email", "not_an_email");
      return null;
    }
    return s;
  }

  /** {@code until} must come after {@code since} when both are given. */
  void range(@Nullable Instant since, @Nullable Instant until) {
    if (since != null && until != null && !until.isAfter(since)) error("until", "after_since");
  }

  void error(String field, String reason) {
    errors.add(new JsonObject().put("field", field).put("reason", reason));
  }

  /** Answers the 422 and returns true when any parameter was bad. */
  boolean refused() {
    if (errors.isEmpty()) return false;
    Responses.problem(
        ctx,
        ApiProblem.of(ProblemCode.VALIDATION_FAILED, "Query parameters are not valid")
            .with("errors", errors));
    return true;
  }
}
