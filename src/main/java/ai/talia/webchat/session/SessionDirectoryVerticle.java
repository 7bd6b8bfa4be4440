package ai.talia.webchat.session;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.cluster.ClusterNode;
import ai.talia.webchat.problem.ProblemReply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys session actors on demand and undeploys the ones that went idle. It runs as a single
 * instance per JVM, so two routers asking for the same session at once get one actor. In a cluster
 * it activates under the session's cluster-wide lock, and only when no live member has a consumer
 * of the session's address: several nodes getting a session's first messages at once get one actor
 * between them. The answer names the node that runs the actor.
 */
public final class SessionDirectoryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SessionDirectoryVerticle.class);

  /** Sent by an idle actor: {@code {session_id, deployment_id}}. */
  public static final String PASSIVATED = "webchat.sessions.passivated";

  private final SessionServices services;

  /** Live or starting actors: session id → deployment id. */
  private final Map<String, Future<String>> actors = new HashMap<>();

  /**
   * Actors being undeployed: a new activation of the same session waits for the old one to stop.
   */
  private final Map<String, Future<Void>> stopping = new HashMap<>();

  /** Cluster-wide activations this node is running: others of this JVM join them. */
  private final Map<String, Future<String>> activating = new HashMap<>();

  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  /** How long an activation waits for the session's cluster-wide lock. */
  private static final long LOCK_TIMEOUT_MS = 10_000;

  public SessionDirectoryVerticle(SessionServices services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    ProblemReply.register(vertx);
    SessionCommand.register(vertx);
    MessageConsumer<JsonObject> activate =
        vertx
            .eventBus()
            .localConsumer(
                Addresses.SESSION_ACTIVATE,
                message -> {
                  String sessionId = message.body().getString("session_id");
                  activate(sessionId)
                      .onComplete(
                          ar -> {
                            if (ar.succeeded()) {
                              message.reply(
                                  new JsonObject()
                                      .put("session_id", sessionId)
                                      .put("owner", ar.result()));
                            } else {
                              message.reply(
                                  new ProblemReply(SessionVerticle.asProblem(ar.cause())));
                            }
                          });
                });
    MessageConsumer<JsonObject> passivated =
        vertx
            .eventBus()
            .localConsumer(
                PASSIVATED,
                message ->
                    passivate(
                        message.body().getString("session_id"),
                        message.body().getString("deployment_id")));
    consumers.add(activate);
    consumers.add(passivated);
    return Future.all(activate.completion(), passivated.completion());
  }

  /** Where the session's actor runs once this completes: this node's id, or another member's. */
  private Future<String> activate(String sessionId) {
    ClusterNode cluster = services.cluster();
    if (cluster == null) return deployHere(sessionId).map(LOCAL_NODE);
    Future<String> existing = actors.get(sessionId);
    if (existing != null) return existing.map(cluster.nodeId());
    Future<String> joining = activating.get(sessionId);
    if (joining != null) return joining;
    Future<String> owner =
        cluster.underLock(
            "talia.session.activate." + sessionId,
            LOCK_TIMEOUT_MS,
            () ->
                cluster
                    .liveConsumer(Addresses.session(sessionId))
                    .compose(
                        node -> {
                          if (node != null && !node.equals(cluster.nodeId()))
                            return Future.succeededFuture(node);
                          return deployHere(sessionId).map(cluster.nodeId());
                        }));
    activating.put(sessionId, owner);
    owner.onComplete(ar -> activating.remove(sessionId, owner));
    return owner;
  }

  /** What the directory answers for "runs here" when the JVM is alone. */
  public static final String LOCAL_NODE = "local";

  private Future<String> deployHere(String sessionId) {
    Future<String> existing = actors.get(sessionId);
    if (existing != null) return existing;
    Future<Void> previous = stopping.getOrDefault(sessionId, Future.succeededFuture());
    Future<String> deployment =
        previous
            .otherwiseEmpty()
            .compose(v -> vertx.deployVerticle(new SessionVerticle(sessionId, services)));
    actors.put(sessionId, deployment);
    deployment.onFailure(err -> actors.remove(sessionId, deployment));
    return deployment;
  }

  private void passivate(String sessionId, String deploymentId) {
    Future<String> current = actors.get(sessionId);
    if (current == null || !current.succeeded() || !deploymentId.equals(current.result())) return;
    actors.remove(sessionId);
    Future<Void> undeployed = vertx.undeploy(deploymentId);
    stopping.put(sessionId, undeployed);
    undeployed.onComplete(
        ar -> {
          stopping.remove(sessionId, undeployed);
          log.debug("session actor passivated", kv("session_id", sessionId));
        });
  }

  /** Live actors in this JVM. */
  public int size() {
    return actors.size();
  }

  @Override
  public Future<?> stop() {
    List<Future<?>> all = new ArrayList<>();
    consumers.forEach(c -> all.add(c.unregister()));
    for (Future<String> deployment : actors.values()) {
      all.add(deployment.compose(id -> vertx.undeploy(id)).otherwiseEmpty());
    }
    all.addAll(stopping.values());
    return Future.join(all);
  }
}
