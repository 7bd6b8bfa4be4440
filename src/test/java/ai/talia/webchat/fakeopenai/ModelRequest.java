package ai.talia.webchat.fakeopenai;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a model call asked, as the scripted model sees it: which API, the raw body, the instructions
 * (Responses {@code instructions} or the system message), the visitor's latest text in this call's
 * input (null when the input was only tool results), the tool outputs sent, and when the request
 * reached the fake ({@link System#nanoTime()}, before it read the body, parsed and checked it).
 */
public record ModelRequest(
    String api,
    JsonObject body,
    String instructions,
    String userText,
    List<String> toolOutputs,
    long arrivedAt) {}
