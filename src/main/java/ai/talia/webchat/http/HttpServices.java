package ai.talia.webchat.http;

import ai.talia.webchat.admin.AdminApi;
import ai.talia.webchat.cluster.ClusterNode;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.Store;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** What every router instance of a JVM shares; {@code cluster} is null when the JVM runs alone. */
public record HttpServices(
    TaliaConfig config,
    Store store,
    RateLimits sessionLimits,
    RateLimits ipLimits,
    ClientAddress clientAddress,
    ConnectionLimits connectionLimits,
    String ipHashSalt,
    PrometheusMeterRegistry metrics,
    Supplier<Future<io.vertx.core.json.JsonObject>> readiness,
    AdminApi admin,
    @Nullable ClusterNode cluster) {}
