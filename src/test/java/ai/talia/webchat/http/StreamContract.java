package ai.talia.webchat.http;

import static ai.talia.webchat.support.StreamClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.StreamClient;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** /api/webchat/stream with real WebSocket clients against the real gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StreamContract {
  private RunningGateway gateway;
  private Api api;

  abstract TestDatabases.Kind kind();

  @BeforeAll
  void start() {
    // Replies are streamed slowly enough that a socket can drop in the middle of one.
    gateway =
        RunningGateway.start(
            kind(),
            c ->
                c.with(ConfigKeys.SCRIPTED_CHUNK_DELAY_MS, 15)
                    .with(ConfigKeys.STREAM_HELLO_TIMEOUT_SECONDS, 1)
                    .with(
                        ConfigKeys.WEBCHAT_ALLOWED_ORIGINS,
                        new JsonArray().add("https://landing.example"))
                    .with(ConfigKeys.LIMITS_SESSION_RATE_CAPACITY, 1000)
                    .with(ConfigKeys.LIMITS_IP_RATE_CAPACITY, 10_000));
    api = new Api(gateway.baseUrl());
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  private StreamClient connect() {
    return StreamClient.connect(gateway.port(), "https://landing.example");
  }

  private static JsonObject say(String content) {
    return new JsonObject()
        .put("type", "message")
        .put("content", content)
        .put("client_message_id", UUID.randomUUID().toString());
  }

  private static JsonObject last(List<JsonObject> frames) {
    return frames.get(frames.size() - 1);
  }

  private static List<Long> seqs(List<JsonObject> frames) {
    List<Long> out = new ArrayList<>();
    for (JsonObject f : frames) {
      if ("message".equals(f.getString("type")) || "reply.completed".equals(f.getString("type"))) {
        out.add(f.getJsonObject("message").getLong("seq"));
      }
    }
    return out;
  }

  @Test
  void hello_answers_ready_then_replays_what_was_stored_after_resume_after_seq() {
    Api.Session s = api.consentedSession("es");
    api.say(s, "Hola");
    api.say(s, "¿Qué precio tiene?");
    try (StreamClient socket = connect()) {
      socket.hello(s.id(), s.token(), 1);
      JsonObject ready = socket.next();
      assertThat(ready.getString("type")).isEqualTo("ready");
      assertThat(ready.getString("session_id")).isEqualTo(s.id());
      assertThat(ready.getLong("last_seq")).isEqualTo(4);
      List<JsonObject> replay = List.of(socket.next(), socket.next(), socket.next());
      assertThat(seqs(replay)).containsExactly(2L, 3L, 4L);
      assertThat(replay.get(1).getJsonObject("message").getString("content"))
          .isEqualTo("¿Qué precio tiene?");
      socket.send(new JsonObject().put("type", "ping"));
      assertThat(socket.next().getString("type")).isEqualTo("pong");
    }
  }

  @Test
  void a_message_over_the_socket_streams_typing_deltas_and_the_completed_reply() {
    Api.Session s = api.consentedSession("es");
    try (StreamClient socket = connect()) {
      socket.hello(s.id(), s.token(), 0);
      assertThat(socket.next().getString("type")).isEqualTo("ready");
      JsonObject frame = say("Hola");
      socket.send(frame);
      List<JsonObject> frames = socket.until(type("reply.completed"));
      assertThat(frames.get(0).getString("type")).isEqualTo("message");
      assertThat(frames.get(0).getJsonObject("message").getString("client_message_id"))
          .isEqualTo(frame.getString("client_message_id"));
      assertThat(frames).anyMatch(f -> "typing".equals(f.getString("type")) && f.getBoolean("on"));
      StringBuilder streamed = new StringBuilder();
      frames.stream()
          .filter(type("reply.delta"))
          .forEach(f -> streamed.append(f.getString("delta")));
      assertThat(frames.stream().filter(type("reply.delta")).count()).isGreaterThan(1);
      JsonObject completed = frames.get(frames.size() - 1).getJsonObject("message");
      assertThat(streamed.toString()).isEqualTo(completed.getString("content"));
      assertThat(
              frames.stream()
                  .filter(type("reply.delta"))
                  .map(f -> f.getString("reply_id"))
                  .distinct()
                  .toList())
          .containsExactly(completed.getString("id"));

      // The same client_message_id again: no second row, no second turn.
      socket.send(frame);
      socket.send(new JsonObject().put("type", "ping"));
      assertThat(socket.until(type("pong"))).noneMatch(type("message"));
      assertThat(api.history(s).json().getJsonArray("messages")).hasSize(2);
    }
  }

  @Test
  void every_socket_of_a_session_gets_every_frame_including_replies_to_rest_posts() {
    Api.Session s = api.consentedSession("es");
    try (StreamClient tab1 = connect();
        StreamClient tab2 = connect()) {
      tab1.hello(s.id(), s.token(), 0);
      tab2.hello(s.id(), s.token(), 0);
      tab1.next();
      tab2.next();
      tab1.send(say("Hola"));
      List<JsonObject> first1 = tab1.until(type("reply.completed"));
      List<JsonObject> first2 = tab2.until(type("reply.completed"));
      assertThat(seqs(first1)).containsExactly(1L, 2L);
      assertThat(seqs(first2)).containsExactly(1L, 2L);

      Api.Reply rest = api.say(s, "¿Cuál es el horario?");
      assertThat(rest.status()).isEqualTo(200);
      assertThat(seqs(tab1.until(type("reply.completed")))).containsExactly(3L, 4L);
      assertThat(seqs(tab2.until(type("reply.completed")))).containsExactly(3L, 4L);
    }
  }

  @Test
  void a_socket_dropped_mid_reply_resumes_without_losing_or_repeating_a_message() throws Exception {
    Api.Session s = api.consentedSession("es");
    Set<Long> received = new HashSet<>();
    List<Long> order = new ArrayList<>();
    long lastSeq;
    StreamClient first = connect();
    first.hello(s.id(), s.token(), 0);
    first.next();
    first.send(say("Hola, ¿qué es TalIA?"));
    // Read the stored user message and a few deltas, then lose the connection mid-reply.
    List<JsonObject> before = first.until(f -> "reply.delta".equals(f.getString("type")));
    for (Long seq : seqs(before)) {
      assertThat(received.add(seq)).isTrue();
      order.add(seq);
    }
    lastSeq = order.get(order.size() - 1);
    first.drop();

    // Meanwhile more is said over REST.
    api.say(s, "¿Y cuánto cuesta?");

    try (StreamClient again = connect()) {
      again.hello(s.id(), s.token(), lastSeq);
      JsonObject ready = again.next();
      assertThat(ready.getLong("last_seq")).isGreaterThanOrEqualTo(4);
      while (received.size() < 4) {
        JsonObject frame = again.next();
        for (Long seq : seqs(List.of(frame))) {
          assertThat(received.add(seq)).as("seq %d sent twice", seq).isTrue();
          order.add(seq);
        }
      }
      assertThat(order).containsExactly(1L, 2L, 3L, 4L);
      JsonArray history = api.history(s).json().getJsonArray("messages");
      assertThat(history).hasSize(4);
    }
  }

  /**
   * A client that saw a reply begin before it dropped learns at the reconnect whether that reply is
   * still being written ({@code ready.reply_id}, then the reply so far) or ended meanwhile.
   */
  @Test
  void ready_names_the_reply_being_written_and_only_while_it_is() {
    try (RunningGateway slow =
        RunningGateway.start(
            kind(),
            c ->
                c.with(ConfigKeys.SCRIPTED_CHUNK_DELAY_MS, 250)
                    .with(
                        ConfigKeys.WEBCHAT_ALLOWED_ORIGINS,
                        new JsonArray().add("https://landing.example")))) {
      Api slowApi = new Api(slow.baseUrl());
      Api.Session s = slowApi.consentedSession("es");
      try (StreamClient first = StreamClient.connect(slow.port(), "https://landing.example")) {
        first.hello(s.id(), s.token(), 0);
        first.next();
        first.send(say("Hola"));
        JsonObject delta = last(first.until(f -> "reply.delta".equals(f.getString("type"))));
        String replyId = delta.getString("reply_id");

        try (StreamClient joining = StreamClient.connect(slow.port(), "https://landing.example")) {
          joining.hello(s.id(), s.token(), 1);
          JsonObject ready = joining.next();
          assertThat(ready.getString("reply_id")).isEqualTo(replyId);
          assertThat(joining.next().getString("type")).isEqualTo("typing");
          JsonObject sofar = joining.next();
          assertThat(sofar.getString("reply_id")).isEqualTo(replyId);
          assertThat(sofar.getString("delta")).startsWith(delta.getString("delta"));
          JsonObject completed =
              last(joining.until(f -> "reply.completed".equals(f.getString("type"))));
          assertThat(completed.getJsonObject("message").getString("id")).isEqualTo(replyId);
        }
        try (StreamClient after = StreamClient.connect(slow.port(), "https://landing.example")) {
          after.hello(s.id(), s.token(), 1);
          JsonObject ready = after.next();
          assertThat(ready.getLong("last_seq")).isEqualTo(2);
          assertThat(ready.containsKey("reply_id")).isFalse();
        }
      }
    }
  }

  @Test
  void a_disallowed_origin_gets_no_upgrade() {
    assertThatThrownBy(() -> StreamClient.connect(gateway.port(), "https://evil.example"))
        .isNotNull();
    try (StreamClient ok = connect()) {
      ok.send(new JsonObject().put("type", "ping"));
      assertThat(ok.next().getString("type")).isEqualTo("pong");
    }
  }

  @Test
  void a_wrong_token_gets_an_error_and_a_close_and_never_data() {
    Api.Session s = api.consentedSession("es");
    api.say(s, "Mi secreto");
    try (StreamClient socket = connect()) {
      socket.hello(s.id(), "wrong-token", 0);
      JsonObject error = socket.next();
      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getString("code")).isEqualTo("unauthorized");
      assertThat(socket.awaitClose()).isEqualTo(StreamCloseCodes.UNAUTHORIZED);
      assertThat(socket.drain()).noneMatch(f -> f.encode().contains("Mi secreto"));
    }
    try (StreamClient socket = connect()) {
      socket.send(say("hola sin hello"));
      assertThat(socket.next().getString("code")).isEqualTo("unauthorized");
      assertThat(socket.awaitClose()).isEqualTo(StreamCloseCodes.PROTOCOL_ERROR);
    }
  }

  @Test
  void broken_frames_get_an_error_or_a_policy_close_and_the_gateway_keeps_serving() {
    Api.Session s = api.consentedSession("es");
    try (StreamClient socket = connect()) {
      socket.hello(s.id(), s.token(), 0);
      socket.next();
      socket.sendText("this is not json");
      assertThat(socket.next().getString("code")).isEqualTo("invalid_json");
      socket.send(new JsonObject().put("type", "dance"));
      assertThat(socket.next().getString("code")).isEqualTo("unknown_type");
      socket.send(new JsonObject().put("type", "message").put("content", ""));
      JsonObject invalid = socket.next();
      assertThat(invalid.getString("code")).isEqualTo("validation_failed");
      assertThat(invalid.getJsonArray("errors").getJsonObject(0).getString("field"))
          .isEqualTo("content");
      socket.send(new JsonObject().put("type", "ping"));
      assertThat(socket.next().getString("type")).isEqualTo("pong");
      socket.sendBinary(new byte[] {1, 2, 3});
      assertThat(socket.awaitClose()).isEqualTo(StreamCloseCodes.UNSUPPORTED_DATA);
    }
    try (StreamClient socket = connect()) {
      socket.hello(s.id(), s.token(), 0);
      socket.next();
      socket.sendText("{\"type\":\"message\",\"content\":\"" + "x".repeat(40 * 1024) + "\"}");
      assertThat(socket.awaitClose()).isEqualTo(StreamCloseCodes.TOO_BIG);
    }
    assertThat(api.say(s, "¿Sigues ahí?").status()).isEqualTo(200);
  }

  @Test
  void a_socket_that_never_says_hello_is_closed() {
    try (StreamClient socket = connect()) {
      assertThat(socket.awaitClose()).isEqualTo(StreamCloseCodes.HELLO_TIMEOUT);
    }
  }

  @Test
  void consent_required_over_the_socket() {
    Api.Session s = api.newSession("es");
    try (StreamClient socket = connect()) {
      socket.hello(s.id(), s.token(), 0);
      socket.next();
      socket.send(say("Hola"));
      assertThat(socket.next().getString("type")).isEqualTo("consent.required");
      assertThat(socket.next().getString("code")).isEqualTo("consent_required");
    }
  }
}
