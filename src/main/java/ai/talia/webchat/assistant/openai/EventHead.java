package ai.talia.webchat.assistant.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.DecodeException;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The members of a Responses stream event that say what it is and, for a text delta ({@code
 * response.output_text.delta}, {@code response.refusal.delta}), all that a turn needs — {@code
 * type}, {@code item_id}, {@code delta} — read in one streaming pass over the event's JSON, with no
 * object built for it: there is one such event per delta. The whole text is still read and checked:
 * malformed JSON, or anything after the object, fails as {@code new JsonObject(data)} would. An
 * event of another shape (not an object, a non-string member) answers null, and the caller reads it
 * whole, with the same outcome as before.
 */
record EventHead(@Nullable String type, @Nullable String itemId, @Nullable String delta) {
  private static final JsonFactory JSON = new JsonFactory();

  static @Nullable EventHead read(String data) {
    String type = null;
    String itemId = null;
    String delta = null;
    try (JsonParser parser = JSON.createParser(data)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) return null;
      for (JsonToken token = parser.nextToken();
          token == JsonToken.FIELD_NAME;
          token = parser.nextToken()) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        boolean wanted = "type".equals(name) || "item_id".equals(name) || "delta".equals(name);
        if (!wanted) {
          parser.skipChildren();
          continue;
        }
        if (value != JsonToken.VALUE_STRING) return null;
        switch (name) {
          case "type" -> type = parser.getText();
          case "item_id" -> itemId = parser.getText();
          default -> delta = parser.getText();
        }
      }
      if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null)
        throw new DecodeException("not one JSON object");
    } catch (IOException e) {
      throw new DecodeException("Failed to decode: " + e.getMessage(), e);
    }
    return new EventHead(type, itemId, delta);
  }
}
