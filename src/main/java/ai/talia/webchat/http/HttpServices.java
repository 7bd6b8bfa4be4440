package ai.talia.webchat.http;

import ai.talia.webchat.admin.AdminApi;
import ai.talia.webchat.cluster.ClusterNode;
import ai.talia.webchat.session.ConsentSettings;
import ai.talia.webchat.session.LimitsSettings;
import ai.talia.webchat.store.Store;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** What every router instance of a JVM shares; {@code cluster} is null when the JVM runs alone. */
public record HttpServices(
    HttpSettings http,
    StreamSettings stream,
    WebchatSettings webchat,
    ConsentSettings consent,
    LimitsSettings limits,
    Store store,
    RateLimits sessionLimits,
    RateLimits ipLimits,
    ClientAddress clientAddress,
    ConnectionLimits connectionLimits,
    String ipHashSalt,
    PrometheusMeterRegistry metrics,
    Supplier<Future<JsonObject>> readiness,
    AdminApi admin,
    @Nullable ClusterNode cluster) {}
