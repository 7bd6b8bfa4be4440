package ai.talia.webchat.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The codec of a record that travels on addresses a clustered event bus may route to another node
 * (unlike {@link LocalCodec}): within one JVM it passes the record by reference; on the cluster
 * wire it is, as {@link #json} builds it, the record's JSON object as UTF-8 text after its length
 * in bytes (a 4-byte int), or, as {@link #wire} builds it, whatever layout the record writes
 * itself. Each record supplies only its name on the wire and its field mapping; the name and the
 * layout are what a node of another version decodes by, so neither may change.
 */
public class JsonRecordCodec<T> implements MessageCodec<T, T> {

  /** Appends the wire form of {@code value} to {@code buffer}. */
  @FunctionalInterface
  public interface Encoder<T> {
    void encode(Buffer buffer, T value);
  }

  /** Reads back, from {@code pos} in {@code buffer}, what an {@link Encoder} appended. */
  @FunctionalInterface
  public interface Decoder<T> {
    T decode(int pos, Buffer buffer);
  }

  private final String name;
  private final Class<T> type;
  private final Encoder<T> encoder;
  private final Decoder<T> decoder;

  /** A codec whose wire form is {@code toJson}'s object, read back with {@code fromJson}. */
  protected JsonRecordCodec(
      String name,
      Class<T> type,
      Function<? super T, JsonObject> toJson,
      Function<JsonObject, ? extends T> fromJson) {
    this(
        name,
        type,
        (buffer, value) -> appendJson(buffer, toJson.apply(value)),
        (pos, buffer) -> fromJson.apply(readJson(pos, buffer)));
  }

  /** A codec whose wire form {@code encoder} writes and {@code decoder} reads. */
  protected JsonRecordCodec(String name, Class<T> type, Encoder<T> encoder, Decoder<T> decoder) {
    this.name = name;
    this.type = type;
    this.encoder = encoder;
    this.decoder = decoder;
  }

  /** The codec named {@code name} that carries a {@code type} as its JSON object. */
  public static <T> JsonRecordCodec<T> json(
      String name,
      Class<T> type,
      Function<? super T, JsonObject> toJson,
      Function<JsonObject, ? extends T> fromJson) {
    return new JsonRecordCodec<>(name, type, toJson, fromJson);
  }

  /** The codec named {@code name} that carries a {@code type} in a layout of its own. */
  public static <T> JsonRecordCodec<T> wire(
      String name, Class<T> type, Encoder<T> encoder, Decoder<T> decoder) {
    return new JsonRecordCodec<>(name, type, encoder, decoder);
  }

  /**
   * Registers {@code codec} as the default for its type; harmless when that type (or a codec of
   * that name) is already registered.
   */
  public static synchronized <T> void register(Vertx vertx, JsonRecordCodec<T> codec) {
    try {
      vertx.eventBus().registerDefaultCodec(codec.type, codec);
    } catch (IllegalStateException alreadyRegistered) {
      // Another verticle of this Vert.x instance registered it first.
    }
  }

  private static void appendJson(Buffer buffer, JsonObject json) {
    byte[] bytes = json.encode().getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  private static JsonObject readJson(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return new JsonObject(
        buffer.getString(pos + 4, pos + 4 + length, StandardCharsets.UTF_8.name()));
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    encoder.encode(buffer, value);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    return decoder.decode(pos, buffer);
  }

  /** Within one JVM: the record itself, by reference. */
  @Override
  public T transform(T value) {
    return value;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
