package ai.talia.webchat.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Text that both stores keep as it was sent. Postgres refuses a NUL character in text (the insert
 * fails, and a resend can never succeed), and stores a lone surrogate as {@code ?} while the answer
 * echoes the original; so input with either is refused wherever it enters, naming the field.
 */
final class InputText {
  static final String CONTAINS_NUL = "contains_nul";
  static final String LONE_SURROGATE = "lone_surrogate";

  /** At most this many fields are listed in one answer. */
  private static final int MAX_ERRORS = 20;

  private InputText() {}

  /** Why {@code s} cannot be stored as it is, or null. */
  static @Nullable String problem(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c == 0) return CONTAINS_NUL;
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) i++;
        else return LONE_SURROGATE;
      } else if (Character.isLowSurrogate(c)) {
        return LONE_SURROGATE;
      }
    }
    return null;
  }

  /** The {@code /api/*} route's check of the query string: every parameter, name and value. */
  static void checkQuery(RoutingContext ctx) {
    RequestBodies.Checks checks = new RequestBodies.Checks();
    for (Map.Entry<String, String> param : ctx.queryParams()) {
      String keyProblem = problem(param.getKey());
      if (keyProblem != null) checks.fail("query", keyProblem);
      else checks.text(param.getKey(), param.getValue());
    }
    checks.orThrow();
    ctx.next();
  }

  /**
   * Checks every string in a JSON document, member names included; a bad one fails its path ({@code
   * utm.source}, {@code tags[2]}; a bad member name fails its object's path). Linear in the
   * document: a path is spelled out only for a failure.
   */
  static void checkAll(RequestBodies.Checks checks, JsonObject document) {
    ArrayDeque<Node> pending = new ArrayDeque<>();
    pending.push(new Node(document, null, null));
    int failed = 0;
    while (!pending.isEmpty() && failed < MAX_ERRORS) {
      Node node = pending.pop();
      String problem = null;
      if (node.value instanceof String s) {
        problem = problem(s);
      } else if (node.value instanceof JsonObject o) {
        for (Map.Entry<String, Object> member : o) {
          String keyProblem = problem(member.getKey());
          if (keyProblem != null) problem = keyProblem;
          else pending.push(new Node(member.getValue(), node, "." + member.getKey()));
        }
      } else if (node.value instanceof JsonArray a) {
        for (int i = 0; i < a.size(); i++) pending.push(new Node(a.getValue(i), node, i));
      }
      if (problem != null) {
        checks.fail(node.path(), problem);
        failed++;
      }
    }
  }

  /** A value met in the walk: its parent and its member name ({@code ".name"}) or index. */
  private record Node(@Nullable Object value, @Nullable Node parent, @Nullable Object step) {
    String path() {
      StringBuilder path = new StringBuilder();
      for (Node n = this; n.parent != null; n = n.parent) {
        String part = n.step instanceof Integer i ? "[" + i + "]" : (String) n.step;
        path.insert(0, part);
      }
      if (path.length() == 0) return "body";
      return path.charAt(0) == '.' ? path.substring(1) : path.toString();
    }
  }
}
