package ai.talia.webchat.fakeopenai;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a model call asked, as the scripted model sees it: which API, the raw body, the instructions
 * (Responses {@code instructions} or the system message), the visitor's latest text in this call's
 * input (null when the input was only tool results), and the tool outputs sent.
 */
public record ModelRequest(
    String api, JsonObject body, String instructions, String userText, List<String> toolOutputs) {}
