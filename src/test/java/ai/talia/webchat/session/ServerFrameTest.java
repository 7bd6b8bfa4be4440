package ai.talia.webchat.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;
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

  @Test
  void every_frame_written_directly_is_the_text_vertx_encodes() {
    JsonObject message = new JsonObject().put("id", "m1").put("seq", 3).put("content", "é\n\"");
    List<ServerFrame> frames =
        List.of(
            new ServerFrame.Ready("s1", 4, null),
            new ServerFrame.Message(message),
            new ServerFrame.Typing(true),
            new ServerFrame.Typing(false),
            new ServerFrame.ReplyDelta("r1", "Ho"),
            new ServerFrame.ReplyDelta("r1", ""),
            new ServerFrame.ReplyCompleted(message),
            new ServerFrame.ReplyFailed("r1", "interrupted"),
            new ServerFrame.LeadCaptured(List.of("email")),
            new ServerFrame.Pong(),
            new ServerFrame.ConsentRequired(),
            new ServerFrame.ErrorFrame("unauthorized", "Say hello first"),
            new ServerFrame.ErrorFrame("rate_limited", "Too many", "c-1", null, 3L));
    for (ServerFrame frame : frames) {
      assertThat(frame.encode()).isEqualTo(frame.toJson().encode());
      assertThat(frame.type()).isEqualTo(frame.toJson().getString("type"));
    }
  }

  @Test
  void a_delta_of_any_character_is_escaped_as_vertx_escapes_it() {
    // Every UTF-16 unit alone (controls, quotes, backslash, U+2028, lone surrogates…), then all
    // of them in one delta.
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      String delta = "a" + c + "b";
      assertThat(new ServerFrame.ReplyDelta("r-\"1", delta).encode())
          .as("U+%04X", (int) c)
          .isEqualTo(new ServerFrame.ReplyDelta("r-\"1", delta).toJson().encode());
      all.append(c);
    }
    ServerFrame.ReplyDelta every = new ServerFrame.ReplyDelta("r1", all.toString());
    assertThat(every.encode()).isEqualTo(every.toJson().encode());
    // And it reads back as the very delta sent.
    assertThat(new JsonObject(every.encode()).getString("delta")).isEqualTo(all.toString());
  }

  @Test
  void random_deltas_with_escapes_emoji_and_controls_encode_as_vertx_does() {
    Random random = new Random(15);
    String alphabet = "aZ \"\\/\b\f\n\r\t\u0000\u001f\u007fñé€\u2028\u2029😀\uD83D";
    for (int i = 0; i < 10_000; i++) {
      StringBuilder delta = new StringBuilder();
      for (int n = random.nextInt(40); n > 0; n--)
        delta.append(alphabet.charAt(random.nextInt(alphabet.length())));
      ServerFrame.ReplyDelta frame = new ServerFrame.ReplyDelta("r1", delta.toString());
      assertThat(frame.encode()).isEqualTo(frame.toJson().encode());
    }
  }

  @Test
  void a_published_frame_carries_its_type_the_stored_seq_and_the_wire_text() {
    JsonObject message = new JsonObject().put("id", "m1").put("seq", 7);
    assertThat(PublishedFrame.of(new ServerFrame.Message(message)))
        .isEqualTo(
            new PublishedFrame(
                "message", 7, "{\"type\":\"message\",\"message\":{\"id\":\"m1\",\"seq\":7}}"));
    assertThat(PublishedFrame.of(new ServerFrame.ReplyCompleted(message)).seq()).isEqualTo(7);
    assertThat(PublishedFrame.of(new ServerFrame.ReplyDelta("r1", "¡Hola!\n")))
        .isEqualTo(
            new PublishedFrame(
                "reply.delta",
                -1,
                "{\"type\":\"reply.delta\",\"reply_id\":\"r1\",\"delta\":\"¡Hola!\\n\"}"));
    assertThat(SessionFrames.erased())
        .isEqualTo(new PublishedFrame("session.erased", -1, "{\"type\":\"session.erased\"}"));
  }
}
