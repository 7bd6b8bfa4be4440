package ai.talia.webchat.http;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.session.ConsentSettings;
import ai.talia.webchat.session.SessionCommand;
import ai.talia.webchat.session.SessionGateway;
import ai.talia.webchat.session.SessionTokens;
import ai.talia.webchat.store.DuplicateKeyException;
import ai.talia.webchat.store.FieldLimits;
import ai.talia.webchat.store.SessionRecord;
import ai.talia.webchat.store.Store;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The handlers of {@code /api/webchat/*} (SPEC §4). */
final class WebchatApi {
  static final int HISTORY_DEFAULT_LIMIT = 50;
  static final int HISTORY_MAX_LIMIT = 200;

  private final HttpServices services;
  private final WebchatSettings webchat;
  private final ConsentSettings consent;
  private final Store store;
  private final SessionGateway sessions;
  private final MessageIntake intake;
  private final SessionAccess access;

  WebchatApi(HttpServices services, SessionGateway sessions, MessageIntake intake) {
    this.services = services;
    this.webchat = services.webchat();
    this.consent = services.consent();
    this.store = services.store();
    this.sessions = sessions;
    this.intake = intake;
    this.access = new SessionAccess(store);
  }

  /** GET /config: the widget's public settings, no secrets. */
  void config(RoutingContext ctx) {
    String locale = Locales.resolve(webchat, ctx.queryParams().get("locale"));
    JsonObject body =
        new JsonObject()
            .put(
                "consent",
                new JsonObject()
                    .put("required", consent.required())
                    .put("policy_version", consent.policyVersion())
                    .put("text", webchat.text(consent.text(), locale))
                    .put("texts", new JsonObject(new LinkedHashMap<>(consent.text())))
                    .put("policy_url", consent.policyUrl()))
            .put("welcome", webchat.text(webchat.welcome(), locale))
            .put("locales", new JsonArray(webchat.locales()))
            .put("default_locale", webchat.defaultLocale())
            .put("title", webchat.title())
            .put("theme", webchat.theme())
            .put("limits", new JsonObject().put("content_max_chars", contentMax()));
    Responses.json(ctx, 200, body);
  }

  /** POST /sessions {locale?, page_url?, utm?} → 201 {session_id, session_token, created_at}. */
  void createSession(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx, true);
    RequestBodies.Checks checks = new RequestBodies.Checks();
    String locale = Locales.checked(webchat, checks, body);
    String pageUrl = checks.string(body, "page_url", false, 1, FieldLimits.PAGE_URL);
    JsonObject utm = checks.object(body, "utm");
    if (utm != null && utm.encode().length() > FieldLimits.UTM_JSON) checks.fail("utm", "too_long");
    checks.orThrow();
    String token = SessionTokens.newToken();
    newSession(SessionTokens.newSessionId(), token, locale, pageUrl, utm)
        .onSuccess(
            s ->
                Responses.json(
                    ctx,
                    201,
                    new JsonObject()
                        .put("session_id", s.sessionId())
                        .put("session_token", token)
                        .put("created_at", s.createdAt().toString())))
        .onFailure(ctx::fail);
  }

  /** POST /messages: WebchatMessage {session_id, author, content, locale?, client_message_id?}. */
  void postMessage(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx, false);
    RequestBodies.Checks checks = new RequestBodies.Checks();
    String id = checks.string(body, "session_id", true, 1, FieldLimits.SESSION_ID);
    if (id != null && !SessionTokens.validSessionId(id)) checks.fail("session_id", "bad_format");
    String author = checks.string(body, "author", true, 1, 16);
    if (author != null && !"user".equals(author)) checks.fail("author", "must_be_user");
    MessageIntake.Checked message = intake.check(checks, body);
    String sessionId = Objects.requireNonNull(id, "required, so checked");
    String presented = bearer(ctx);
    boolean async = preferAsync(ctx);
    store
        .findSession(sessionId)
        .compose(
            found -> {
              if (found != null) {
                if (!SessionTokens.matches(presented, found.tokenHash())) {
                  return Future.failedFuture(
                      ApiProblem.of(
                          ProblemCode.UNAUTHORIZED, "This session needs its session token"));
                }
                return Future.succeededFuture((String) null);
              }
              if (presented != null) {
                return Future.failedFuture(
                    ApiProblem.of(ProblemCode.SESSION_NOT_FOUND, "No session " + sessionId));
              }
              // SPEC §4: an unknown session id with no token starts that session; its token is in
              // the answer.
              String token = SessionTokens.newToken();
              return newSession(
                      sessionId,
                      token,
                      message.locale() != null ? message.locale() : webchat.defaultLocale(),
                      null,
                      null)
                  .map(s -> token)
                  .recover(
                      err ->
                          err instanceof DuplicateKeyException
                              ? Future.failedFuture(
                                  ApiProblem.of(
                                      ProblemCode.UNAUTHORIZED,
                                      "This session needs its session token"))
                              : Future.failedFuture(err));
            })
        .compose(
            newToken ->
                intake
                    .send(sessionId, message, async)
                    .onSuccess(
                        sent -> {
                          JsonObject answer = sent.toJson();
                          if (newToken != null) answer.put("session_token", newToken);
                          Responses.json(ctx, sent.queued() ? 202 : 200, answer);
                        })
                    .recover(
                        err -> {
                          ApiProblem problem =
                              ApiProblem.from(
                                  err,
                                  () ->
                                      ApiProblem.of(
                                          ProblemCode.ASSISTANT_UNAVAILABLE, "Resend to retry"));
                          return Future.failedFuture(
                              newToken == null ? problem : problem.with("session_token", newToken));
                        }))
        .onFailure(ctx::fail);
  }

  /** GET /history/{session_id}?after_seq=&limit= */
  void history(RoutingContext ctx) {
    String sessionId = ctx.pathParam("session_id");
    RequestBodies.Checks checks = new RequestBodies.Checks();
    checks.text("session_id", sessionId);
    checks.orThrow();
    long afterSeq = queryNumber(ctx, "after_seq", 0, 0, Long.MAX_VALUE);
    int limit = (int) queryNumber(ctx, "limit", HISTORY_DEFAULT_LIMIT, 1, HISTORY_MAX_LIMIT);
    authorizedSession(ctx, sessionId)
        .compose(s -> store.history(sessionId, afterSeq, limit + 1))
        .onSuccess(
            messages -> {
              List<StoredMessage> page =
                  messages.size() > limit ? messages.subList(0, limit) : messages;
              JsonArray out = new JsonArray();
              page.forEach(m -> out.add(m.toJson()));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("session_id", sessionId)
                      .put("messages", out)
                      .put("has_more", messages.size() > limit));
            })
        .onFailure(ctx::fail);
  }

  /** POST /consent {session_id, policy_version, granted} → 201 {consent_id, granted_at}. */
  void consent(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx, false);
    RequestBodies.Checks checks = new RequestBodies.Checks();
    String id = checks.string(body, "session_id", true, 1, FieldLimits.SESSION_ID);
    String policy = checks.string(body, "policy_version", true, 1, FieldLimits.POLICY_VERSION);
    Boolean grant = checks.bool(body, "granted");
    String current = consent.policyVersion();
    if (policy != null && Boolean.TRUE.equals(grant) && !policy.equals(current))
      checks.fail("policy_version", "not_current");
    checks.orThrow();
    // All three are required: past orThrow they are there.
    String sessionId = Objects.requireNonNull(id);
    String version = Objects.requireNonNull(policy);
    boolean granted = Objects.requireNonNull(grant);
    String ipHash =
        SessionTokens.hashWithSalt(
            services.clientAddress().of(ctx.request()), services.ipHashSalt());
    String userAgent =
        FieldLimits.truncate(ctx.request().getHeader("User-Agent"), FieldLimits.USER_AGENT);
    authorizedSession(ctx, sessionId)
        .compose(
            s ->
                sessions.request(
                    sessionId, new SessionCommand.Consent(version, granted, ipHash, userAgent)))
        .onSuccess(recorded -> Responses.json(ctx, 201, recorded.toJson()))
        .onFailure(ctx::fail);
  }

  // --- helpers -----------------------------------------------------------------------------------

  private Future<SessionRecord> newSession(
      String sessionId,
      String token,
      String locale,
      @Nullable String pageUrl,
      @Nullable JsonObject utm) {
    Instant now = Instant.now();
    return store.createSession(
        new SessionRecord(
            sessionId, SessionTokens.hash(token), null, locale, pageUrl, utm, now, now, 0, 0));
  }

  private Future<SessionRecord> authorizedSession(RoutingContext ctx, String sessionId) {
    return access.authorize(sessionId, bearer(ctx));
  }

  static @Nullable String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
    String token = header.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private static boolean preferAsync(RoutingContext ctx) {
    for (String prefer : ctx.request().headers().getAll("Prefer")) {
      for (String part : prefer.split(",", -1))
        if (part.trim().equalsIgnoreCase("respond-async")) return true;
    }
    return false;
  }

  private int contentMax() {
    return services.limits().contentMaxChars();
  }

  private static long queryNumber(
      RoutingContext ctx, String name, long fallback, long min, long max) {
    String raw = ctx.queryParams().get(name);
    if (raw == null || raw.isBlank()) return fallback;
    try {
      long value = Long.parseLong(raw.trim());
      if (value < min || value > max) throw new NumberFormatException();
      return value;
    } catch (NumberFormatException e) {
      throw ApiProblem.of(
              ProblemCode.VALIDATION_FAILED,
              name + ": must be a whole number from " + min + " to " + max)
          .with(
              "errors",
              new JsonArray()
                  .add(new JsonObject().put("field", name).put("reason", "out_of_range")));
    }
  }
}
