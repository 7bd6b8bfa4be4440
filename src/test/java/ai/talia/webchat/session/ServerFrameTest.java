package ai.talia.webchat.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frames' wire form, member for member in SPEC §4's order. */
class ServerFrameTest {
  @Test
  void each_frame_encodes_as_spec_section_4_lists_it() {
    JsonObject message = new JsonObject().put("id", "m1").put("seq", 3);
    assertThat(new ServerFrame.Ready("s1", 4, null).toJson().encode())
        .isEqualTo("{\"type\":\"ready\",\"session_id\":\"s1\",\"last_seq\":4}");
    assertThat(new ServerFrame.Ready("s1", 4, "r1").toJson().encode())
        .isEqualTo("{\"type\":\"ready\",\"session_id\":\"s1\",\"last_seq\":4,\"reply_id\":\"r1\"}");
    assertThat(new ServerFrame.Message(message).toJson().encode())
        .isEqualTo("{\"type\":\"message\",\"message\":{\"id\":\"m1\",\"seq\":3}}");
    assertThat(new ServerFrame.Typing(true).toJson().encode())
        .isEqualTo("{\"type\":\"typing\",\"on\":true}");
    assertThat(new ServerFrame.ReplyDelta("r1", "Ho").toJson().encode())
        .isEqualTo("{\"type\":\"reply.delta\",\"reply_id\":\"r1\",\"delta\":\"Ho\"}");
    assertThat(new ServerFrame.ReplyCompleted(message).toJson().encode())
        .isEqualTo("{\"type\":\"reply.completed\",\"message\":{\"id\":\"m1\",\"seq\":3}}");
    assertThat(new ServerFrame.ReplyFailed("r1", "interrupted").toJson().encode())
        .isEqualTo("{\"type\":\"reply.failed\",\"reply_id\":\"r1\",\"code\":\"interrupted\"}");
    assertThat(new ServerFrame.LeadCaptured(List.of("email", "phone")).toJson().encode())
        .isEqualTo("{\"type\":\"lead.captured\",\"fields\":[\"email\",\"phone\"]}");
    assertThat(new ServerFrame.Pong().toJson().encode()).isEqualTo("{\"type\":\"pong\"}");
    assertThat(new ServerFrame.ConsentRequired().toJson().encode())
        .isEqualTo("{\"type\":\"consent.required\"}");
  }

  @Test
  void an_error_frame_has_one_member_order_whatever_it_carries() {
    assertThat(new ServerFrame.ErrorFrame("unauthorized", "Say hello first").toJson().encode())
        .isEqualTo("{\"type\":\"error\",\"code\":\"unauthorized\",\"detail\":\"Say hello first\"}");
    assertThat(
            new ServerFrame.ErrorFrame(
                    "rate_limited", "Too many messages from this address", "c-1", null, 3L)
                .toJson()
                .encode())
        .isEqualTo(
            "{\"type\":\"error\",\"code\":\"rate_limited\",\"detail\":\"Too many messages from"
                + " this address\",\"client_message_id\":\"c-1\",\"retry_after\":3}");
    ApiProblem invalid =
        ApiProblem.of(ProblemCode.VALIDATION_FAILED, "Some fields are not valid")
            .with(
                "errors",
                new JsonArray()
                    .add(new JsonObject().put("field", "content").put("reason", "empty")))
            .retryAfter(2);
    assertThat(ServerFrame.ErrorFrame.of(invalid, "c-2").toJson().encode())
        .isEqualTo(
            "{\"type\":\"error\",\"code\":\"validation_failed\",\"detail\":\"Some fields are not"
                + " valid\",\"client_message_id\":\"c-2\",\"errors\":[{\"field\":\"content\","
                + "\"reason\":\"empty\"}],\"retry_after\":2}");
    // A frame whose own id is not echoed (it may be the text refused): no client_message_id.
    assertThat(ServerFrame.ErrorFrame.of(invalid, null).toJson().containsKey("client_message_id"))
        .isFalse();
  }
}
