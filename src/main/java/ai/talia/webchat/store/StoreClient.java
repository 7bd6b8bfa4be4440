package ai.talia.webchat.store;

import ai.talia.webchat.bus.Addresses;
import ai.talia.webchat.bus.LocalCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Store} as the other verticles see it: every call travels over the event bus to the
 * persistence verticle, which alone owns the database pool and runs the SQL on its own context.
 */
public final class StoreClient implements Store {
  private static final DeliveryOptions LOCAL =
      new DeliveryOptions().setLocalOnly(true).setSendTimeout(30_000);
  private final Vertx vertx;

  public StoreClient(Vertx vertx) {
    this.vertx = vertx;
    LocalCodec.register(vertx, StoreCall.class);
    LocalCodec.register(vertx, StoreCall.Outcome.class);
  }

  @SuppressWarnings("unchecked")
  private <T> Future<T> call(Function<Store, Future<T>> operation) {
    return vertx
        .eventBus()
        .<StoreCall.Outcome>request(Addresses.STORE, new StoreCall((Function) operation), LOCAL)
        .compose(
            reply -> {
              StoreCall.Outcome outcome = reply.body();
              return outcome.failure() != null
                  ? Future.failedFuture(outcome.failure())
                  : Future.succeededFuture((T) outcome.value());
            });
  }

  @Override
  public Future<SessionRecord> createSession(SessionRecord s) {
    return call(st -> st.createSession(s));
  }

  @Override
  public Future<@Nullable SessionRecord> findSession(String id) {
    return call(st -> st.findSession(id));
  }

  @Override
  public Future<SessionClaim> claimSession(String id, String pendingErrorCode) {
    return call(st -> st.claimSession(id, pendingErrorCode));
  }

  @Override
  public Future<Void> setAssistantThread(String id, @Nullable String thread, long epoch) {
    return call(st -> st.setAssistantThread(id, thread, epoch));
  }

  @Override
  public Future<@Nullable StoredMessage> findMessageByClientId(String id, String cmid) {
    return call(st -> st.findMessageByClientId(id, cmid));
  }

  @Override
  public Future<@Nullable StoredMessage> findReply(String id, String userMessageId) {
    return call(st -> st.findReply(id, userMessageId));
  }

  @Override
  public Future<StoredMessage> appendUserMessage(StoredMessage m, long epoch) {
    return call(st -> st.appendUserMessage(m, epoch));
  }

  @Override
  public Future<StoredMessage> appendReply(StoredMessage r, long tokens, long epoch) {
    return call(st -> st.appendReply(r, tokens, epoch));
  }

  @Override
  public Future<Void> markFailed(String id, String mid, String code, long tokens, long epoch) {
    return call(st -> st.markFailed(id, mid, code, tokens, epoch));
  }

  @Override
  public Future<Integer> failPendingMessages(String id, String code) {
    return call(st -> st.failPendingMessages(id, code));
  }

  @Override
  public Future<List<StoredMessage>> history(String id, long after, int limit) {
    return call(st -> st.history(id, after, limit));
  }

  @Override
  public Future<List<StoredMessage>> recentHistory(String id, int limit) {
    return call(st -> st.recentHistory(id, limit));
  }

  @Override
  public Future<ConsentRecord> recordConsent(ConsentRecord c) {
    return call(st -> st.recordConsent(c));
  }

  @Override
  public Future<@Nullable ConsentRecord> latestConsent(String id) {
    return call(st -> st.latestConsent(id));
  }

  @Override
  public Future<@Nullable LeadRecord> findLead(String id) {
    return call(st -> st.findLead(id));
  }

  @Override
  public Future<LeadRecord> saveLead(LeadRecord l, List<String> changed) {
    return call(st -> st.saveLead(l, changed));
  }

  @Override
  public Future<List<DomainEvent>> events(String id) {
    return call(st -> st.events(id));
  }

  @Override
  public Future<Void> recordEvent(DomainEvent e) {
    return call(st -> st.recordEvent(e));
  }

  @Override
  public Future<@Nullable ErasedSession> eraseSession(String id, String reason, Instant at) {
    return call(st -> st.eraseSession(id, reason, at));
  }

  @Override
  public Future<Void> ping() {
    return call(Store::ping);
  }
}
