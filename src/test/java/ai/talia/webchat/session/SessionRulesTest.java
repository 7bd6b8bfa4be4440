package ai.talia.webchat.session;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Session rules on one in-process actor ({@link SessionTestKit}): commands in, frames out. */
class SessionRulesTest {

  @Test
  void without_consent_a_send_is_refused_and_nothing_is_stored() {
    try (SessionTestKit kit = SessionTestKit.start()) {
      var refused = kit.refusal(new SessionCommand.Send("Hola", "m1", null, false));
      assertThat(refused.code()).isEqualTo(ProblemCode.CONSENT_REQUIRED.code());
      assertThat(kit.history()).isEmpty();
    }
  }

  @Test
  void a_send_publishes_its_message_then_typing_the_reply_deltas_and_the_completed_reply() {
    try (SessionTestKit kit = SessionTestKit.start()) {
      kit.grantConsent();
      JsonObject answer = kit.say("Hola", "m1");
      List<JsonObject> frames = kit.awaitFrame(ServerFrame.REPLY_COMPLETED);

      List<String> types = kit.frameTypes();
      assertThat(types.get(0)).isEqualTo(ServerFrame.MESSAGE);
      assertThat(types.get(1)).isEqualTo(ServerFrame.TYPING);
      assertThat(types.subList(2, types.size() - 2))
          .isNotEmpty()
          .containsOnly(ServerFrame.REPLY_DELTA);
      assertThat(types.subList(types.size() - 2, types.size()))
          .containsExactly(ServerFrame.TYPING, ServerFrame.REPLY_COMPLETED);
      assertThat(frames.get(1).getBoolean("on")).isTrue();
      assertThat(frames.get(frames.size() - 2).getBoolean("on")).isFalse();

      String reply = answer.getJsonObject("reply").getString("content");
      String streamed =
          frames.stream()
              .filter(f -> ServerFrame.REPLY_DELTA.equals(f.getString("type")))
              .map(f -> f.getString("delta"))
              .collect(Collectors.joining());
      assertThat(streamed).isEqualTo(reply);
      assertThat(frames.get(frames.size() - 1).getJsonObject("message").getString("content"))
          .isEqualTo(reply);
    }
  }

  @Test
  void a_duplicate_client_message_id_joins_the_first_send_and_runs_no_second_turn() {
    try (SessionTestKit kit =
        SessionTestKit.start(c -> c.with(ConfigKeys.SCRIPTED_CHUNK_DELAY_MS, 5))) {
      kit.grantConsent();
      var send = new SessionCommand.Send("Hola", "m1", null, false);
      Future<JsonObject> first = kit.request(send);
      Future<JsonObject> again = kit.request(send);
      String id = await(first).getJsonObject("message").getString("id");
      assertThat(await(again).getJsonObject("message").getString("id")).isEqualTo(id);
      // Once more after the turn ended: answered from the store.
      assertThat(kit.say("Hola", "m1").getJsonObject("message").getString("id")).isEqualTo(id);

      // A new message's turn: its frames come after any a second run of m1 would have published.
      kit.say("¿Cuánto cuesta?", "m2");
      kit.awaitFrames(ServerFrame.REPLY_COMPLETED, 2);
      assertThat(kit.frameTypes())
          .filteredOn(t -> t.equals(ServerFrame.MESSAGE) || t.equals(ServerFrame.REPLY_COMPLETED))
          .containsExactly(
              ServerFrame.MESSAGE,
              ServerFrame.REPLY_COMPLETED,
              ServerFrame.MESSAGE,
              ServerFrame.REPLY_COMPLETED);
      assertThat(kit.history()).hasSize(4);
    }
  }
}
