package ai.talia.webchat.fakeopenai;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Writes a prepared list of server-sent events, applying a {@link FakeReply}'s timing (first-token
 * and per-token delays) and misbehaviour (end, reset, stall or an error event after k deltas).
 */
final class EventStreamWriter {

  /**
   * One event: {@code event} null for Chat Completions' data-only lines; deltas count for k;
   * terminal ends the stream; {@code delayMs} of silence before it (a reasoning model thinking).
   */
  record Emission(String event, String data, boolean delta, boolean terminal, long delayMs) {
    Emission(String event, String data, boolean delta, boolean terminal) {
      this(event, data, delta, terminal, 0);
    }
  }

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final FakeReply reply;
  private final IntFunction<Emission> errorEvent;
  private final Runnable onDone;
  private List<Emission> emissions;
  private int next;
  private int deltasSent;
  private boolean finished;

  EventStreamWriter(
      Vertx vertx,
      HttpServerResponse response,
      FakeReply reply,
      IntFunction<Emission> errorEvent,
      Runnable onDone) {
    this.vertx = vertx;
    this.response = response;
    this.reply = reply;
    this.errorEvent = errorEvent;
    this.onDone = onDone;
    response.closeHandler(
        v -> {
          if (!wroteAll() && reply.timing != null) reply.timing.closedByClient();
          done();
        });
  }

  void start(List<Emission> events) {
    this.emissions = events;
    response
        .setChunked(true)
        .setStatusCode(200)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache");
    writeNext();
  }

  /** Whether every prepared event was sent (the stream ended normally). */
  boolean wroteAll() {
    return emissions != null && next >= emissions.size();
  }

  /** How many of the prepared events were sent. */
  int sent() {
    return next;
  }

  private void writeNext() {
    if (finished || response.closed()) {
      done();
      return;
    }
    if (next >= emissions.size()) {
      response.end();
      if (reply.timing != null) reply.timing.ended();
      done();
      return;
    }
    Emission emission = emissions.get(next);
    if (emission.delta() || emission.terminal()) {
      if (deltasSent == reply.endAfterDeltas) {
        response.end();
        done();
        return;
      }
      if (deltasSent == reply.resetAfterDeltas) {
        response.reset();
        done();
        return;
      }
      if (deltasSent == reply.stallAfterDeltas) {
        return; // keep the connection open, send nothing more
      }
      if (deltasSent == reply.errorAfterDeltas) {
        write(errorEvent.apply(next));
        response.end();
        done();
        return;
      }
    }
    long delay =
        emission.delayMs()
            + (emission.delta()
                ? (deltasSent == 0 ? reply.firstTokenDelayMs : reply.perTokenDelayMs)
                : 0);
    if (delay > 0) {
      waitThen(delay, () -> send(emission));
    } else {
      send(emission);
    }
  }

  /** Waits, sending keep-alive comments meanwhile when the reply asks for them. */
  private void waitThen(long delay, Runnable then) {
    long every = reply.keepAliveEveryMs;
    if (every <= 0 || every >= delay) {
      vertx.setTimer(delay, id -> then.run());
      return;
    }
    vertx.setTimer(
        every,
        id -> {
          if (finished || response.closed()) {
            done();
            return;
          }
          response.write(": keep-alive\n\n");
          waitThen(delay - every, then);
        });
  }

  private void send(Emission emission) {
    if (finished || response.closed()) {
      done();
      return;
    }
    if (reply.keepAlive) response.write(": keep-alive\n\n");
    write(emission);
    if (emission.delta() && reply.timing != null) reply.timing.firstDeltaWritten();
    if (emission.delta()) deltasSent++;
    next++;
    writeNext();
  }

  private void write(Emission emission) {
    String text =
        (emission.event() == null ? "" : "event: " + emission.event() + "\n")
            + "data: "
            + emission.data()
            + "\n\n";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (reply.fragmentBytes <= 0) {
      response.write(Buffer.buffer(bytes));
      return;
    }
    for (int i = 0; i < bytes.length; i += reply.fragmentBytes) {
      response.write(
          Buffer.buffer().appendBytes(bytes, i, Math.min(reply.fragmentBytes, bytes.length - i)));
    }
  }

  private void done() {
    if (finished) return;
    finished = true;
    onDone.run();
  }
}
