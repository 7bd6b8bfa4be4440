package ai.talia.webchat;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.admin.AdminAccess;
import ai.talia.webchat.admin.AdminApi;
import ai.talia.webchat.admin.AdminSide;
import ai.talia.webchat.assistant.AssistantEngine;
import ai.talia.webchat.assistant.AssistantEngines;
import ai.talia.webchat.cluster.ClusterNode;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.http.ClientAddress;
import ai.talia.webchat.http.ConnectionLimits;
import ai.talia.webchat.http.HttpServices;
import ai.talia.webchat.http.HttpSettings;
import ai.talia.webchat.http.RateLimits;
import ai.talia.webchat.http.RouterVerticle;
import ai.talia.webchat.http.StreamSettings;
import ai.talia.webchat.http.WebchatSettings;
import ai.talia.webchat.lead.LeadService;
import ai.talia.webchat.lead.LeadSettings;
import ai.talia.webchat.session.ConsentSettings;
import ai.talia.webchat.session.DailyTokenBudget;
import ai.talia.webchat.session.LimitsSettings;
import ai.talia.webchat.session.SessionDirectoryVerticle;
import ai.talia.webchat.session.SessionMetrics;
import ai.talia.webchat.session.SessionServices;
import ai.talia.webchat.session.SessionSettings;
import ai.talia.webchat.store.Database;
import ai.talia.webchat.store.PersistenceVerticle;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.webhook.WebhookSettings;
import ai.talia.webchat.webhook.Webhooks;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: the persistence verticle, the session directory, the webhook delivery
 * verticle (with an endpoint configured) and one router verticle per core, in start order; {@link
 * #stop()} undeploys them in reverse so that in-flight turns finish (or are marked failed) before
 * the pool closes.
 */
public final class Gateway {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final AssistantEngine engine;
  private final String persistenceId;
  private final String directoryId;
  private final String routersId;
  private final long evictionTimer;
  private final Webhooks webhooks;
  private final long budgetTimer;
  private final @Nullable ClusterNode cluster;
  private final AdminSide adminSide;

  private Gateway(
      Vertx vertx,
      AssistantEngine engine,
      String persistenceId,
      String directoryId,
      String routersId,
      long evictionTimer,
      Webhooks webhooks,
      long budgetTimer,
      @Nullable ClusterNode cluster,
      AdminSide adminSide) {
    this.vertx = vertx;
    this.engine = engine;
    this.persistenceId = persistenceId;
    this.directoryId = directoryId;
    this.routersId = routersId;
    this.evictionTimer = evictionTimer;
    this.webhooks = webhooks;
    this.budgetTimer = budgetTimer;
    this.cluster = cluster;
    this.adminSide = adminSide;
  }

  public static Future<Gateway> start(
      Vertx vertx, TaliaConfig config, PrometheusMeterRegistry registry) {
    return start(vertx, config, registry, null);
  }

  /**
   * Starts the gateway alone or, with {@code cluster}, as one member of a cluster.
   *
   * @param cluster this JVM's membership when {@code vertx} is clustered (README § Scaling out), or
   *     null when it runs alone
   */
  public static Future<Gateway> start(
      Vertx vertx,
      TaliaConfig config,
      PrometheusMeterRegistry registry,
      @Nullable ClusterNode cluster) {
    AssistantEngine engine;
    Webhooks webhooks;
    HttpSettings http;
    StreamSettings stream;
    WebchatSettings webchat;
    ConsentSettings consent;
    LimitsSettings limits;
    SessionSettings sessionSettings;
    LeadSettings leadSettings;
    try {
      // Every setting is read and checked here, once: a bad value fails the start with its key.
      http = HttpSettings.fromConfig(config);
      stream = StreamSettings.fromConfig(config);
      webchat = WebchatSettings.fromConfig(config);
      consent = ConsentSettings.fromConfig(config);
      limits = LimitsSettings.fromConfig(config);
      sessionSettings = SessionSettings.fromConfig(config);
      leadSettings = LeadSettings.fromConfig(config);
      // Webhook settings first: a malformed secret fails the start before anything runs.
      WebhookSettings webhookSettings = WebhookSettings.fromConfig(config);
      webhooks = new Webhooks(vertx, Database.fromConfig(config), webhookSettings, registry);
      engine = AssistantEngines.create(vertx, config, registry);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    StoreClient store = new StoreClient(vertx);
    AdminSide adminSide;
    try {
      adminSide =
          new AdminSide(vertx, config, Database.fromConfig(config), store, engine, registry);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (cluster != null) cluster.start(registry);
    DailyTokenBudget budget =
        new DailyTokenBudget(
            limits,
            cluster == null
                ? null
                : (day, tokens) -> cluster.addAndGet(DAILY_TOKENS_MAP, day.toString(), tokens));
    SessionServices sessionServices =
        new SessionServices(
            sessionSettings,
            limits,
            consent,
            store,
            engine,
            new LeadService(store, leadSettings),
            new SessionMetrics(registry, budget),
            budget,
            cluster);
    RateLimits sessionLimits =
        rateLimits(
            cluster,
            "talia.rate.session",
            limits.sessionRateCapacity(),
            limits.sessionRatePerMinute());
    RateLimits ipLimits =
        rateLimits(cluster, "talia.rate.ip", limits.ipRateCapacity(), limits.ipRatePerMinute());
    ClientAddress clientAddress = new ClientAddress(http.trustedProxies());
    AdminApi admin =
        new AdminApi(
            new AdminAccess(config.string(ConfigKeys.ADMIN_TOKEN), clientAddress),
            Stream.concat(Stream.of(webhooks.adminApi()), adminSide.routes().stream()).toList());
    HttpServices httpServices =
        new HttpServices(
            http,
            stream,
            webchat,
            consent,
            limits,
            store,
            sessionLimits,
            ipLimits,
            clientAddress,
            new ConnectionLimits(http, stream, clientAddress, registry),
            ipHashSalt(consent),
            registry,
            () ->
                store
                    .ping()
                    .map(
                        v -> {
                          JsonObject ready =
                              new JsonObject()
                                  .put("ready", engine.ready())
                                  .put("store", "up")
                                  .put("engine", engine.status());
                          if (cluster != null) ready.put("cluster", cluster.readiness());
                          return ready;
                        }),
            admin,
            cluster);
    int routers = http.routerInstances();
    int instances = routers > 0 ? routers : Runtime.getRuntime().availableProcessors();

    return vertx
        .deployVerticle(new PersistenceVerticle(config, webhooks.settings()))
        .compose(
            persistence ->
                vertx
                    .deployVerticle(new SessionDirectoryVerticle(sessionServices))
                    .compose(
                        directory ->
                            webhooks
                                .start(vertx)
                                .compose(
                                    w ->
                                        vertx.deployVerticle(
                                            () -> new RouterVerticle(httpServices),
                                            new DeploymentOptions().setInstances(instances)))
                                .map(
                                    routerIds -> {
                                      adminSide.start();
                                      long timer =
                                          vertx.setPeriodic(
                                              60_000,
                                              id -> {
                                                sessionLimits.evictIdle();
                                                ipLimits.evictIdle();
                                                admin.access().evictIdle();
                                              });
                                      long budgetTimer =
                                          cluster == null
                                              ? -1
                                              : vertx.setPeriodic(1_000, id -> budget.refresh());
                                      log.info(
                                          "TalIA webchat gateway started",
                                          kv("url", "http://localhost:" + http.port() + "/"),
                                          kv("store", Database.fromConfig(config).description()),
                                          kv("engine", engine.name()),
                                          kv("routers", instances),
                                          kv(
                                              "cluster",
                                              cluster == null ? "off" : cluster.nodeId()));
                                      return new Gateway(
                                          vertx,
                                          engine,
                                          persistence,
                                          directory,
                                          routerIds,
                                          timer,
                                          webhooks,
                                          budgetTimer,
                                          cluster,
                                          adminSide);
                                    })));
  }

  /**
   * Stops taking requests, lets session actors finish or fail their turns, then closes the store.
   * In a cluster the routers and the actors stop together: other nodes keep sending this node's
   * actors commands while its routers drain, and the actors tell them to wait for the session's
   * next owner until their own turns are done; then they hand their sessions over.
   */
  public Future<Void> stop() {
    vertx.cancelTimer(evictionTimer);
    adminSide.stop();
    if (budgetTimer >= 0) vertx.cancelTimer(budgetTimer);
    Future<Void> serving =
        cluster == null
            ? vertx
                .undeploy(routersId)
                .eventually(() -> webhooks.stop(vertx))
                .eventually(() -> vertx.undeploy(directoryId))
            : Future.join(
                    vertx.undeploy(routersId).eventually(() -> webhooks.stop(vertx)),
                    vertx.undeploy(directoryId))
                .mapEmpty();
    return serving
        .eventually(() -> engine.close())
        .eventually(() -> vertx.undeploy(persistenceId))
        .eventually(() -> webhooks.close())
        .eventually(() -> adminSide.close())
        .andThen(
            ar -> {
              if (cluster != null) cluster.stop();
              log.info("TalIA webchat gateway stopped");
            });
  }

  /** The owner's side: erasure, retention, the OpenAI deletion queue. */
  public AdminSide admin() {
    return adminSide;
  }

  public AssistantEngine engine() {
    return engine;
  }

  /** The cluster-wide map of each UTC day's assistant tokens. */
  private static final String DAILY_TOKENS_MAP = "talia.daily-tokens";

  private static RateLimits rateLimits(
      @Nullable ClusterNode cluster, String map, int capacity, int refillPerMinute) {
    return cluster == null
        ? new RateLimits(capacity, refillPerMinute)
        : RateLimits.shared(capacity, refillPerMinute, cluster.hazelcast().getMap(map));
  }

  private static String ipHashSalt(ConsentSettings consent) {
    String salt = consent.ipHashSalt();
    if (salt != null) return salt;
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    log.info("no TALIA_IP_HASH_SALT set: consent IP hashes use a per-process salt");
    return HexFormat.of().formatHex(random);
  }
}
