package ai.talia.webchat.problem;

import ai.talia.webchat.bus.JsonRecordCodec;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * An {@link ApiProblem} as the failure of an event-bus request: replying with one fails the
 * sender's request with it (as {@code Message.fail} does), its failure code the HTTP status. Its
 * codec, registered on every node, carries the whole problem across a clustered event bus, and
 * passes it by reference within one JVM.
 */
public final class ProblemReply extends ReplyException {
  private static final long serialVersionUID = 1L;

  private final ApiProblem problem;

  public ProblemReply(ApiProblem problem) {
    super(ReplyFailure.RECIPIENT_FAILURE, problem.status(), problem.getMessage(), true);
    this.problem = problem;
  }

  public ApiProblem problem() {
    return problem;
  }

  /** Registers the codec as the default for {@code ProblemReply}; harmless when already done. */
  public static void register(Vertx vertx) {
    JsonRecordCodec.register(vertx, new Codec());
  }

  /** The whole problem as its wire JSON ({@link ApiProblem#toWire}). */
  static final class Codec extends JsonRecordCodec<ProblemReply> {
    Codec() {
      super(
          "talia-problem-reply",
          ProblemReply.class,
          reply -> reply.problem.toWire(),
          json -> new ProblemReply(ApiProblem.fromWire(json)));
    }
  }
}
