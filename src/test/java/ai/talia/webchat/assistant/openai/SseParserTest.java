package ai.talia.webchat.assistant.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SseParserTest {

  /**
   * Several events with every kind of line ending, comments, multi-line data and multi-byte
   * characters.
   */
  private static final String STREAM =
      "\uFEFF: opening comment\r\n"
          + "event: response.created\r\n"
          + "data: {\"type\":\"response.created\",\"sequence_number\":0}\r\n"
          + "\r\n"
          + ": keep-alive\n\n"
          + "event: response.output_text.delta\n"
          + "data: {\"delta\":\"¡Hola, señor! 👋 ñandú 日本\"}\n"
          + "\n"
          + "retry: 1000\r"
          + "id: 42\r"
          + "data: first line\r"
          + "data:second line without space\r"
          + "data:  two spaces\r"
          + "\r"
          + "unknown-field: ignored\n"
          + "event: response.completed\n"
          + "data: {\"text\":\"€ and 😀\"}\n\n";

  private static final List<SseEvent> EXPECTED =
      List.of(
          new SseEvent(
              "response.created", "{\"type\":\"response.created\",\"sequence_number\":0}", null),
          new SseEvent(
              "response.output_text.delta", "{\"delta\":\"¡Hola, señor! 👋 ñandú 日本\"}", null),
          new SseEvent("message", "first line\nsecond line without space\n two spaces", "42"),
          new SseEvent("response.completed", "{\"text\":\"€ and 😀\"}", "42"));

  @Test
  void parses_a_whole_stream_in_one_chunk() {
    Recorder r = new Recorder();
    r.parser.feed(bytes(STREAM));
    assertThat(r.events).containsExactlyElementsOf(EXPECTED);
    assertThat(r.comments).containsExactly(" opening comment", " keep-alive");
    assertThat(r.parser.finish()).isFalse();
  }

  @Test
  void gives_the_same_events_whatever_byte_the_stream_is_split_at() {
    byte[] all = bytes(STREAM);
    for (int cut = 0; cut <= all.length; cut++) {
      Recorder r = new Recorder();
      r.parser.feed(Arrays.copyOfRange(all, 0, cut));
      r.parser.feed(Arrays.copyOfRange(all, cut, all.length));
      assertThat(r.events).as("split at byte %d", cut).containsExactlyElementsOf(EXPECTED);
      assertThat(r.comments)
          .as("split at byte %d", cut)
          .containsExactly(" opening comment", " keep-alive");
    }
  }

  @Test
  void gives_the_same_events_at_every_pair_of_split_points() {
    byte[] all = bytes(STREAM);
    for (int a = 0; a <= all.length; a += 3) {
      for (int b = a; b <= all.length; b += 2) {
        Recorder r = new Recorder();
        r.parser.feed(Arrays.copyOfRange(all, 0, a));
        r.parser.feed(Arrays.copyOfRange(all, a, b));
        r.parser.feed(Arrays.copyOfRange(all, b, all.length));
        assertThat(r.events).as("split at %d and %d", a, b).containsExactlyElementsOf(EXPECTED);
      }
    }
  }

  @Test
  void survives_one_byte_at_a_time_and_random_chunking() {
    byte[] all = bytes(STREAM);
    Recorder oneByOne = new Recorder();
    for (byte b : all) oneByOne.parser.feed(new byte[] {b});
    assertThat(oneByOne.events).containsExactlyElementsOf(EXPECTED);

    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      Recorder r = new Recorder();
      int at = 0;
      while (at < all.length) {
        int size = 1 + random.nextInt(9);
        r.parser.feed(all, at, Math.min(size, all.length - at));
        at += size;
      }
      assertThat(r.events).containsExactlyElementsOf(EXPECTED);
    }
  }

  @Test
  void keeps_multi_byte_characters_split_across_chunks_whole() {
    String text = "data: ñ€😀日\n\n";
    byte[] all = bytes(text);
    // "ñ" is 2 bytes, "€" 3 and "😀" 4: cut inside each of them.
    for (int cut = 7; cut < all.length - 2; cut++) {
      Recorder r = new Recorder();
      r.parser.feed(Arrays.copyOfRange(all, 0, cut));
      r.parser.feed(Arrays.copyOfRange(all, cut, all.length));
      assertThat(r.events).extracting(SseEvent::data).containsExactly("ñ€😀日");
    }
  }

  @Test
  void a_cr_and_lf_in_different_chunks_end_one_line_only() {
    Recorder r = new Recorder();
    r.parser.feed(bytes("data: a\r"));
    r.parser.feed(bytes("\ndata: b\r"));
    r.parser.feed(bytes("\n\r"));
    r.parser.feed(bytes("\n"));
    assertThat(r.events).containsExactly(new SseEvent("message", "a\nb", null));
  }

  @Test
  void lone_cr_and_lone_lf_both_end_lines() {
    Recorder r = new Recorder();
    r.parser.feed(bytes("data: x\r\rdata: y\n\ndata: z\r\n\r\n"));
    assertThat(r.events).extracting(SseEvent::data).containsExactly("x", "y", "z");
  }

  @Test
  void comments_and_keep_alives_are_not_events() {
    Recorder r = new Recorder();
    r.parser.feed(bytes(":\n\n: ping\n\n:keep-alive\r\n\r\n"));
    assertThat(r.events).isEmpty();
    assertThat(r.comments).containsExactly("", " ping", "keep-alive");
  }

  @Test
  void an_event_without_data_is_not_dispatched_and_the_type_does_not_leak() {
    Recorder r = new Recorder();
    r.parser.feed(bytes("event: lonely\n\ndata: next\n\n"));
    assertThat(r.events).containsExactly(new SseEvent("message", "next", null));
  }

  @Test
  void a_data_field_without_colon_is_an_empty_line_of_data() {
    Recorder r = new Recorder();
    r.parser.feed(bytes("data\n\ndata\ndata\n\n"));
    assertThat(r.events).extracting(SseEvent::data).containsExactly("", "\n");
  }

  @Test
  void an_unfinished_event_at_the_end_of_the_stream_is_dropped() {
    Recorder r = new Recorder();
    r.parser.feed(bytes("data: complete\n\ndata: half"));
    assertThat(r.parser.finish()).isTrue();
    assertThat(r.events).extracting(SseEvent::data).containsExactly("complete");
  }

  @Test
  void chat_completions_style_data_only_lines_and_done() {
    Recorder r = new Recorder();
    r.parser.feed(bytes("data: {\"choices\":[]}\n\ndata: [DONE]\n\n"));
    assertThat(r.events).extracting(SseEvent::type).containsOnly("message");
    assertThat(r.events).extracting(SseEvent::data).containsExactly("{\"choices\":[]}", "[DONE]");
  }

  @Test
  void refuses_a_line_longer_than_the_limit() {
    SseParser parser = new SseParser(e -> {}, c -> {}, 16);
    assertThatThrownBy(() -> parser.feed(bytes("data: 0123456789abcdef\n")))
        .isInstanceOf(SseParser.SseParseException.class);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static final class Recorder {
    final List<SseEvent> events = new ArrayList<>();
    final List<String> comments = new ArrayList<>();
    final SseParser parser = new SseParser(events::add, comments::add);
  }
}
