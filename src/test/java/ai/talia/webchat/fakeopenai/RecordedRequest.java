package ai.talia.webchat.fakeopenai;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * A request the fake received: method, path, headers and body (null when it was not a JSON object).
 */
public record RecordedRequest(
    String method, String path, MultiMap headers, JsonObject body, String rawBody) {

  public String header(String name) {
    return headers.get(name);
  }

  public boolean is(String method, String path) {
    return this.method.equals(method) && this.path.equals(path);
  }
}
