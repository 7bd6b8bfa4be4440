package ai.talia.webchat.admin;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.http.ClientAddress;
import ai.talia.webchat.http.RateLimits;
import ai.talia.webchat.http.Responses;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate of every {@code /api/admin/*} request, for every admin capability (webhook deliveries
 * today; the leads, sessions, export and erasure API later mount behind the same handler through
 * {@link AdminRoutes}):
 *
 * <ul>
 *   <li>no {@code TALIA_ADMIN_TOKEN} configured: the admin side is off, every admin path answers
 *       404 {@code not_found}, as if it did not exist;
 *   <li>otherwise {@code Authorization: Bearer <token>} is required, compared in constant time
 *       (both sides hashed first, so not even the length leaks); missing or wrong is 401 {@code
 *       unauthorized};
 *   <li>each refused attempt takes a token from its client IP's bucket ({@value #FAILURES_CAPACITY}
 *       at once, {@value #FAILURES_PER_MINUTE} a minute); while the bucket is empty that IP gets
 *       429 {@code rate_limited} before its token is even looked at, right or wrong, so guessing
 *       gets no answer.
 * </ul>
 *
 * <p>It never adds CORS headers: the admin API is not for the widget's origins. {@link AdminApi}
 * mounts it before the router's {@code /api/*} chain (CORS, widget token), which an admin request
 * therefore never reaches.
 */
public final class AdminAccess implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(AdminAccess.class);
  static final int FAILURES_CAPACITY = 10;
  static final int FAILURES_PER_MINUTE = 10;

  private final byte @Nullable [] tokenHash;
  private final ClientAddress clientAddress;
  private final RateLimits failures;

  public AdminAccess(@Nullable String token, ClientAddress clientAddress) {
    this(token, clientAddress, new RateLimits(FAILURES_CAPACITY, FAILURES_PER_MINUTE));
  }

  AdminAccess(@Nullable String token, ClientAddress clientAddress, RateLimits failures) {
    this.tokenHash = token == null || token.isBlank() ? null : sha256(token);
    this.clientAddress = clientAddress;
    this.failures = failures;
  }

  /** Whether an admin token is configured, i.e. whether the admin API exists. */
  public boolean enabled() {
    return tokenHash != null;
  }

  /** Drops the buckets of IPs that stopped failing (call periodically). */
  public void evictIdle() {
    failures.evictIdle();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (tokenHash == null) {
      Responses.problem(
          ctx, ApiProblem.of(ProblemCode.NOT_FOUND, "No resource at " + ctx.request().path()));
      return;
    }
    String ip = clientAddress.of(ctx.request());
    long wait = failures.waitWithoutTaking(ip);
    if (wait > 0) {
      Responses.problem(
          ctx,
          ApiProblem.of(
                  ProblemCode.RATE_LIMITED, "Too many refused admin requests from this address")
              .retryAfter(wait));
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    String presented =
        header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
            ? header.substring(7).trim()
            : null;
    if (presented == null || !MessageDigest.isEqual(sha256(presented), tokenHash)) {
      failures.tryTake(ip);
      log.warn(
          "admin request refused",
          kv("reason", presented == null ? "no_token" : "wrong_token"),
          kv("client_ip", ip),
          kv("method", ctx.request().method().name()),
          kv("path", ctx.request().path()));
      Responses.problem(
          ctx,
          ApiProblem.of(
              ProblemCode.UNAUTHORIZED, "Send Authorization: Bearer <TALIA_ADMIN_TOKEN>"));
      return;
    }
    ctx.response().putHeader("Cache-Control", "no-store");
    ctx.next();
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every Java runtime", e);
    }
  }
}
