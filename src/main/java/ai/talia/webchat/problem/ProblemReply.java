package ai.talia.webchat.problem;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

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
  public static synchronized void register(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(ProblemReply.class, new Codec());
    } catch (IllegalStateException alreadyRegistered) {
      // Another verticle of this Vert.x instance registered it first.
    }
  }

  static final class Codec implements MessageCodec<ProblemReply, ProblemReply> {
    @Override
    public void encodeToWire(Buffer buffer, ProblemReply reply) {
      byte[] json = reply.problem.toWire().encode().getBytes(StandardCharsets.UTF_8);
      buffer.appendInt(json.length).appendBytes(json);
    }

    @Override
    public ProblemReply decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      String json = buffer.getString(pos + 4, pos + 4 + length, StandardCharsets.UTF_8.name());
      return new ProblemReply(ApiProblem.fromWire(new JsonObject(json)));
    }

    @Override
    public ProblemReply transform(ProblemReply reply) {
      return reply;
    }

    @Override
    public String name() {
      return "talia-problem-reply";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
