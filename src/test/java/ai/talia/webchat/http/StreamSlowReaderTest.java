package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.StreamClient;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A socket that stops reading is cut once its bounded write queue is full (close 4429), instead of
 * the gateway buffering without bound; it then resumes from its last seq and misses nothing.
 */
class StreamSlowReaderTest {
  private static final String ALPHABET =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Text that per-message compression cannot shrink much, so the socket really carries it. */
  private static String noise(int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    return sb.toString();
  }

  @Test
  void
      a_reader_that_stops_reading_is_disconnected_after_a_bounded_buffer_and_resumes_without_loss() {
    try (RunningGateway gateway =
        RunningGateway.start(
            TestDatabases.Kind.EMBEDDED,
            c ->
                c.with(ConfigKeys.STREAM_WRITE_QUEUE_MAX_BYTES, 16 * 1024)
                    .with(ConfigKeys.LIMITS_SESSION_RATE_CAPACITY, 100_000)
                    .with(ConfigKeys.LIMITS_IP_RATE_CAPACITY, 100_000)
                    .with(ConfigKeys.LIMITS_SESSION_QUEUE_MAX, 100_000)
                    .with(ConfigKeys.LIMITS_SESSION_MAX_TURNS, 100_000))) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      StreamClient slow =
          StreamClient.connect(
              gateway.port(), null, new WebSocketClientOptions().setReceiveBufferSize(4096));
      slow.hello(s.id(), s.token(), 0);
      slow.until(StreamClient.type("ready"));
      slow.pause();

      int sent = 0;
      while (!api.get("/metrics")
          .body()
          .contains("talia_stream_closed_by_gateway_total{code=\"4429\"} 1.0")) {
        assertThat(sent).as("the slow socket was never cut").isLessThan(3_000);
        for (int i = 0; i < 50; i++, sent++) {
          Api.Reply r = api.sayAsync(s, noise(3_900), UUID.randomUUID().toString());
          assertThat(r.status()).as(r.body()).isEqualTo(202);
        }
      }

      slow.resume();
      assertThat(slow.awaitClose()).isEqualTo((short) 4429);
      TreeSet<Long> seen = new TreeSet<>();
      slow.drain();
      collectSeqs(slow.seen(), seen);
      // It was cut well before the end: the gateway did not buffer everything for it.
      long before = seen.isEmpty() ? 0 : seen.last();

      // Wait for every queued turn to finish, then resume from the last seq it saw.
      long lastSeq = awaitAllAnswered(api, s, sent);
      assertThat(before).isLessThan(lastSeq);
      try (StreamClient again = StreamClient.connect(gateway.port(), null)) {
        again.hello(s.id(), s.token(), before);
        JsonObject ready = again.until(StreamClient.type("ready")).get(0);
        assertThat(ready.getLong("last_seq")).isEqualTo(lastSeq);
        TreeSet<Long> resumed = new TreeSet<>();
        while (resumed.isEmpty() || resumed.last() < lastSeq) collectSeq(again.next(), resumed);
        assertThat(resumed.first()).isEqualTo(before + 1);
        assertThat(resumed)
            .containsExactlyElementsOf(
                LongStream.rangeClosed(before + 1, lastSeq).boxed().toList());
      }
      slow.close();
    }
  }

  private static long awaitAllAnswered(Api api, Api.Session s, int sent) {
    for (int i = 0; i < 600; i++) {
      JsonObject last =
          api.request(
                  "GET",
                  "/api/webchat/history/" + s.id() + "?after_seq=" + (2L * sent - 1) + "&limit=10")
              .bearer(s.token())
              .send()
              .json();
      if (!last.getJsonArray("messages").isEmpty()) return 2L * sent;
      sleep(100);
    }
    throw new AssertionError("the queued turns did not finish");
  }

  private static void collectSeqs(List<JsonObject> frames, Set<Long> into) {
    frames.forEach(f -> collectSeq(f, into));
  }

  private static void collectSeq(JsonObject frame, Set<Long> into) {
    JsonObject message = frame.getJsonObject("message");
    if (message != null
        && ("message".equals(frame.getString("type"))
            || "reply.completed".equals(frame.getString("type")))) {
      into.add(message.getLong("seq"));
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
