package ai.talia.webchat.session;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.lead.LeadFields;
import ai.talia.webchat.lead.LeadOutcome;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.problem.ProblemReply;
import ai.talia.webchat.store.ConsentRecord;
import ai.talia.webchat.store.DuplicateKeyException;
import ai.talia.webchat.store.FencedException;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.MessageStatus;
import ai.talia.webchat.store.SessionRecord;
import ai.talia.webchat.store.Store;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of a live chat session. It alone assigns {@code seq}, stores each user message
 * before its turn runs, runs one assistant turn at a time and queues the rest (bounded), owns the
 * assistant conversation id, and publishes every frame of the session for its sockets. After {@code
 * session.idleSeconds} without work it asks the directory to undeploy it; the next command brings
 * it back from the store. The turns themselves (the queue, running one, storing its reply, the
 * writes chained in seq order) are its {@link TurnPump}'s; the actor keeps the loop of commands,
 * admission and the session's state.
 *
 * <p>Being the only writer of its session's messages and lead, it keeps the last {@code
 * session.historyWindow} messages and the lead as stored, read once when it starts: a turn costs
 * the database its two writes and no read.
 *
 * <p>In a cluster its consumer is cluster-wide and the directory makes sure one node activates it.
 * Should two actors of one session ever run (a paused JVM, a split), the database decides: this
 * actor claims the session's owner epoch when it starts and every write it makes checks it, and an
 * actor whose write is fenced, or meets a seq or reply another actor stored, steps down (a logged
 * warning) and its commands are sent again to the real owner.
 */
