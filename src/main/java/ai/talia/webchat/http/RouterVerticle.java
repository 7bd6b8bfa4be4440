package ai.talia.webchat.http;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.session.SessionGateway;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Terminates HTTP: origin, widget-token and per-IP rate checks, then the webchat API, the
 * operational endpoints and the static widget. Deployed once per core; every instance shares the
 * same port and the same {@link HttpServices}.
 */
public final class RouterVerticle extends VerticleBase {
  private static final String STREAM_PATH = "/api/webchat/stream";
  static final String LANDING_CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private final HttpServices services;
  private @Nullable HttpServer server;

  /** This instance's open sockets: in a cluster, those of a member that left are told to move. */
  private final Set<StreamConnection> streams = new HashSet<>();

  public RouterVerticle(HttpServices services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    SessionGateway sessions =
        new SessionGateway(vertx, services.http().replyTimeoutMillis(), services.cluster());
    if (services.cluster() != null) {
      vertx
          .eventBus()
          .<String>localConsumer(
              Addresses.CLUSTER_NODE_LEFT,
              m -> List.copyOf(streams).forEach(s -> s.memberLeft(m.body())));
    }
    MessageIntake intake =
        new MessageIntake(
            services.webchat(), services.limits(), services.sessionLimits(), sessions);
    SessionAccess access = new SessionAccess(services.store());
    Router router =
        router(
            new WebchatApi(services, sessions, intake),
            ctx -> openStream(ctx, access, sessions, intake));
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(services.http().host())
            .setPort(services.http().port())
            .setIdleTimeout(services.http().idleTimeoutSeconds())
            .setCompressionSupported(true)
            .setReadIdleTimeout(services.stream().readIdleSeconds())
            .setMaxWebSocketMessageSize(services.stream().maxMessageBytes())
            .setMaxWebSocketFrameSize(services.stream().maxMessageBytes())
            // Deflate keeps ~100 KiB of state per socket; thousands of idle chats matter more than
            // bytes.
            .setPerMessageWebSocketCompressionSupported(false)
            .setPerFrameWebSocketCompressionSupported(false)
            // Browsers never speak cleartext HTTP/2; off, every connection is HTTP/1.x from its
            // first byte, where ConnectionLimits counts and times it.
            .setHttp2ClearTextEnabled(false)
            // Every response is written on this verticle's event loop (each future the handlers
            // wait on completes on it), so a connection's writes need no cross-thread queue.
            // Without it each HTTP/1 connection allocates a 1,024-slot MPSC queue (≈ 4.7 KiB),
            // and Vert.x keeps a socket's HTTP connection for the socket's whole life: ≈ 22% of an
            // idle session's heap (README § Performance).
            .setStrictThreadMode(true);
    return vertx
        .createHttpServer(options)
        .connectionHandler(services.connectionLimits()::onConnection)
        .requestHandler(router)
        .invalidRequestHandler(ProtocolErrors::invalidRequest)
        .listen()
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown();
  }

