package ai.talia.webchat.problem;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.assistant.AssistantFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.Test;

class ApiProblemTest {
  private final ApiProblem fallback = ApiProblem.of(ProblemCode.INTERNAL_ERROR, "fallback");

  @Test
  void one_translation_of_every_failure_kind() {
    ApiProblem busy = ApiProblem.of(ProblemCode.SESSION_BUSY, "3 waiting").retryAfter(2);
    assertThat(ApiProblem.from(busy, () -> fallback)).isSameAs(busy);
    assertThat(ApiProblem.from(new ProblemReply(busy), () -> fallback)).isSameAs(busy);
    ApiProblem timedOut =
        ApiProblem.from(new AssistantFailure(504, "assistant_unavailable", "timed out", null));
    assertThat(timedOut.status()).isEqualTo(504);
    assertThat(timedOut.code()).isEqualTo("assistant_unavailable");
    assertThat(timedOut.getMessage())
        .isEqualTo("timed out; resend the same client_message_id to retry");
    assertThat(ApiProblem.from(new IllegalStateException("bug"), () -> fallback))
        .isSameAs(fallback);
    assertThat(ApiProblem.from(new IllegalStateException("bug")).code())
        .isEqualTo("internal_error");
  }

  @Test
  void a_problem_crosses_the_wire_whole() {
    ApiProblem sent =
        ApiProblem.of(ProblemCode.DAILY_BUDGET_EXHAUSTED, "spent").retryAfter(60).with("x", "y");
    ProblemReply reply = new ProblemReply(sent);
    assertThat(reply.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    assertThat(reply.failureCode()).isEqualTo(503);

    ProblemReply.Codec codec = new ProblemReply.Codec();
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, reply);
    ApiProblem received = codec.decodeFromWire(6, wire).problem();

    assertThat(received.toJson()).isEqualTo(sent.toJson());
    assertThat(received.status()).isEqualTo(503);
    assertThat(received.retryAfterSeconds()).isEqualTo(60);
    assertThat(codec.transform(reply)).isSameAs(reply);
  }
}
