package ai.talia.webchat.session;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.assistant.AssistantFailure;
import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.assistant.TurnOutcome;
import ai.talia.webchat.assistant.TurnResult;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.store.MessageStatus;
import ai.talia.webchat.store.Store;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turns of one session actor: it runs one assistant turn at a time and queues the rest, stores
 * each reply, and chains the writes that take a {@code seq} so a failed insert never leaves a gap.
 * It lives on its actor's context and keeps no session state of its own beyond its turns: what a
 * turn needs of the session (its history, conversation, lead, epoch) it asks the {@link Session}.
 *
 * <p>A message that finds no turn running or queued starts its turn as soon as its insert goes out
 * ({@link #startEarly}), so the model's first token does not wait for the commit. Until the insert
 * commits nothing of that turn is shown or stored: its deltas are held and then published in order
 * right after the message's own frame, its lead capture and its reply's insert wait for the commit.
 * A failed insert calls the turn off: the engine closes its model request, and the turn leaves no
 * frame and no row.
 */
final class TurnPump {
  private static final Logger log = LoggerFactory.getLogger(TurnPump.class);

  /** What the pump needs of the actor that owns it; every call runs on the actor's context. */
  interface Session {
    /**
     * The turn the engine runs for this user message: history, conversation, lead, tools; {@code
     * stored} completes once the message is committed (its lead capture waits for it).
     */
    Turn turn(StoredMessage userMessage, String locale, Future<Void> stored);

    boolean consentMissing();

    /** A turn whose consent was withdrawn while it waited: stored as failed, never run. */
    Future<StoredMessage> refuseWithdrawn(StoredMessage userMessage);

    /** Keeps the conversation the engine uses from now on; null: the session has none any more. */
    Future<Void> keepConversation(@Nullable String id);

    /** A turn cut from outside: the session forgets its conversation. */
    Future<Void> forgetCutConversation();

    /** Keeps a message just stored among the newest. */
    void remember(StoredMessage message);

    /** A remembered message whose status changed in the store. */
    void replaceRemembered(StoredMessage changed);

    /** A turn answered and stored: it counts, with its tokens, against the caps. */
    void countTurn(long tokens);

    /** Tokens a failed turn cost: they count against the caps all the same. */
    void bill(long tokens);

    void publish(ServerFrame frame);

    /** The owner epoch that fences every write. */
    long epoch();

    boolean steppedDown();

    /** Another actor owns the session: this one stops taking commands. */
    SteppedDown stepDown(Throwable why);

    /** Work happened: the idle clock starts again. */
    void touched();
  }

  /**
   * @param stored completed once the user message is committed: at once for a queued turn (queued
   *     after its insert), later for one started early; failed if its insert failed
   */
  private record PendingTurn(
      StoredMessage userMessage,
      String locale,
      Promise<StoredMessage> reply,
      Promise<Void> stored) {}

  private final Vertx vertx;
  private final String sessionId;
  private final SessionServices services;
  private final Store store;
  private final Session session;

  private final ArrayDeque<PendingTurn> queue = new ArrayDeque<>();
  private @Nullable PendingTurn running;

  /** Turns admitted and not started yet: queued, or whose user message is still being written. */
  private int waiting;

  /**
   * The reply being written now, so a socket that joins mid-reply can be sent it from its start.
   */
  private @Nullable String runningReplyId;

  /** Its text so far; only while a reply is written (an idle actor keeps no buffer). */
  private @Nullable StringBuilder runningReplyText;

  /** Writes that take a seq run one after another, so a failed insert never leaves a gap. */
  private Future<Void> writes = Future.succeededFuture();

  private long lastSeq;

  /** Completed once no turn runs or waits, while the actor is stopping. */
  private @Nullable Promise<Void> drained;

  TurnPump(Vertx vertx, String sessionId, SessionServices services, Session session) {
    this.vertx = vertx;
    this.sessionId = sessionId;
    this.services = services;
    this.store = services.store();
    this.session = session;
  }

  // --- what the actor reads ----------------------------------------------------------------------

  /** The session's newest seq, as read at start and then assigned here. */
  long lastSeq() {
    return lastSeq;
  }

  void resumeAfter(long seq) {
    lastSeq = seq;
  }

  int waiting() {
    return waiting;
  }

  boolean running() {
    return running != null;
  }

  /** No turn runs and none is queued. */
  boolean idle() {
    return running == null && queue.isEmpty();
  }

  @Nullable String runningReplyId() {
    return runningReplyId;
  }

  String runningReplyText() {
    StringBuilder text = runningReplyText;
    return text == null ? "" : text.toString();
  }

  /** A turn admitted: it waits from now until it starts (or its user message is not stored). */
  void admitted() {
    waiting++;
  }

  /** An admitted turn that will not run: its user message was not stored. */
  void withdrawn() {
    waiting--;
    checkDrained();
  }

  // --- stopping ----------------------------------------------------------------------------------

  /** Completes once no turn runs or waits. */
  Future<Void> drained() {
    Promise<Void> idle = Promise.promise();
    drained = idle;
    checkDrained();
    return idle.future();
  }

  private void checkDrained() {
    Promise<Void> idle = drained;
    if (idle != null && running == null && queue.isEmpty() && waiting == 0) idle.tryComplete();
  }

  /** After the grace: the queued turns and the running one are stored as failed. */
  Future<Void> failLeftovers() {
    ApiProblem problem =
        ApiProblem.of(
            ProblemCode.ASSISTANT_UNAVAILABLE, "The gateway is shutting down; resend to retry");
    long epoch = session.epoch();
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
              .compose(v -> session.forgetCutConversation());
    return failed.otherwiseEmpty();
  }

  // --- turns -------------------------------------------------------------------------------------

  Future<StoredMessage> enqueue(StoredMessage userMessage, String locale) {
    Promise<StoredMessage> reply = Promise.promise();
    Promise<Void> stored = Promise.promise();
    stored.complete();
    queue.add(new PendingTurn(userMessage, locale, reply, stored));
    vertx.runOnContext(v -> pump());
    return reply.future();
  }

  /**
   * Called as a new user message's insert goes out: when no turn runs or waits, its turn starts now
   * instead of after the commit. The caller then says how the insert ended: {@link #stored} or
   * {@link #notStored}.
   */
  void startEarly(StoredMessage userMessage, String locale) {
    if (running != null
        || !queue.isEmpty()
        || session.steppedDown()
        || session.consentMissing()
        || !services.settings().modelBeforeCommit()) return;
    Promise<StoredMessage> reply = Promise.promise();
    Promise<Void> stored = Promise.promise();
    waiting--;
    start(new PendingTurn(userMessage, locale, reply, stored));
  }

  /**
   * The user message is committed: the turn started early for it goes on and shows what it held;
   * any other is queued. Returns its reply.
   */
  Future<StoredMessage> stored(StoredMessage userMessage, String locale) {
    PendingTurn early = earlyTurnOf(userMessage.id());
    if (early == null) return enqueue(userMessage, locale);
    early.stored().complete();
    return early.reply().future();
  }

  /** The user message's insert failed: the turn started early for it, if any, is called off. */
  void notStored(String userMessageId, Throwable why) {
    PendingTurn early = earlyTurnOf(userMessageId);
    if (early == null) withdrawn();
    else early.stored().fail(why);
  }

  private @Nullable PendingTurn earlyTurnOf(String userMessageId) {
    PendingTurn turn = running;
    return turn != null
            && !turn.stored().future().isComplete()
            && turn.userMessage().id().equals(userMessageId)
        ? turn
        : null;
  }

  private void pump() {
    if (running != null || queue.isEmpty()) return;
    PendingTurn turn = queue.poll();
    waiting--;
    if (session.steppedDown()) {
      turn.reply().tryFail(new SteppedDown());
      vertx.runOnContext(v -> pump());
      checkDrained();
      return;
    }
    start(turn);
  }

  private void start(PendingTurn turn) {
    running = turn;
    long started = System.nanoTime();
    runTurn(turn)
        .onComplete(
            ar -> {
              // A turn called off (its message not stored) never was one.
              if (!turn.stored().future().failed())
                services
                    .metrics()
                    .turn(TurnOutcome.of(ar.succeeded()), System.nanoTime() - started);
              running = null;
              runningReplyId = null;
              runningReplyText = null;
              session.touched();
              if (ar.succeeded()) turn.reply().tryComplete(ar.result());
              else turn.reply().tryFail(ar.cause());
              pump();
              checkDrained();
            });
  }

  private Future<StoredMessage> runTurn(PendingTurn pending) {
    StoredMessage userMessage = pending.userMessage();
    Future<Void> stored = pending.stored().future();
    if (session.consentMissing()) return session.refuseWithdrawn(userMessage);
    String replyId = UUID.randomUUID().toString();
    // Deltas that came before the commit, published once it is known.
    List<String> held = new ArrayList<>();
    Future<Void> shown =
        stored.map(
            v -> {
              runningReplyId = replyId;
              runningReplyText = null;
              session.publish(SessionFrames.typing(true));
              held.forEach(delta -> show(replyId, delta));
              held.clear();
              return null;
            });
    // What the model billed for this turn, also when it fails after answering (say, in the store).
    long[] billed = {0};
    Turn turn = session.turn(userMessage, pending.locale(), stored);
    return services
        .engine()
        .runTurn(
            turn,
            delta -> {
              if (shown.succeeded()) show(replyId, delta);
              else if (!shown.isComplete()) held.add(delta);
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
              return shown
                  .compose(v -> rememberConversation(result))
                  .compose(v -> storeReply(replyId, userMessage, result));
            })
        .onSuccess(
            reply -> {
              session.publish(SessionFrames.typing(false));
              session.publish(SessionFrames.completed(reply));
            })
        // A turn that failed before its message's commit was known waits for it: called off, it
        // shows and stores nothing; else it fails as any other.
        .recover(
            failure ->
                shown.transform(
                    ar ->
                        ar.failed()
                            ? Future.failedFuture(ar.cause())
                            : failTurn(failure, userMessage, replyId, billed[0])));
  }

  private void show(String replyId, String delta) {
    StringBuilder text = runningReplyText;
    if (text == null) runningReplyText = text = new StringBuilder(delta.length() + 64);
    text.append(delta);
    session.publish(SessionFrames.delta(replyId, delta));
  }

  private Future<StoredMessage> failTurn(
      Throwable failure, StoredMessage userMessage, String replyId, long billed) {
    if (failure instanceof SteppedDown || SessionVerticle.isStale(failure)) {
      // The real owner runs this turn again when its sender resends it there.
      session.publish(SessionFrames.typing(false));
      session.publish(SessionFrames.failed(replyId, "interrupted"));
      return Future.failedFuture(session.stepDown(failure));
    }
    ApiProblem problem = SessionVerticle.asProblem(failure);
    log.warn(
        "turn failed",
        kv("session_id", sessionId),
        kv("message_id", userMessage.id()),
        kv("code", problem.code()),
        kv("detail", problem.getMessage()));
    session.publish(SessionFrames.typing(false));
    session.publish(SessionFrames.failed(replyId, problem.code()));
    long tokens = Math.max(billed, failure instanceof AssistantFailure a ? a.tokensUsed() : 0);
    // Billed whether or not the store takes the failure: the caps count it in any case.
    session.bill(tokens);
    return store
        .markFailed(sessionId, userMessage.id(), problem.code(), tokens, session.epoch())
        .onSuccess(
            v ->
                session.replaceRemembered(
                    userMessage.withStatus(MessageStatus.FAILED, problem.code())))
        .transform(ignored -> Future.failedFuture(problem));
  }

  private Future<Void> rememberConversation(TurnResult result) {
    return session.keepConversation(result.conversationId());
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
    return appendInOrder(
            seq -> store.appendReply(draft.withSeq(seq), result.totalTokens(), session.epoch()))
        .onSuccess(
            reply -> {
              session.replaceRemembered(userMessage.withStatus(MessageStatus.COMPLETED, null));
              session.remember(reply);
              session.countTurn(result.totalTokens());
            });
  }

  /** Runs a write that takes the next seq once the writes before it are done. */
  Future<StoredMessage> appendInOrder(LongFunction<Future<StoredMessage>> insertWithSeq) {
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
}
