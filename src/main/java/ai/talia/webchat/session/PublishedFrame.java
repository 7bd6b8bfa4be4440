package ai.talia.webchat.session;

import ai.talia.webchat.bus.JsonRecordCodec;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * A frame as it travels on {@code webchat.session.<id>.frames}: its wire text, encoded once by the
 * publisher, with the two things a socket decides by — its {@code type} and, for a stored message
 * ({@code message}, {@code reply.completed}), that message's {@code seq} ({@code -1} otherwise).
 * Every socket of the session writes {@link #json} as it is. Its codec (registered by {@link
 * #register} on every node) passes it by reference within one JVM and, across a clustered event
 * bus, as the type, the seq and the text's UTF-8 bytes.
 */
public record PublishedFrame(String type, long seq, String json) {

  /** What {@code frame} publishes. */
  public static PublishedFrame of(ServerFrame frame) {
    long seq = -1;
    if (frame instanceof ServerFrame.Message m) seq = m.message().getLong("seq", -1L);
    else if (frame instanceof ServerFrame.ReplyCompleted c) seq = c.message().getLong("seq", -1L);
    return new PublishedFrame(frame.type(), seq, frame.encode());
  }

  /** A gateway-internal frame (never relayed as it is), e.g. {@link SessionFrames#ERASED}. */
  static PublishedFrame internal(String type) {
    return new PublishedFrame(type, -1, new JsonObject().put("type", type).encode());
  }

  /** Registers the codec; harmless when already done. */
  public static void register(Vertx vertx) {
    JsonRecordCodec.register(
        vertx,
        JsonRecordCodec.wire(
            "talia-published-frame",
            PublishedFrame.class,
            PublishedFrame::encodeToWire,
            PublishedFrame::decodeFromWire));
  }

  /** Not re-encoded as a JSON object: the text goes as it is, after the type and the seq. */
  private static void encodeToWire(Buffer buffer, PublishedFrame frame) {
    byte[] type = frame.type().getBytes(StandardCharsets.UTF_8);
    byte[] json = frame.json().getBytes(StandardCharsets.UTF_8);
    buffer
        .appendInt(type.length)
        .appendBytes(type)
        .appendLong(frame.seq())
        .appendInt(json.length)
        .appendBytes(json);
  }

  private static PublishedFrame decodeFromWire(int pos, Buffer buffer) {
    int typeLength = buffer.getInt(pos);
    String type = buffer.getString(pos + 4, pos + 4 + typeLength, "UTF-8");
    int at = pos + 4 + typeLength;
    long seq = buffer.getLong(at);
    int jsonLength = buffer.getInt(at + 8);
    String json = buffer.getString(at + 12, at + 12 + jsonLength, "UTF-8");
    return new PublishedFrame(type, seq, json);
  }
}
