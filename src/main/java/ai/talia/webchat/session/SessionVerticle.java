package ai.talia.webchat.session;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.assistant.AssistantFailure;
import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.assistant.TurnOutcome;
import ai.talia.webchat.assistant.TurnResult;
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
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of a live chat session. It alone assigns {@code seq}, stores each user message
 * before its turn runs, runs one assistant turn at a time and queues the rest (bounded), owns the
 * assistant conversation id, and publishes every frame of the session for its sockets. After {@code
 * session.idleSeconds} without work it asks the directory to undeploy it; the next command brings
 * it back from the store.
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
  private long lastSeq;
  private @Nullable MessageConsumer<SessionCommand<?>> consumer;
  private final ArrayDeque<PendingTurn> queue = new ArrayDeque<>();

  /** Sends being handled: a duplicate joins the first instead of running twice. */
  private final SendsInFlight<Accepted> inflight = new SendsInFlight<>();

  private @Nullable PendingTurn running;

  /** Turns admitted and not started yet: queued, or whose user message is still being written. */
  private int waiting;

  /**
   * The reply being written now, so a socket that joins mid-reply can be sent it from its start.
   */
  private @Nullable String runningReplyId;

  private final StringBuilder runningReplyText = new StringBuilder();

  /** Writes that take a seq run one after another, so a failed insert never leaves a gap. */
  private Future<Void> writes = Future.succeededFuture();

  private long lastActivityNanos = System.nanoTime();
  private long idleTimer = -1;
  private boolean passivating;

  /** The session's owner epoch this actor claimed; every write it makes is fenced by it. */
  private long epoch;

  /** Another actor owns the session now: nothing more is written here. */
  private boolean steppedDown;

  /** Completed once no turn runs or waits, while the actor is stopping. */
  private @Nullable Promise<Void> drained;

  /** Replies and frames name this node in a cluster, so that routers know where the actor runs. */
  private DeliveryOptions replyOptions = new DeliveryOptions();

  private DeliveryOptions frameOptions = new DeliveryOptions();

  private record PendingTurn(
      StoredMessage userMessage, String locale, Promise<StoredMessage> reply) {}

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
                        lastSeq = recent.isEmpty() ? 0 : recent.get(recent.size() - 1).seq();
                        consent = latestConsent.result();
                        lead = storedLead.result();
                        return null;
                      });
            })
        .compose(
            v -> {
              if (services.cluster() != null) {
                String node = services.cluster().nodeId();
                replyOptions = new DeliveryOptions().addHeader(SessionCommands.OWNER_HEADER, node);
                frameOptions = new DeliveryOptions().addHeader(SessionCommands.OWNER_HEADER, node);
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
    Promise<Void> idle = Promise.promise();
    drained = idle;
    checkDrained();
    return idle.future()
        .timeout(graceMs, TimeUnit.MILLISECONDS)
        .recover(slow -> failLeftovers())
        .eventually(() -> consumer == null ? Future.succeededFuture() : consumer.unregister())
        .onComplete(ar -> services.metrics().actorStopped());
  }

  private void checkDrained() {
    Promise<Void> idle = drained;
    if (idle != null && running == null && queue.isEmpty() && waiting == 0) idle.tryComplete();
  }

  /** After the grace: the queued turns and the running one are stored as failed. */
  private Future<Void> failLeftovers() {
    ApiProblem problem =
        ApiProblem.of(
            ProblemCode.ASSISTANT_UNAVAILABLE, "The gateway is shutting down; resend to retry");
    Future<Void> failed = Future.succeededFuture();
    while (!queue.isEmpty()) {
      PendingTurn t = queue.poll();
      waiting--;
      failed =
          failed
              .compose(
                  v -> store.markFailed(sessionId, t.userMessage().id(), "shutting_down", 0, epoch))
              .onComplete(ar -> t.reply().tryFail(problem));
    }
    PendingTurn cut = running;
    if (cut != null)
      failed =
          failed
              .compose(
                  v ->
                      store.markFailed(
                          sessionId, cut.userMessage().id(), "shutting_down", 0, epoch))
              .compose(v -> forgetCutConversation());
    return failed.otherwiseEmpty();
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
            message.reply(ar.result(), replyOptions);
          } else if (ar.cause() instanceof SteppedDown) {
            message.fail(SessionCommands.RETRY_ELSEWHERE, "another actor owns this session");
          } else {
            message.reply(new ProblemReply(asProblem(ar.cause())), replyOptions);
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
    waiting++;
    return appendInOrder(seq -> store.appendUserMessage(draft.withSeq(seq), epoch))
        .transform(
            ar -> {
              if (ar.succeeded()) {
                StoredMessage stored = ar.result();
                remember(stored);
                publish(SessionFrames.message(stored));
                return Future.succeededFuture(new Accepted(stored, enqueue(stored, locale)));
              }
              waiting--;
              checkDrained();
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
    waiting++;
    return Future.succeededFuture(new Accepted(pending, enqueue(pending, locale)));
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
        new Admission.Load(session().turns(), session().tokensUsed(), waiting, running != null));
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
    return new SessionReply.State(
        lastSeq,
        services.cluster() != null ? services.cluster().nodeId() : null,
        runningReplyId,
        runningReplyId != null ? runningReplyText.toString() : "");
  }

  // --- turns -------------------------------------------------------------------------------------

  private Future<StoredMessage> enqueue(StoredMessage userMessage, String locale) {
    Promise<StoredMessage> reply = Promise.promise();
    queue.add(new PendingTurn(userMessage, locale, reply));
    vertx.runOnContext(v -> pump());
    return reply.future();
  }

  private void pump() {
    if (running != null || queue.isEmpty()) return;
    PendingTurn turn = queue.poll();
    waiting--;
    if (steppedDown) {
      turn.reply().tryFail(new SteppedDown());
      vertx.runOnContext(v -> pump());
      checkDrained();
      return;
    }
    running = turn;
    long started = System.nanoTime();
    runTurn(turn)
        .onComplete(
            ar -> {
              services.metrics().turn(TurnOutcome.of(ar.succeeded()), System.nanoTime() - started);
              running = null;
              runningReplyId = null;
              runningReplyText.setLength(0);
              lastActivityNanos = System.nanoTime();
              if (ar.succeeded()) turn.reply().tryComplete(ar.result());
              else turn.reply().tryFail(ar.cause());
              pump();
              checkDrained();
            });
  }

  private Future<StoredMessage> runTurn(PendingTurn pending) {
    StoredMessage userMessage = pending.userMessage();
    if (consentMissing()) return refuseWithdrawn(userMessage);
    String replyId = UUID.randomUUID().toString();
    runningReplyId = replyId;
    runningReplyText.setLength(0);
    publish(SessionFrames.typing(true));
    // What the model billed for this turn, also when it fails after answering (say, in the store).
    long[] billed = {0};
    Turn turn =
        new Turn(
            sessionId,
            pending.locale(),
            userMessage,
            session().assistantThreadId(),
            recent.stream()
                .filter(m -> m.seq() < userMessage.seq() && m.status() != MessageStatus.FAILED)
                .toList(),
            lead,
            pageContext(),
            this::captureLead,
            this::keepConversation);
    return services
        .engine()
        .runTurn(
            turn,
            delta -> {
              runningReplyText.append(delta);
              publish(SessionFrames.delta(replyId, delta));
            })
        .compose(
            result -> {
              billed[0] = result.totalTokens();
              if (result.text() == null || result.text().isBlank()) {
                return Future.failedFuture(
                    new AssistantFailure(
                            502,
                            AssistantFailure.UNAVAILABLE,
                            "The assistant answered nothing",
                            null)
                        .withTokensUsed(result.totalTokens()));
              }
              return rememberConversation(result)
                  .compose(v -> storeReply(replyId, userMessage, result));
            })
        .onSuccess(
            reply -> {
              publish(SessionFrames.typing(false));
              publish(SessionFrames.completed(reply));
            })
        .recover(
            failure -> {
              if (failure instanceof SteppedDown || isStale(failure)) {
                // The real owner runs this turn again when its sender resends it there.
                publish(SessionFrames.typing(false));
                publish(SessionFrames.failed(replyId, "interrupted"));
                return Future.failedFuture(stepDown(failure));
              }
              ApiProblem problem = asProblem(failure);
              log.warn(
                  "turn failed",
                  kv("session_id", sessionId),
                  kv("message_id", userMessage.id()),
                  kv("code", problem.code()),
                  kv("detail", problem.getMessage()));
              publish(SessionFrames.typing(false));
              publish(SessionFrames.failed(replyId, problem.code()));
              long tokens =
                  Math.max(billed[0], failure instanceof AssistantFailure a ? a.tokensUsed() : 0);
              // Billed whether or not the store takes the failure: the caps count it in any case.
              session = withTokens(session(), tokens);
              services.budget().record(tokens);
              return store
                  .markFailed(sessionId, userMessage.id(), problem.code(), tokens, epoch)
                  .onSuccess(
                      v ->
                          replaceRemembered(
                              userMessage.withStatus(MessageStatus.FAILED, problem.code())))
                  .transform(ignored -> Future.failedFuture(problem));
            });
  }

  private Future<Void> rememberConversation(TurnResult result) {
    return keepConversation(result.conversationId());
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

  private Future<StoredMessage> storeReply(
      String replyId, StoredMessage userMessage, TurnResult result) {
    StoredMessage draft =
        new StoredMessage(
            replyId,
            sessionId,
            0,
            StoredMessage.ROLE_ASSISTANT,
            result.text(),
            Instant.now(),
            null,
            result.incomplete() ? MessageStatus.INCOMPLETE : MessageStatus.COMPLETED,
            userMessage.id(),
            null,
            result.inputTokens(),
            result.outputTokens());
    return appendInOrder(seq -> store.appendReply(draft.withSeq(seq), result.totalTokens(), epoch))
        .onSuccess(
            reply -> {
              replaceRemembered(userMessage.withStatus(MessageStatus.COMPLETED, null));
              remember(reply);
              session = counted(session(), result.totalTokens());
              services.budget().record(result.totalTokens());
            });
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

  private Future<StoredMessage> appendInOrder(LongFunction<Future<StoredMessage>> insertWithSeq) {
    Promise<StoredMessage> done = Promise.promise();
    writes =
        writes.transform(
            ignored -> {
              long seq = lastSeq + 1;
              return insertWithSeq
                  .apply(seq)
                  .onSuccess(m -> lastSeq = seq)
                  .onComplete(done)
                  .transform(ar -> Future.<Void>succeededFuture());
            });
    return done.future();
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
  private static boolean isStale(Throwable failure) {
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
    boolean busy = running != null || !queue.isEmpty() || !inflight.isEmpty();
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

  // --- helpers -----------------------------------------------------------------------------------

  private void publish(ServerFrame frame) {
    // Encoded once here; every socket of the session writes the same text.
    vertx
        .eventBus()
        .publish(Addresses.sessionFrames(sessionId), PublishedFrame.of(frame), frameOptions);
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
