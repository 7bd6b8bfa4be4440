package ai.talia.webchat.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failed turns of a phase, counted by kind, so a reader can tell a gateway error (an {@code error}
 * or {@code reply.failed} frame, by its code) from a socket closed or a benchmark race (a turn that
 * completed without the fake model's timing for it).
 */
final class FailedTurns {
  private final AtomicLong total = new AtomicLong();
  private final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();

  /** Counts one failure of this kind; the total so far. */
  long add(String kind) {
    byKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    return total.incrementAndGet();
  }

  /** Counts one failed turn by its cause. */
  long add(Throwable cause) {
    return add(kind(cause));
  }

  long get() {
    return total.get();
  }

  /** The count, then each kind's: {@code 3 (gateway error internal_error: 2, socket closed: 1)}. */
  @Override
  public String toString() {
    if (byKind.isEmpty()) return "0";
    StringBuilder out = new StringBuilder().append(total.get()).append(" (");
    new TreeMap<>(byKind)
        .forEach(
            (kind, n) -> {
              if (out.charAt(out.length() - 1) != '(') out.append(", ");
              out.append(kind).append(": ").append(n.get());
            });
    return out.append(')').toString();
  }

  /**
   * What a failure was: a frame the gateway sent (its type and code), a closed socket, a timeout,
   * or else the exception's class.
   */
  static String kind(Throwable cause) {
    String message = String.valueOf(cause.getMessage());
    if (message.startsWith("{")) {
      try {
        io.vertx.core.json.JsonObject frame = new io.vertx.core.json.JsonObject(message);
        Object code = frame.getValue("code");
        if (code == null && frame.getValue("error") instanceof io.vertx.core.json.JsonObject e)
          code = e.getValue("code");
        return "gateway " + frame.getString("type") + (code == null ? "" : " " + code);
      } catch (RuntimeException notJson) {
        return "unparsed frame";
      }
    }
    if (message.startsWith("socket closed")) return message;
    if (cause instanceof java.util.concurrent.TimeoutException) return "timeout";
    return cause.getClass().getSimpleName();
  }
}
