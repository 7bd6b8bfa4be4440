package ai.talia.webchat.admin;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.session.SessionCommand;
import ai.talia.webchat.session.SessionFrames;
import ai.talia.webchat.store.ErasedSession;
import ai.talia.webchat.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path of every erasure (an admin's, a data subject's, retention's): the store's
 * transaction, then, once it committed, the session's sockets closed ({@link
 * ai.talia.webchat.http.StreamCloseCodes#SESSION_ERASED}), its live actor stopped (its memory of
 * the conversation goes with it) and its OpenAI conversation deleted there.
 */
public final class Erasure {
  private static final Logger log = LoggerFactory.getLogger(Erasure.class);
  private static final DeliveryOptions STOP = new DeliveryOptions().setSendTimeout(5_000);

  private final Vertx vertx;
  private final Store store;
  private final ConversationDeletions deletions;

  public Erasure(Vertx vertx, Store store, ConversationDeletions deletions) {
    this.vertx = vertx;
    this.store = store;
    this.deletions = deletions;
  }

  /** Erases one session; null when there is no such session or it was erased already. */
  public Future<@Nullable ErasedSession> erase(String sessionId, String reason) {
    return store
        .eraseSession(sessionId, reason, Instant.now())
        .<@Nullable ErasedSession>map(e -> e)
        .onSuccess(
            erased -> {
              if (erased != null) afterCommit(erased);
            });
  }

  /** Erases each session in turn (one transaction each); the ids of those erased. */
  public Future<List<String>> eraseAll(List<String> sessionIds, String reason) {
    List<String> erased = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (String id : sessionIds)
      chain =
          chain.compose(
              v ->
                  erase(id, reason)
                      .map(
                          e -> {
                            if (e != null) erased.add(e.sessionId());
                            return null;
                          }));
    return chain.map(v -> erased);
  }

  private void afterCommit(ErasedSession e) {
    log.info(
        "session erased",
        kv("session_id", e.sessionId()),
        kv("reason", e.reason()),
        kv("messages_deleted", e.messagesDeleted()),
        kv("lead_deleted", e.leadDeleted()),
        kv("openai_conversation", e.openAiConversation() != null));
    // Every socket of the session, on whichever node it is held.
    vertx.eventBus().publish(Addresses.sessionFrames(e.sessionId()), SessionFrames.erased());
    // The actor, if one runs (no handler is fine: then nothing holds the session in memory).
    vertx
        .eventBus()
        .request(Addresses.session(e.sessionId()), new SessionCommand.Erased(), STOP)
        .onFailure(x -> log.debug("no live actor to stop", kv("session_id", e.sessionId())));
    if (e.openAiConversation() != null) deletions.deleteNow(e.openAiConversation());
  }
}
