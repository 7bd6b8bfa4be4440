package ai.talia.webchat.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JVM spent its CPU, from the {@code jdk.ExecutionSample} events of a JFR recording (each a
 * thread caught running Java code, with its stack): per method, the share of samples with it on top
 * (<em>self</em>) and anywhere on the stack (<em>total</em>, once per sample however deep the
 * recursion), and the share of each thread group (its name without digits).
 */
final class ProfileSummary {
  private final Map<String, Long> self = new HashMap<>();
  private final Map<String, Long> total = new HashMap<>();
  private final Map<String, Long> threads = new HashMap<>();
  private long samples;

  /** One sample: its frames as {@code class.method}, the running one first. */
  void add(String thread, List<String> frames) {
    if (frames.isEmpty()) return;
    samples++;
    self.merge(frames.get(0), 1L, Long::sum);
    Set<String> seen = new HashSet<>();
    for (String frame : frames) if (seen.add(frame)) total.merge(frame, 1L, Long::sum);
    threads.merge(thread.replaceAll("[0-9]+", "N"), 1L, Long::sum);
  }

  static ProfileSummary read(Path recording) throws IOException {
    ProfileSummary summary = new ProfileSummary();
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent event = file.readEvent();
        if (!"jdk.ExecutionSample".equals(event.getEventType().getName())) continue;
        RecordedStackTrace stack = event.getStackTrace();
        if (stack == null) continue;
        List<String> frames = new ArrayList<>();
        for (RecordedFrame frame : stack.getFrames()) {
          if (!frame.isJavaFrame()) continue;
          frames.add(frame.getMethod().getType().getName() + "." + frame.getMethod().getName());
        }
        RecordedThread thread = event.getThread("sampledThread");
        String name = thread == null ? null : thread.getJavaName();
        summary.add(name == null ? "?" : name, frames);
      }
    }
    return summary;
  }

  long samples() {
    return samples;
  }

  /** The share of samples (0–100) with {@code method} on top. */
  double selfPercent(String method) {
    return percent(self.getOrDefault(method, 0L));
  }

  /** The share of samples (0–100) with {@code method} anywhere on the stack. */
  double totalPercent(String method) {
    return percent(total.getOrDefault(method, 0L));
  }

  /** The {@code n} methods with the most samples on top, most first. */
  List<String> topSelf(int n) {
    return top(self, n);
  }

  List<String> topTotal(int n) {
    return top(total, n);
  }

  private double percent(long count) {
    return samples == 0 ? 0 : 100.0 * count / samples;
  }

  private static List<String> top(Map<String, Long> counts, int n) {
    return counts.entrySet().stream()
        .sorted(
            Map.Entry.<String, Long>comparingByValue()
                .reversed()
                .thenComparing(Map.Entry.comparingByKey()))
        .limit(n)
        .map(Map.Entry::getKey)
        .toList();
  }

  /** The top {@code n} by self and by total, and the thread groups, as text. */
  String format(String title, int n) {
    StringBuilder out =
        new StringBuilder(String.format("--- CPU profile: %s (%,d samples) ---%n", title, samples));
    if (samples == 0) return out.append("no samples\n").toString();
    out.append(String.format("%7s %7s  %s%n", "self", "total", "top frames (self)"));
    for (String m : topSelf(n))
      out.append(String.format("%6.1f%% %6.1f%%  %s%n", selfPercent(m), totalPercent(m), m));
    out.append(String.format("%7s %7s  %s%n", "self", "total", "top frames (total)"));
    for (String m : topTotal(n))
      out.append(String.format("%6.1f%% %6.1f%%  %s%n", selfPercent(m), totalPercent(m), m));
    out.append("threads: ");
    List<String> groups = top(threads, 6);
    for (int i = 0; i < groups.size(); i++) {
      String g = groups.get(i);
      out.append(i == 0 ? "" : ", ")
          .append(String.format("%s %.1f%%", g, percent(threads.getOrDefault(g, 0L))));
    }
    return out.append('\n').toString();
  }
}
