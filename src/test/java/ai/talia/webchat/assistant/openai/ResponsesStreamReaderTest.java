package ai.talia.webchat.assistant.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reader reads each event in one pass and only the few it needs whole: the events it skips are
 * still checked, and an event's own {@code type} decides what it is, as before.
 */
class ResponsesStreamReaderTest {
  private final List<String> deltas = new ArrayList<>();
  private final List<String> said = new ArrayList<>();
  private final ResponsesStreamReader reader =
      new ResponsesStreamReader(new TurnOutput(deltas::add));

  private final StreamHandler.StreamControl control =
      new StreamHandler.StreamControl() {
        @Override
        public void outputStarted() {
          said.add("output");
        }

        @Override
        public void completed() {
          said.add("completed");
        }

        @Override
        public void failed(UpstreamError error) {
          said.add("failed");
        }
      };

  private void event(String type, JsonObject data) {
    reader.onEvent(new SseEvent(type, data.encode(), null), control);
  }

  private static JsonObject completed(String text) {
    return new JsonObject()
        .put("type", "response.completed")
        .put(
            "response",
            new JsonObject()
                .put("id", "resp_1")
                .put("status", "completed")
                .put(
                    "output",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("id", "msg_1")
                                .put("type", "message")
                                .put("role", "assistant")
                                .put(
                                    "content",
                                    new JsonArray()
                                        .add(
                                            new JsonObject()
                                                .put("type", "output_text")
                                                .put("text", text)))))
                .put("usage", new JsonObject().put("input_tokens", 10).put("output_tokens", 2)));
  }

  @Test
  void a_skipped_event_that_is_not_json_fails_as_any_event_does() {
    assertThatThrownBy(
            () ->
                reader.onEvent(
                    new SseEvent("response.in_progress", "{\"type\":\"response.in_", null),
                    control))
        .isInstanceOf(DecodeException.class);
  }

  @Test
  void an_event_is_what_its_data_says_whatever_its_event_line_says() {
    event(
        "response.in_progress",
        new JsonObject()
            .put("type", "response.output_text.delta")
            .put("item_id", "msg_1")
            .put("delta", "Hola"));
    // No event line at all (SSE's default "message"), as some compatible servers send it.
    event("message", completed("Hola"));
    assertThat(deltas).containsExactly("Hola");
    assertThat(said).containsExactly("output", "completed");
    assertThat(reader.succeeded()).isTrue();
  }

  @Test
  void events_a_turn_does_not_use_change_nothing_and_the_terminal_one_completes_it() {
    JsonObject echo =
        new JsonObject()
            .put("id", "resp_1")
            .put("instructions", "You are TalIA…")
            .put("tools", new JsonArray().add(new JsonObject().put("name", "capture_lead")));
    event(
        "response.created", new JsonObject().put("type", "response.created").put("response", echo));
    event(
        "response.in_progress",
        new JsonObject().put("type", "response.in_progress").put("response", echo));
    event(
        "response.content_part.added",
        new JsonObject()
            .put("type", "response.content_part.added")
            .put("part", new JsonObject().put("type", "output_text")));
    assertThat(said).isEmpty();
    event(
        "response.function_call_arguments.delta",
        new JsonObject()
            .put("type", "response.function_call_arguments.delta")
            .put("item_id", "fc_1")
            .put("delta", "{\"na"));
    assertThat(said).containsExactly("output");
    event("response.completed", completed("Hola"));
    assertThat(said).containsExactly("output", "completed");
  }
}
