package ai.talia.webchat.assistant.openai;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.lead.LeadCapture;
import ai.talia.webchat.lead.LeadFields;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@code capture_lead} function for the model. The arguments are untrusted text: anything
 * but a JSON object of strings or nulls under name, email and phone is answered with an error
 * output for the model to read, never an exception. Validation and consent stay with {@link
 * LeadCapture}.
 */
final class LeadTool {
  static final String NAME = "capture_lead";
  private static final Logger log = LoggerFactory.getLogger(LeadTool.class);
  private static final Set<String> FIELDS = Set.of("name", "email", "phone");
  private static final int MAX_FIELD_CHARS = 200;

  private LeadTool() {}

  /** The tool output (a JSON string) for one call; never fails. */
  static Future<String> run(
      String toolName, String arguments, LeadCapture leads, String sessionId) {
    if (!NAME.equals(toolName)) return Future.succeededFuture(error("unknown_tool"));
    LeadFields fields = parse(arguments);
    if (fields == null) {
      log.warn("capture_lead called with invalid arguments", kv("session_id", sessionId));
      return Future.succeededFuture(error("invalid_arguments"));
    }
    if (fields.isEmpty()) return Future.succeededFuture(error("no_fields"));
    return leads
        .capture(fields)
        .map(outcome -> outcome.toJson().encode())
        .otherwise(
            failure -> {
              log.warn(
                  "capture_lead could not store the lead",
                  kv("session_id", sessionId),
                  kv("error", failure.getClass().getSimpleName()));
              return error("capture_failed");
            });
  }

  /** The fields, or null when the arguments are not what the schema promises. */
  static @Nullable LeadFields parse(@Nullable String arguments) {
    if (arguments == null) return null;
    JsonObject json;
    try {
      json = new JsonObject(arguments);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
    for (String key : json.fieldNames()) {
      if (!FIELDS.contains(key)) return null;
    }
    String[] values = new String[3];
    String[] names = {"name", "email", "phone"};
    for (int i = 0; i < names.length; i++) {
      Object v = json.getValue(names[i]);
      if (v == null) continue;
      if (!(v instanceof String s) || s.length() > MAX_FIELD_CHARS) return null;
      String trimmed = s.strip();
      values[i] = trimmed.isEmpty() ? null : trimmed;
    }
    return new LeadFields(values[0], values[1], values[2]);
  }

  static String error(String reason) {
    return new JsonObject().put("status", "error").put("reason", reason).encode();
  }
}
