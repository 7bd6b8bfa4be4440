package ai.talia.webchat.session;

import static ai.talia.webchat.support.RunningGateway.await;

import ai.talia.webchat.assistant.scripted.ScriptedEngine;
import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.lead.LeadService;
import ai.talia.webchat.lead.LeadSettings;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemReply;
import ai.talia.webchat.store.PersistenceVerticle;
import ai.talia.webchat.store.SessionRecord;
import ai.talia.webchat.store.Store;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.store.StoredMessage;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * One session actor in-process, for testing a session rule in a few lines: a {@link
 * SessionVerticle} of one new session on its own Vert.x, with the embedded store and the scripted
 * engine, fed {@link SessionCommand} records straight on its address (no HTTP, no directory), and
 * every frame it publishes collected in order.
 *
 * <pre>{@code
 * try (SessionTestKit kit = SessionTestKit.start()) {
 *   kit.grantConsent();
 *   kit.say("Hola", "m1");
 *   kit.awaitFrame(ServerFrame.REPLY_COMPLETED);
 * }
 * }</pre>
 */
final class SessionTestKit implements AutoCloseable {
  private static final long WAIT_MS = 10_000;

  private final Vertx vertx;
  private final Store store;
  private final String sessionId;
  private final List<JsonObject> frames = new CopyOnWriteArrayList<>();

  private SessionTestKit(Vertx vertx, Store store, String sessionId) {
    this.vertx = vertx;
    this.store = store;
    this.sessionId = sessionId;
  }

  /** With the packaged defaults (consent required). */
  static SessionTestKit start() {
    return start(c -> c);
  }

  /** With the packaged defaults changed by {@code overrides}. */
  static SessionTestKit start(UnaryOperator<TaliaConfig> overrides) {
    TaliaConfig config =
        overrides.apply(
            RunningGateway.baseConfig()
                .with(ConfigKeys.DB_DATA_DIR, TestDatabases.freshDataDir().toString()));
    Vertx vertx = Vertx.vertx();
    try {
      ProblemReply.register(vertx);
      SessionCommand.register(vertx);
      await(vertx.deployVerticle(new PersistenceVerticle(config)));
      Store store = new StoreClient(vertx);
      String sessionId = UUID.randomUUID().toString();
      Instant now = Instant.now();
      await(
          store.createSession(
              new SessionRecord(sessionId, "h", null, "es", null, null, now, now, 0, 0)));
      LimitsSettings limits = LimitsSettings.fromConfig(config);
      DailyTokenBudget budget = new DailyTokenBudget(limits, null);
      SessionServices services =
          new SessionServices(
              SessionSettings.fromConfig(config),
              limits,
              ConsentSettings.fromConfig(config),
              store,
              new ScriptedEngine(vertx, config),
              new LeadService(store, LeadSettings.fromConfig(config)),
              new SessionMetrics(new SimpleMeterRegistry(), budget),
              budget,
              null);
      SessionTestKit kit = new SessionTestKit(vertx, store, sessionId);
      await(
          vertx
              .eventBus()
              .<PublishedFrame>consumer(
                  Addresses.sessionFrames(sessionId),
                  m -> kit.frames.add(new JsonObject(m.body().json())))
              .completion());
      await(vertx.deployVerticle(new SessionVerticle(sessionId, services)));
      return kit;
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  String sessionId() {
    return sessionId;
  }

  Store store() {
    return store;
  }

  /**
   * Sends a command and waits for its reply, as the API shows it; a refusal is thrown as its {@link
   * ApiProblem}.
   */
  JsonObject send(SessionCommand<?> command) {
    return await(request(command));
  }

  /** Sends a command without waiting: the reply, or the refusal as its {@link ApiProblem}. */
  Future<JsonObject> request(SessionCommand<?> command) {
    return vertx
        .eventBus()
        .<SessionReply>request(Addresses.session(sessionId), command)
        .map(m -> m.body().toJson())
        .recover(failure -> Future.failedFuture(ApiProblem.from(failure)));
  }

  /** The problem a command is refused with; fails the test when it is not refused. */
  ApiProblem refusal(SessionCommand<?> command) {
    try {
      JsonObject reply = send(command);
      throw new AssertionError("not refused: " + command + " answered " + reply);
    } catch (ApiProblem problem) {
      return problem;
    }
  }

  /** A visitor message in the session's locale, answered when its turn has run. */
  JsonObject say(String content, String clientMessageId) {
    return send(new SessionCommand.Send(content, clientMessageId, null, false));
  }

  void grantConsent() {
    send(new SessionCommand.Consent("2026-11", true, "ip-hash", "test"));
  }

  /** The session's stored messages, oldest first. */
  List<StoredMessage> history() {
    return await(store.recentHistory(sessionId, 1000));
  }

  /** The frames published so far, in order. */
  List<JsonObject> frames() {
    return List.copyOf(frames);
  }

  /** The types of the frames published so far, in order. */
  List<String> frameTypes() {
    return frames.stream().map(f -> f.getString("type")).toList();
  }

  /** Waits (10 s at most) until the frames so far satisfy {@code until}, and answers them. */
  List<JsonObject> awaitFrames(Predicate<List<JsonObject>> until) {
    long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
    while (!until.test(frames())) {
      if (System.nanoTime() - deadline > 0)
        throw new AssertionError("frames never matched; published: " + frames());
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return frames();
  }

  /** Waits until {@code count} frames of {@code type} were published, and answers all frames. */
  List<JsonObject> awaitFrames(String type, int count) {
    return awaitFrames(
        fs -> fs.stream().filter(f -> type.equals(f.getString("type"))).count() >= count);
  }

  /** Waits until a frame of {@code type} was published, and answers all frames. */
  List<JsonObject> awaitFrame(String type) {
    return awaitFrames(type, 1);
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
