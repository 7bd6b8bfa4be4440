package ai.talia.webchat.http;

import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads JSON bodies and collects field errors into one 422 problem. Lengths are UTF-16 code units,
 * as {@link ai.talia.webchat.store.FieldLimits} defines them.
 */
final class RequestBodies {
  private RequestBodies() {}

  /** The body as a JSON object; an empty body is an empty object when {@code optional}. */
  static JsonObject object(RoutingContext ctx, boolean optional) {
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body == null || body.length() == 0) {
      if (optional) return new JsonObject();
      throw ApiProblem.of(ProblemCode.INVALID_JSON, "A JSON object body is required");
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw ApiProblem.of(ProblemCode.INVALID_JSON, "The body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject json))
      throw ApiProblem.of(ProblemCode.INVALID_JSON, "The body must be a JSON object");
    Checks text = new Checks();
    InputText.checkAll(text, json);
    text.orThrow();
    return json;
  }

  /**
   * Field checks: each failed check adds {@code {field, reason}}; {@link #orThrow()} raises one
   * 422.
   */
  static final class Checks {
    private final List<JsonObject> errors = new ArrayList<>();

    @Nullable String string(JsonObject body, String field, boolean required, int min, int max) {
      Object v = body.getValue(field);
      if (v == null) {
        if (required) fail(field, "required");
        return null;
      }
      if (!(v instanceof String s)) {
        fail(field, "must_be_a_string");
        return null;
      }
      int length = s.length();
      String textProblem = InputText.problem(s);
      if (textProblem != null) fail(field, textProblem);
      else if (s.isBlank() && min > 0) fail(field, "blank");
      else if (length < min) fail(field, "too_short");
      else if (length > max) fail(field, "too_long");
      return s;
    }

    /** A path or query parameter: refused when the stores could not keep it as it is. */
    @Nullable String text(String field, @Nullable String value) {
      String problem = value == null ? null : InputText.problem(value);
      if (problem != null) fail(field, problem);
      return value;
    }

    @Nullable Boolean bool(JsonObject body, String field) {
      Object v = body.getValue(field);
      if (!(v instanceof Boolean b)) {
        fail(field, v == null ? "required" : "must_be_a_boolean");
        return null;
      }
      return b;
    }

    @Nullable JsonObject object(JsonObject body, String field) {
      Object v = body.getValue(field);
      if (v == null) return null;
      if (!(v instanceof JsonObject o)) {
        fail(field, "must_be_an_object");
        return null;
      }
      return o;
    }

    void fail(String field, String reason) {
      errors.add(new JsonObject().put("field", field).put("reason", reason));
    }

    void orThrow() {
      if (errors.isEmpty()) return;
      StringBuilder detail = new StringBuilder();
      for (JsonObject e : errors) {
        if (detail.length() > 0) detail.append("; ");
        detail.append(e.getString("field")).append(": ").append(e.getString("reason"));
      }
      throw ApiProblem.of(ProblemCode.VALIDATION_FAILED, detail.toString())
          .with("errors", new JsonArray(new ArrayList<>(errors)));
    }
  }
}
