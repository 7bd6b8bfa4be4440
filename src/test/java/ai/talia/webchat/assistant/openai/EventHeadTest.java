package ai.talia.webchat.assistant.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A text delta event read in one pass reads as the whole object would, and fails as it fails. */
class EventHeadTest {
  @Test
  void a_delta_reads_as_the_whole_object_has_it_escapes_and_all() {
    JsonObject event =
        new JsonObject()
            .put("type", "response.output_text.delta")
            .put("sequence_number", 7)
            .put("item_id", "msg_1")
            .put("output_index", 0)
            .put("content_index", 0)
            .put("delta", "ñ \"q\" \\ \u0001\n\u2028😀 </script>")
            .put("logprobs", new JsonArray().add(new JsonObject().put("delta", "not this one")))
            .put("obfuscation", new JsonObject().put("type", "nested, not the event's"));
    EventHead read = EventHead.read(event.encode());
    assertThat(read)
        .isEqualTo(
            new EventHead(
                event.getString("type"), event.getString("item_id"), event.getString("delta")));
  }

  @Test
  void the_last_of_a_repeated_member_counts_as_in_the_whole_object() {
    String data = "{\"delta\":\"a\",\"delta\":\"b\"}";
    assertThat(EventHead.read(data).delta()).isEqualTo(new JsonObject(data).getString("delta"));
  }

  @Test
  void absent_members_are_null() {
    assertThat(EventHead.read("{}")).isEqualTo(new EventHead(null, null, null));
  }

  @Test
  void another_shape_is_left_to_the_whole_object_reading() {
    assertThat(EventHead.read("[1]")).isNull();
    assertThat(EventHead.read("\"text\"")).isNull();
    assertThat(EventHead.read("{\"delta\":42}")).isNull();
    assertThat(EventHead.read("{\"delta\":null}")).isNull();
    assertThat(EventHead.read("{\"type\":{\"a\":1}}")).isNull();
    assertThat(EventHead.read("{\"item_id\":[\"x\"]}")).isNull();
  }

  @Test
  void malformed_json_fails_as_the_whole_object_fails() {
    for (String bad :
        new String[] {
          "",
          "{",
          "{\"delta\":\"open",
          "{\"delta\":\"a\"} trailing",
          "{\"delta\":\"a\"}{}",
          "{\"delta\":\"a\",}",
          "{delta:\"a\"}",
          "{\"x\":[1,2}",
          "{\"delta\":\"bad \\q escape\"}"
        }) {
      assertThatThrownBy(() -> new JsonObject(bad)).as(bad).isInstanceOf(DecodeException.class);
      // Either it fails the same way here, or it is left to the whole reading, which fails.
      EventHead read;
      try {
        read = EventHead.read(bad);
      } catch (DecodeException expected) {
        continue;
      }
      assertThat(read).as(bad).isNull();
    }
  }
}