public final class SessionVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SessionVerticle.class);

  private final String sessionId;
  private final SessionServices services;
  private final Store store;
  private final Admission admission;

  private @Nullable SessionRecord session;
  private @Nullable ConsentRecord consent;
  private @Nullable LeadRecord lead;

  /** The newest messages as stored, oldest first, at most {@link #historyWindow} + 1. */
  private final ArrayList<StoredMessage> recent = new ArrayList<>();

  private int historyWindow;
  private @Nullable MessageConsumer<SessionCommand<?>> consumer;

  /** Sends being handled: a duplicate joins the first instead of running twice. */
  private final SendsInFlight<Accepted> inflight = new SendsInFlight<>();

  /** Runs the turns one at a time and orders the writes that take a seq; set in start. */
  private @Nullable TurnPump pump;

  private long lastActivityNanos = System.nanoTime();
  private long idleTimer = -1;
  private boolean passivating;

  /** The session's owner epoch this actor claimed; every write it makes is fenced by it. */
  private long epoch;

  /** Another actor owns the session now: nothing more is written here. */
  private boolean steppedDown;

  /** Options with no headers, shared by every actor of a gateway that is not clustered. */
  private static final DeliveryOptions PLAIN = new DeliveryOptions();

  /**
   * For replies and frames: in a cluster they name this node, so that routers know where the actor
   * runs. Never changed once set, so one instance serves both.
   */
  private DeliveryOptions ownerOptions = PLAIN;

  private record Accepted(StoredMessage userMessage, Future<StoredMessage> reply) {}

  public SessionVerticle(String sessionId, SessionServices services) {
    this.sessionId = sessionId;
    this.services = services;
    this.store = services.store();
    this.admission = new Admission(services.limits(), services.consent(), services.budget());
  }

  @Override
  public Future<?> start() {
    historyWindow = services.settings().historyWindow();
    pump = new TurnPump(vertx, sessionId, services, new PumpSide());
    return store
        .findSession(sessionId)
        .compose(
            found -> {
              if (found == null)
                return Future.failedFuture(
                    ApiProblem.of(ProblemCode.SESSION_NOT_FOUND, "No session " + sessionId));
              session = found;
              // A pending message here was cut by a crash (or by its previous owner's end): it
              // stays stored, failed, and a resend retries it.
              return store.claimSession(sessionId, "interrupted");
            })
        .compose(
            claim -> {
              epoch = claim.epoch();
              return claim.interrupted() > 0
                  ? forgetCutConversation()
                  : Future.<Void>succeededFuture();
            })
        .compose(
            n -> {
              Future<List<StoredMessage>> history =
                  store.recentHistory(sessionId, historyWindow + 1);
              Future<ConsentRecord> latestConsent = store.latestConsent(sessionId);
              Future<LeadRecord> storedLead = store.findLead(sessionId);
              return Future.all(history, latestConsent, storedLead)
                  .map(
                      all -> {
                        history.result().forEach(this::remember);
                        pump()
                            .resumeAfter(
                                recent.isEmpty() ? 0 : recent.get(recent.size() - 1).seq());
                        consent = latestConsent.result();
                        lead = storedLead.result();
                        return null;
                      });
            })
        .compose(
            v -> {
              if (services.cluster() != null) {
                String node = services.cluster().nodeId();
                ownerOptions = new DeliveryOptions().addHeader(SessionCommands.OWNER_HEADER, node);
              }
              // Cluster-wide in a cluster: a command sent from any node reaches this actor.
              consumer = vertx.eventBus().consumer(Addresses.session(sessionId), this::onCommand);
              return consumer.completion();
            })
        .onSuccess(
            v -> {
              services.metrics().actorStarted();
              long idleMs = services.settings().idleMillis();
              idleTimer =
                  vertx.setPeriodic(
                      Math.max(50, Math.min(idleMs / 4, 5_000)), id -> passivateIfIdle(idleMs));
            });
  }

  /**
   * Turns admitted here finish here, within {@code session.shutdownGraceSeconds}: the one running
   * and those queued behind it. The consumer stays registered meanwhile (new commands are told to
   * retry elsewhere), so in a cluster no other node takes the session over while they run; what is
   * still waiting when the grace ends stays stored, failed, ready to be resent.
   */
  @Override
  public Future<?> stop() {
    if (idleTimer >= 0) vertx.cancelTimer(idleTimer);
    passivating = true;
    long graceMs = services.settings().shutdownGraceMillis();
    TurnPump turns = pump();
    return turns
        .drained()
        .timeout(graceMs, TimeUnit.MILLISECONDS)
        .recover(slow -> turns.failLeftovers())
        .eventually(() -> consumer == null ? Future.succeededFuture() : consumer.unregister())
        .onComplete(ar -> services.metrics().actorStopped());
  }

  // --- commands ----------------------------------------------------------------------------------

  private void onCommand(Message<SessionCommand<?>> message) {
    if (passivating) {
      message.fail(SessionCommands.RETRY_ELSEWHERE, "session actor is passivating");
      return;
    }
    lastActivityNanos = System.nanoTime();
    SessionCommand<?> command = message.body();
    if (steppedDown) {
      message.fail(SessionCommands.RETRY_ELSEWHERE, "another actor owns this session");
      return;
    }
    Future<? extends SessionReply> answer;
    if (command instanceof SessionCommand.Send send) answer = send(send);
    else if (command instanceof SessionCommand.Consent decision) answer = consent(decision);
    else if (command instanceof SessionCommand.Erased) answer = erased();
    else answer = Future.succeededFuture(state()); // SessionCommand.State, the last of the four
    answer.onComplete(
        ar -> {
          lastActivityNanos = System.nanoTime();
          if (ar.succeeded()) {
            message.reply(ar.result(), ownerOptions);
          } else if (ar.cause() instanceof SteppedDown) {
            message.fail(SessionCommands.RETRY_ELSEWHERE, "another actor owns this session");
          } else {
            message.reply(new ProblemReply(asProblem(ar.cause())), ownerOptions);
          }
        });
  }

  private Future<SessionReply.Sent> send(SessionCommand.Send command) {
    String content = command.content();
    String clientMessageId = command.clientMessageId();
    String locale = command.locale() != null ? command.locale() : session().locale();
    boolean async = command.async();
    Future<Accepted> accepted =
        inflight.join(
            clientMessageId, () -> accept(content, clientMessageId, locale), Accepted::reply);
    if (async) {
      return accepted.map(a -> new SessionReply.Sent(sessionId, a.userMessage().toJson(), null));
    }
    return accepted.compose(
        a ->
            a.reply()
                .map(
                    reply ->
                        new SessionReply.Sent(
                            sessionId,
                            a.userMessage().withStatus(MessageStatus.COMPLETED, null).toJson(),
                            reply.toJson())));
  }

  /**
   * Stores the user message and queues its turn. A client_message_id stored before (the insert
   * meets its unique key, or a limit refuses a new message) is a resend: it gets the stored answer,
   * or its failed turn runs again.
   */
  private Future<Accepted> accept(String content, String clientMessageId, String locale) {
    ApiProblem refused = refusalReason();
    if (refused != null) return acceptStored(clientMessageId, locale, refused);
    StoredMessage draft =
        new StoredMessage(
            UUID.randomUUID().toString(),
            sessionId,
            0,
            StoredMessage.ROLE_USER,
            content,
            Instant.now(),
            clientMessageId,
            MessageStatus.PENDING,
            null,
            null,
            0,
            0);
    // A resend of a message still remembered meets its unique key: no model call for it.
    boolean resent = recent.stream().anyMatch(m -> clientMessageId.equals(m.clientMessageId()));
    pump().admitted();
    return pump()
        .appendInOrder(
            seq -> {
              StoredMessage numbered = draft.withSeq(seq);
              Future<StoredMessage> insert = store.appendUserMessage(numbered, epoch);
              // The model's first token need not wait for the commit (TurnPump#startEarly).
              if (!resent) pump().startEarly(numbered, locale);
              return insert;
            })
        .transform(
            ar -> {
              if (ar.succeeded()) {
                StoredMessage stored = ar.result();
                remember(stored);
                publish(SessionFrames.message(stored));
                return Future.succeededFuture(new Accepted(stored, pump().stored(stored, locale)));
              }
              pump().notStored(draft.id(), ar.cause());
              if (isStale(ar.cause())) return Future.failedFuture(stepDown(ar.cause()));
              if (ar.cause() instanceof DuplicateKeyException)
                return acceptStored(clientMessageId, locale, ar.cause());
              return Future.failedFuture(ar.cause());
            });
  }

  /**
   * The message stored under this client_message_id, answered or retried; without one, {@code
   * otherwise}.
   */
  private Future<Accepted> acceptStored(
      String clientMessageId, String locale, Throwable otherwise) {
    return store
        .findMessageByClientId(sessionId, clientMessageId)
        .compose(
            existing -> {
              if (existing == null) {
                if (otherwise instanceof ApiProblem refused)
                  services.metrics().refused(refused.code());
                return Future.failedFuture(otherwise);
              }
              if (existing.status() == MessageStatus.COMPLETED) {
                return store
                    .findReply(sessionId, existing.id())
                    .compose(
                        reply ->
                            reply != null
                                ? Future.succeededFuture(
                                    new Accepted(existing, Future.succeededFuture(reply)))
                                : retryTurn(existing, locale));
              }
              return retryTurn(existing, locale);
            });
  }

  private Future<Accepted> retryTurn(StoredMessage failed, String locale) {
    ApiProblem refused = refusal();
    if (refused != null) return Future.failedFuture(refused);
    StoredMessage pending = failed.withStatus(MessageStatus.PENDING, null);
    replaceRemembered(pending);
    pump().admitted();
    return Future.succeededFuture(new Accepted(pending, pump().enqueue(pending, locale)));
  }

  /** Why a new turn may not start now, or null; each refusal is counted by code. */
  private @Nullable ApiProblem refusal() {
    ApiProblem refused = refusalReason();
    if (refused != null) services.metrics().refused(refused.code());
    return refused;
  }

  /** Read in start, before the consumer is registered: every command finds it. */
  private SessionRecord session() {
    return Objects.requireNonNull(session, "session read at start");
  }

  /** Made first thing in start. */
  private TurnPump pump() {
    return Objects.requireNonNull(pump, "pump made at start");
  }

  private boolean consentMissing() {
    return admission.consentMissing(consent);
  }

  /**
   * A turn accepted under consent whose consent was withdrawn while it waited: its text does not go
   * to the assistant. It stays stored, failed, and a resend after a new grant runs it.
   */
  private Future<StoredMessage> refuseWithdrawn(StoredMessage userMessage) {
    ApiProblem problem = Admission.consentWithdrawn();
    services.metrics().refused(problem.code());
    return store
        .markFailed(sessionId, userMessage.id(), problem.code(), 0, epoch)
        .onSuccess(
            v -> replaceRemembered(userMessage.withStatus(MessageStatus.FAILED, problem.code())))
        .transform(ignored -> Future.failedFuture(problem));
  }

  private @Nullable ApiProblem refusalReason() {
    return admission.refusal(
        consent,
        new Admission.Load(
            session().turns(), session().tokensUsed(), pump().waiting(), pump().running()));
  }

  private Future<SessionReply.ConsentRecorded> consent(SessionCommand.Consent command) {
    ConsentRecord record =
        new ConsentRecord(
            UUID.randomUUID().toString(),
            sessionId,
            command.policyVersion(),
            command.granted(),
            Instant.now(),
            command.ipHash(),
            command.userAgent());
    return store
        .recordConsent(record)
        .map(
            saved -> {
              consent = saved;
              log.info(
                  "consent recorded",
                  kv("session_id", sessionId),
                  kv("granted", saved.granted()),
                  kv("policy_version", saved.policyVersion()));
              return new SessionReply.ConsentRecorded(
                  saved.id(), saved.granted(), saved.createdAt());
            });
  }

  private SessionReply.State state() {
    String runningReplyId = pump().runningReplyId();
    return new SessionReply.State(
        pump().lastSeq(),
        services.cluster() != null ? services.cluster().nodeId() : null,
        runningReplyId,
        runningReplyId != null ? pump().runningReplyText() : "");
  }

  // --- turns -------------------------------------------------------------------------------------

  /**
   * What the engine is given for this user message's turn; lead data it captures is stored only
   * once the message is.
   */
  private Turn turn(StoredMessage userMessage, String locale, Future<Void> stored) {
    return new Turn(
        sessionId,
        locale,
        userMessage,
        session().assistantThreadId(),
        recent.stream()
            .filter(m -> m.seq() < userMessage.seq() && m.status() != MessageStatus.FAILED)
            .toList(),
        lead,
        pageContext(),
        fields -> stored.compose(v -> captureLead(fields)),
        this::keepConversation,
        stored);
  }

  /**
   * A turn cut from outside (a crash, the shutdown grace) may have put the visitor's words in the
   * assistant's conversation, and a resend would put them there again: the session forgets it, and
   * its next turn starts a new one from the stored history.
   */
  private Future<Void> forgetCutConversation() {
    return session().assistantThreadId() == null
        ? Future.succeededFuture()
        : keepConversation(null);
  }

  /** Keeps the conversation the engine uses from now on; null: the session has none any more. */
  private Future<Void> keepConversation(@Nullable String id) {
    if (Objects.equals(id, session().assistantThreadId())) return Future.succeededFuture();
    return store
        .setAssistantThread(sessionId, id, epoch)
        .onSuccess(v -> session = withThread(session(), id));
  }

  private Future<LeadOutcome> captureLead(LeadFields fields) {
    return services
        .leads()
        .capture(sessionId, fields)
        .onSuccess(
            outcome -> {
              if (outcome.lead() != null) lead = outcome.lead();
              if (!outcome.storedFields().isEmpty())
                publish(SessionFrames.leadCaptured(outcome.storedFields()));
            });
  }

  /** Keeps a message just stored (or read at start) among the newest. */
  private void remember(StoredMessage message) {
    recent.add(message);
    if (recent.size() > historyWindow + 1) recent.remove(0);
  }

  /** A remembered message whose status changed in the store. */
  private void replaceRemembered(StoredMessage changed) {
    for (int i = 0; i < recent.size(); i++) {
      if (recent.get(i).id().equals(changed.id())) recent.set(i, changed);
    }
  }

  // --- ownership ---------------------------------------------------------------------------------

  /** Evidence that another actor writes this session: its claim fenced us, or it took our key. */
  static boolean isStale(Throwable failure) {
    return failure instanceof FencedException
        || (failure instanceof DuplicateKeyException d
            && (d.on(DuplicateKeyException.MESSAGE_SEQ)
                || d.on(DuplicateKeyException.MESSAGE_REPLY_TO)));
  }

  /**
   * Another actor owns the session: stop taking commands (senders are told to retry, and find the
   * real owner), fail what waits here, and ask the directory to undeploy this actor.
   */
  private SteppedDown stepDown(Throwable why) {
    if (!steppedDown) {
      steppedDown = true;
      log.warn(
          "another actor claimed this session: stepping down",
          kv("session_id", sessionId),
          kv("owner_epoch", epoch),
          kv("reason", String.valueOf(why.getMessage())));
      services.metrics().steppedDown();
      if (consumer != null) consumer.unregister();
      if (!passivating) {
        passivating = true;
        askToBeUndeployed();
      }
    }
    return why instanceof SteppedDown s ? s : new SteppedDown();
  }

  /**
   * The session was erased (its epoch bumped, so a turn still running writes nothing more): stop
   * taking commands, forget the conversation held here, and be undeployed.
   */
  private Future<SessionReply.Erased> erased() {
    log.info("session erased: actor stopping", kv("session_id", sessionId));
    steppedDown = true;
    recent.clear();
    if (consumer != null) consumer.unregister();
    if (!passivating) {
      passivating = true;
      askToBeUndeployed();
    }
    return Future.succeededFuture(new SessionReply.Erased());
  }

  // --- passivation -------------------------------------------------------------------------------

  private void passivateIfIdle(long idleMs) {
    boolean busy = !pump().idle() || !inflight.isEmpty();
    if (passivating || busy || System.nanoTime() - lastActivityNanos < idleMs * 1_000_000L) return;
    passivating = true;
    log.debug("session idle, passivating", kv("session_id", sessionId));
    askToBeUndeployed();
  }

  private void askToBeUndeployed() {
    vertx
        .eventBus()
        .send(
            SessionDirectoryVerticle.PASSIVATED,
            new JsonObject().put("session_id", sessionId).put("deployment_id", deploymentID()),
            new DeliveryOptions().setLocalOnly(true));
  }

  /** The session as its turns see it. */
  private final class PumpSide implements TurnPump.Session {
    @Override
    public Turn turn(StoredMessage userMessage, String locale, Future<Void> stored) {
      return SessionVerticle.this.turn(userMessage, locale, stored);
    }

    @Override
    public boolean consentMissing() {
      return SessionVerticle.this.consentMissing();
    }

    @Override
    public Future<StoredMessage> refuseWithdrawn(StoredMessage userMessage) {
      return SessionVerticle.this.refuseWithdrawn(userMessage);
    }

    @Override
    public Future<Void> keepConversation(@Nullable String id) {
      return SessionVerticle.this.keepConversation(id);
    }

    @Override
    public Future<Void> forgetCutConversation() {
      return SessionVerticle.this.forgetCutConversation();
    }

    @Override
    public void remember(StoredMessage message) {
      SessionVerticle.this.remember(message);
    }

    @Override
    public void replaceRemembered(StoredMessage changed) {
      SessionVerticle.this.replaceRemembered(changed);
    }

    @Override
    public void countTurn(long tokens) {
      session = counted(session(), tokens);
      services.budget().record(tokens);
    }

    @Override
    public void bill(long tokens) {
      session = withTokens(session(), tokens);
      services.budget().record(tokens);
    }

    @Override
    public void publish(ServerFrame frame) {
      SessionVerticle.this.publish(frame);
    }

    @Override
    public long epoch() {
      return epoch;
    }

    @Override
    public boolean steppedDown() {
      return steppedDown;
    }

    @Override
    public SteppedDown stepDown(Throwable why) {
      return SessionVerticle.this.stepDown(why);
    }

    @Override
    public void touched() {
      lastActivityNanos = System.nanoTime();
    }
  }

  // --- helpers -----------------------------------------------------------------------------------

  private void publish(ServerFrame frame) {
    // Encoded once here; every socket of the session writes the same text.
    vertx
        .eventBus()
        .publish(Addresses.sessionFrames(sessionId), PublishedFrame.of(frame), ownerOptions);
  }

  private JsonObject pageContext() {
    return new JsonObject().put("page_url", session().pageUrl()).put("utm", session().utm());
  }

  static ApiProblem asProblem(Throwable failure) {
    return ApiProblem.from(
        failure,
        () -> {
          log.error("unexpected failure in a session actor", failure);
          return ApiProblem.of(
              ProblemCode.ASSISTANT_UNAVAILABLE,
              "The turn failed unexpectedly; resend the same client_message_id to retry");
        });
  }

  private static SessionRecord withThread(SessionRecord s, @Nullable String thread) {
    return new SessionRecord(
        s.sessionId(),
        s.tokenHash(),
        thread,
        s.locale(),
        s.pageUrl(),
        s.utm(),
        s.createdAt(),
        s.lastActivity(),
        s.turns(),
        s.tokensUsed());
  }

  private static SessionRecord withTokens(SessionRecord s, long tokens) {
    return new SessionRecord(
        s.sessionId(),
        s.tokenHash(),
        s.assistantThreadId(),
        s.locale(),
        s.pageUrl(),
        s.utm(),
        s.createdAt(),
        Instant.now(),
        s.turns(),
        s.tokensUsed() + tokens);
  }

  private static SessionRecord counted(SessionRecord s, long tokens) {
    return new SessionRecord(
        s.sessionId(),
        s.tokenHash(),
        s.assistantThreadId(),
        s.locale(),
        s.pageUrl(),
        s.utm(),
        s.createdAt(),
        Instant.now(),
        s.turns() + 1,
        s.tokensUsed() + tokens);
  }
}
