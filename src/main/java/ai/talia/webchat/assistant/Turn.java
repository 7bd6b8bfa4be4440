package ai.talia.webchat.assistant;

import ai.talia.webchat.lead.LeadCapture;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What an engine is given for one turn.
 *
 * @param conversationId the session's assistant conversation ({@code assistant_thread_id}); null
 *     until one is created
 * @param history earlier messages of the session, oldest first, not including {@code userMessage}
 * @param lead the session's lead as stored now, or null
 * @param pageContext what the session knows of its page: {@code page_url}, {@code utm}
 * @param leads the only way an engine stores lead data: validated, consent-checked, bound to this
 *     session
 * @param keepConversation stores a conversation id the engine created, at once, so a failed turn
 *     does not leave it orphaned and the next turn reuses it; null makes the session forget its
 *     conversation (the engine abandoned it), so the next turn starts a new one from the history
 * @param stored completes once {@code userMessage} is committed. A turn may start while its insert
 *     is still in flight, so the model's first token does not wait for the commit; should the
 *     insert fail, this fails and the engine calls its model request off (the HTTP request is
 *     reset). The session shows and stores nothing of such a turn.
 */
public record Turn(
    String sessionId,
    String locale,
    StoredMessage userMessage,
    @Nullable String conversationId,
    List<StoredMessage> history,
    @Nullable LeadRecord lead,
    JsonObject pageContext,
    LeadCapture leads,
    Function<String, Future<Void>> keepConversation,
    Future<Void> stored) {

  /** A turn whose user message is stored already. */
  public Turn(
      String sessionId,
      String locale,
      StoredMessage userMessage,
      @Nullable String conversationId,
      List<StoredMessage> history,
      @Nullable LeadRecord lead,
      JsonObject pageContext,
      LeadCapture leads,
      Function<String, Future<Void>> keepConversation) {
    this(
        sessionId,
        locale,
        userMessage,
        conversationId,
        history,
        lead,
        pageContext,
        leads,
        keepConversation,
        Future.succeededFuture());
  }
}