  private Router router(WebchatApi api, Handler<RoutingContext> stream) {
    Router router = Router.router(vertx);
    // First: /api/admin/* has its own token check and ends there, outside the CORS and widget-token
    // chain of /api/* below (README § Admin access).
    services.admin().mount(router);
    List<String> allowedOrigins = services.webchat().allowedOrigins();
    String widgetToken = services.webchat().publicToken();

    router.route("/api/*").handler(ctx -> checkOrigin(ctx, allowedOrigins));
    CorsHandler cors =
        CorsHandler.create()
            .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS))
            .allowedHeaders(
                Set.of("Content-Type", "Authorization", "X-Talia-Widget-Token", "Prefer"))
            .exposedHeaders(Set.of("Retry-After"))
            .maxAgeSeconds(600);
    if (!allowedOrigins.isEmpty()) cors.addOrigins(allowedOrigins);
    router.route("/api/*").handler(cors);
    router.route("/api/*").handler(ctx -> checkWidgetToken(ctx, widgetToken));
    router.route("/api/*").handler(this::limitPerIp);
    router.route("/api/*").handler(InputText::checkQuery);
    router.get(STREAM_PATH).handler(stream);
    router
        .post("/api/*")
        .handler(BodyHandler.create(false).setBodyLimit(services.http().bodyLimitBytes()));

    router.get("/api/webchat/config").handler(api::config);
    router.post("/api/webchat/sessions").handler(api::createSession);
    router.post("/api/webchat/messages").handler(api::postMessage);
    router.get("/api/webchat/history/:session_id").handler(api::history);
    router.post("/api/webchat/consent").handler(api::consent);

    router
        .get("/health")
        .handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "up")));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(services.metrics()));
    router
        .get("/openapi.yaml")
        .handler(
            ctx -> Responses.packagedFile(ctx, "application/yaml; charset=utf-8", "openapi.yaml"));
    // The demo landing and the widget: the strictest CSP the widget works under (README § The
    // widget).
    router
        .get()
        .handler(
            ctx -> {
              ctx.response()
                  .putHeader("Content-Security-Policy", LANDING_CSP)
                  .putHeader("X-Content-Type-Options", "nosniff");
              ctx.next();
            });
    adminPage(router);
    router
        .get()
        .handler(StaticHandler.create("webroot").setMaxAgeSeconds(3600).setIndexPage("index.html"));

    router.route().failureHandler(Responses::failure);
    router.errorHandler(400, ProtocolErrors::badRequest);
    router.errorHandler(404, Responses::failure);
    router.errorHandler(405, Responses::failure);
    router.errorHandler(500, Responses::failure);
    return router;
  }

  /**
   * The admin page (README § Admin page), under the landing's CSP: {@code /admin} is its HTML
   * shell, {@code /admin/*} its script and stylesheet from the webroot. With no admin token the
   * admin side is off and the page does not exist either.
   */
  private void adminPage(Router router) {
    boolean enabled = services.admin().access().enabled();
    router
        .get("/admin")
        .handler(
            ctx -> {
              if (!enabled) {
                ctx.fail(404);
                return;
              }
              ctx.response()
                  .putHeader("Cache-Control", "no-store")
                  .putHeader("Referrer-Policy", "no-referrer");
              Responses.packagedFile(ctx, "text/html; charset=utf-8", "webroot/admin/index.html");
            });
    router
        .get("/admin/*")
        .handler(
            ctx -> {
              if (enabled) ctx.next();
              else ctx.fail(404);
            });
  }

  /**
   * The socket: origin and per-IP checks already ran on /api/*; browsers cannot send headers on a
   * socket, so the widget token, when configured, comes in the hello frame.
   */
  private void openStream(
      RoutingContext ctx, SessionAccess access, SessionGateway sessions, MessageIntake intake) {
    String clientIp = services.clientAddress().of(ctx.request());
    ctx.request()
        .toWebSocket()
        .onSuccess(
            ws -> {
              if (!services.connectionLimits().admitSocket(ctx.request().connection(), clientIp)) {
                StreamConnection.refuse(
                    ws,
                    services,
                    StreamCloseCodes.TOO_MANY_SOCKETS,
                    ProblemCode.RATE_LIMITED.code(),
                    "Too many open sockets from this address");
                return;
              }
              StreamConnection stream =
                  new StreamConnection(
                      vertx, ws, services, access, sessions, intake, clientIp, streams::remove);
              streams.add(stream);
              stream.start();
            })
        .onFailure(
            err -> {
              if (!ctx.response().ended())
                Responses.problem(
                    ctx,
                    ApiProblem.of(
                        ProblemCode.VALIDATION_FAILED, "Connect with a WebSocket upgrade"));
            });
  }

  private void checkOrigin(RoutingContext ctx, List<String> allowedOrigins) {
    String origin = ctx.request().getHeader("Origin");
    if (origin != null && !allowedOrigins.isEmpty() && !allowedOrigins.contains(origin)) {
      Responses.problem(
          ctx,
          ApiProblem.of(ProblemCode.ORIGIN_NOT_ALLOWED, "Origin " + origin + " is not allowed"));
      return;
    }
    ctx.next();
  }

  private void checkWidgetToken(RoutingContext ctx, @Nullable String expected) {
    if (expected == null
        || HttpMethod.OPTIONS.equals(ctx.request().method())
        || STREAM_PATH.equals(ctx.request().path())) {
      ctx.next();
      return;
    }
    if (!WidgetToken.accepts(expected, ctx.request().getHeader("X-Talia-Widget-Token"))) {
      Responses.problem(
          ctx, ApiProblem.of(ProblemCode.UNAUTHORIZED, "Missing or wrong X-Talia-Widget-Token"));
      return;
    }
    ctx.next();
  }

  private void limitPerIp(RoutingContext ctx) {
    Future<Long> taken = services.ipLimits().tryTake(services.clientAddress().of(ctx.request()));
    // A shared bucket answers later: until then the request is paused, so that neither its body
    // nor a WebSocket upgrade is read before its handler is there (the BodyHandler resumes it).
    boolean later = !taken.isComplete();
    if (later) ctx.request().pause();
    taken
        .onSuccess(
            wait -> {
              boolean toBodyHandler = wait == 0 && HttpMethod.POST.equals(ctx.request().method());
              if (later && !toBodyHandler) ctx.request().resume();
              if (wait > 0) {
                Responses.problem(
                    ctx,
                    ApiProblem.of(ProblemCode.RATE_LIMITED, "Too many requests from this address")
                        .retryAfter(wait));
              } else {
                ctx.next();
              }
            })
        .onFailure(
            err -> {
              if (later) ctx.request().resume();
              ctx.fail(err);
            });
  }

  private void ready(RoutingContext ctx) {
    services
        .readiness()
        .get()
        .onSuccess(
            state -> Responses.json(ctx, state.getBoolean("ready", false) ? 200 : 503, state))
        .onFailure(
            err ->
                Responses.json(
                    ctx, 503, new JsonObject().put("ready", false).put("store", "down")));
  }
}
