package ai.talia.webchat.store;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's storage contract, the same on Postgres and on the embedded store. Every write that
 * an event describes writes that event in the same transaction. Lookups that find nothing complete
 * with {@code null}.
 */
public interface Store {

  /**
   * Inserts the session and its {@code webchat_started} event. Fails with {@link
   * DuplicateKeyException} if the id is taken.
   */
  Future<SessionRecord> createSession(SessionRecord session);

  Future<@Nullable SessionRecord> findSession(String sessionId);

  /**
   * Makes the caller the session's one writer: bumps the session's {@code owner_epoch} and marks
   * every pending user message failed with {@code pendingErrorCode} (a turn cut by a crash or by
   * the previous owner's end), in one transaction. Returns the new epoch, which the writes below
   * take: a write whose epoch is no longer the session's fails with {@link FencedException} and
   * changes nothing.
   */
  Future<SessionClaim> claimSession(String sessionId, String pendingErrorCode);

  Future<Void> setAssistantThread(
      String sessionId, @Nullable String assistantThreadId, long ownerEpoch);

  Future<@Nullable StoredMessage> findMessageByClientId(String sessionId, String clientMessageId);

  /** The assistant message that answers a user message, or null. */
  Future<@Nullable StoredMessage> findReply(String sessionId, String userMessageId);

  /**
   * Inserts a user message and its {@code webchat_message_sent} event. It leaves the session row
   * alone: {@code last_activity} is when the session's last turn ended, set by {@link #appendReply}
   * and {@link #markFailed}, so a turn updates that hot row once.
   */
  Future<StoredMessage> appendUserMessage(StoredMessage message, long ownerEpoch);

  /**
   * Inserts an assistant reply and its {@code webchat_message_received} event, marks the user
   * message it answers completed and counts the turn and its tokens on the session, atomically. A
   * second reply to one user message fails with {@link DuplicateKeyException}.
   */
  Future<StoredMessage> appendReply(StoredMessage reply, long tokensUsed, long ownerEpoch);

  /**
   * Marks a user message failed with a problem code (it stays stored and can be retried); counts
   * the tokens the failed turn still cost on the session and sets {@code last_activity}.
   */
  Future<Void> markFailed(
      String sessionId, String messageId, String errorCode, long tokensUsed, long ownerEpoch);

  /**
   * Marks every pending user message of a session failed (a turn cut by a crash); returns how many.
   */
  Future<Integer> failPendingMessages(String sessionId, String errorCode);

  /** Messages with {@code seq > afterSeq}, in order, at most {@code limit}. */
  Future<List<StoredMessage>> history(String sessionId, long afterSeq, int limit);

  /** The last {@code limit} messages, in order. */
  Future<List<StoredMessage>> recentHistory(String sessionId, int limit);

  /**
   * Inserts a consent row and its {@code consent_granted} / {@code consent_withdrawn} event,
   * serialized with the session's lead writes (see {@link #saveLead}). The row recorded last is the
   * one in force: its {@code created_at} (returned) is moved past the previous one's when the clock
   * says otherwise.
   */
  Future<ConsentRecord> recordConsent(ConsentRecord consent);

  Future<@Nullable ConsentRecord> latestConsent(String sessionId);

  Future<@Nullable LeadRecord> findLead(String sessionId);

  /**
   * Inserts or updates the session's one lead and writes {@code lead_captured} naming the changed
   * fields, only if the session's latest consent is a grant, read inside this write's transaction
   * under the session's lock (so a withdrawal commits either before it, and refuses it, or after
   * it). The lead points to that grant. Refused, it writes nothing and fails with {@link
   * ConsentNotGrantedException}.
   */
  Future<LeadRecord> saveLead(LeadRecord lead, List<String> changedFields);

  Future<List<DomainEvent>> events(String sessionId);

  /** Writes an event that no other row goes with (an admin's read, say). */
  Future<Void> recordEvent(DomainEvent event);

  /**
   * Erases a session's personal data in one transaction (README § Admin API): its messages and lead
   * deleted, its consents' IP hash and user agent nulled, its events' data replaced, its token,
   * page and UTM overwritten, the row kept as a tombstone with {@code erased_at} and {@code
   * reason}, its OpenAI conversation queued in {@code openai_deletions}, and a {@code
   * session_erased} event. Completes with null when there is no such session or it was erased
   * already.
   */
  Future<@Nullable ErasedSession> eraseSession(String sessionId, String reason, Instant at);

  /** Completes when the database answers a trivial query. */
  Future<Void> ping();
}
