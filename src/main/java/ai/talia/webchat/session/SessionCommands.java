package ai.talia.webchat.session;

import io.vertx.core.json.JsonObject;

/**
 * The message shapes on {@code webchat.session.<id>} (router → session actor). Replies are JSON; a
 * refused command fails with a {@link ai.talia.webchat.problem.ProblemReply}, the problem itself
 * carried by its codec, its failure code the HTTP status.
 */
public final class SessionCommands {
  private SessionCommands() {}

  public static final String ACTION = "action";

  /**
   * {@code {action:"send", content, client_message_id, locale, async}} → {@code
   * {status:"completed", message, reply}} or {@code {status:"queued", message_id}}.
   */
  public static final String SEND = "send";

  /**
   * {@code {action:"consent", policy_version, granted, ip_hash, user_agent}} → {@code {consent_id,
   * granted_at, granted}}.
   */
  public static final String CONSENT = "consent";

  /**
   * {@code {action:"state"}} → {@code {last_seq, reply_id?, partial?}}: where the session stands,
   * and the text so far of a reply being written, for a socket that joins.
   */
  public static final String STATE = "state";

  /**
   * A command that reached an actor while it was passivating; the sender activates it again and
   * resends.
   */
  public static final int RETRY_ELSEWHERE = 4091;

  /**
   * In a cluster, the header of an actor's replies and frames that names the node it runs on, so
   * that what waits on it is sent again elsewhere if that node leaves.
   */
  public static final String OWNER_HEADER = "talia-owner";

  public static JsonObject send(
      String content, String clientMessageId, String locale, boolean async) {
    return new JsonObject()
        .put(ACTION, SEND)
        .put("content", content)
        .put("client_message_id", clientMessageId)
        .put("locale", locale)
        .put("async", async); // a null locale means the session's
  }

  public static JsonObject consent(
      String policyVersion, boolean granted, String ipHash, String userAgent) {
    return new JsonObject()
        .put(ACTION, CONSENT)
        .put("policy_version", policyVersion)
        .put("granted", granted)
        .put("ip_hash", ipHash)
        .put("user_agent", userAgent);
  }

  public static JsonObject state() {
    return new JsonObject().put(ACTION, STATE);
  }
}
