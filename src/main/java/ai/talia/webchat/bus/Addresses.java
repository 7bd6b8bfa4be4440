package ai.talia.webchat.bus;

/** Every event-bus address of the gateway, in one place. */
public final class Addresses {
  private Addresses() {}

  /**
   * Commands to the one actor that owns a session: {@link
   * ai.talia.webchat.session.SessionCommands}.
   */
  public static String session(String sessionId) {
    return "webchat.session." + sessionId;
  }

  /** Frames published by a session's actor for every socket of that session (fan-out). */
  public static String sessionFrames(String sessionId) {
    return "webchat.session." + sessionId + ".frames";
  }

  /** The session directory: activates (deploys) a session actor on demand. */
  public static final String SESSION_ACTIVATE = "webchat.sessions.activate";

  /** The persistence verticle, which {@link ai.talia.webchat.store.StoreClient} sends each call. */
  public static final String STORE = "webchat.store";

  /**
   * In each JVM of a cluster, local only: the node id of a member that left the cluster (died or
   * stopped), so that what waited on its session actors is sent again elsewhere.
   */
  public static final String CLUSTER_NODE_LEFT = "webchat.cluster.node-left";

  /** Domain events, published after the transaction that wrote them committed. */
  public static final String EVENTS = "webchat.events";

  /**
   * Wakes the webhook worker's lane of one endpoint (the body is its id): a delivery of it was made
   * due now, e.g. retried by an operator.
   */
  public static final String WEBHOOK_WAKE = "webchat.webhooks.wake";
}
