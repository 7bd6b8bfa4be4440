package ai.talia.webchat.session;

import ai.talia.webchat.store.StoredMessage;
import java.util.List;

/** The {@link ServerFrame}s a session actor publishes, made from what it stores. */
public final class SessionFrames {
  private SessionFrames() {}

  public static ServerFrame message(StoredMessage m) {
    return new ServerFrame.Message(m.toJson());
  }

  public static ServerFrame typing(boolean on) {
    return new ServerFrame.Typing(on);
  }

  public static ServerFrame delta(String replyId, String delta) {
    return new ServerFrame.ReplyDelta(replyId, delta);
  }

  public static ServerFrame completed(StoredMessage reply) {
    return new ServerFrame.ReplyCompleted(reply.toJson());
  }

  public static ServerFrame failed(String replyId, String code) {
    return new ServerFrame.ReplyFailed(replyId, code);
  }

  public static ServerFrame leadCaptured(List<String> fields) {
    return new ServerFrame.LeadCaptured(fields);
  }

  /** The gateway's own (never relayed): the session was erased, its sockets close. */
  public static final String ERASED = "session.erased";

  public static PublishedFrame erased() {
    return PublishedFrame.internal(ERASED);
  }
}
