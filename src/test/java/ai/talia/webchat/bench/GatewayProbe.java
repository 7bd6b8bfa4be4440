package ai.talia.webchat.bench;

import ai.talia.webchat.support.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the gateway process's memory: heap after a full GC (jcmd + /metrics) and RSS (/proc). */
final class GatewayProbe {
  private static final Pattern HEAP =
      Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\} ([0-9.E+]+)");
  private final long pid;
  private final Api api;

  GatewayProbe(long pid, Api api) {
    this.pid = pid;
    this.api = api;
  }

  /** Heap in use after a full GC, in bytes. */
  long heapAfterGc() throws Exception {
    for (int i = 0; i < 2; i++) {
      Process gc =
          new ProcessBuilder("jcmd", String.valueOf(pid), "GC.run")
              .redirectErrorStream(true)
              .start();
      gc.getInputStream().readAllBytes();
      gc.waitFor();
    }
    Thread.sleep(300);
    return heapNow();
  }

  long heapNow() {
    Matcher m = HEAP.matcher(api.get("/metrics").body());
    double sum = 0;
    while (m.find()) sum += Double.parseDouble(m.group(1));
    return (long) sum;
  }

  /**
   * The mean of a Prometheus timer (sum / count over the series that contain {@code labelPart}), in
   * ms.
   */
  String meanMs(String timer, String labelPart) {
    String body = api.get("/metrics").body();
    double sum = 0, count = 0;
    for (String line : body.split("\n", -1)) {
      if (line.startsWith("#") || !line.contains(labelPart)) continue;
      if (line.startsWith(timer + "_sum"))
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      if (line.startsWith(timer + "_count"))
        count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
    return count == 0 ? "n/a" : String.format("%.2f ms (n=%.0f)", sum / count * 1000, count);
  }

  String meanMs(String timer) {
    return meanMs(timer, "");
  }

  /**
   * CPU time used so far by the gateway, by every Postgres process, and by this (the driving) JVM,
   * in ns.
   */
  long[] cpuNanos() throws Exception {
    return cpuNanos("");
  }

  /**
   * As {@link #cpuNanos()}, and a fourth figure: the Postgres backends of {@code database} alone
   * (their title names it), without what other databases on the shared server cost meanwhile.
   */
  long[] cpuNanos(String database) throws Exception {
    long postgres = 0;
    long own = 0;
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) continue;
        try {
          String stat = Files.readString(p.resolve("stat"));
          if (stat.contains("(postgres)")) {
            long t = ticks(stat);
            postgres += t;
            if (!database.isEmpty()
                && Files.readString(p.resolve("cmdline")).contains(" " + database + " ")) own += t;
          }
        } catch (java.io.IOException gone) {
          // the process ended meanwhile
        }
      }
    }
    long self =
        ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    return new long[] {
      ticks(Files.readString(Path.of("/proc/" + pid + "/stat"))) * 10_000_000L,
      postgres * 10_000_000L,
      self,
      own * 10_000_000L
    };
  }

  /** utime + stime of a /proc/<pid>/stat line, in clock ticks (100 per second here). */
  private static long ticks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** CPU ms per turn of each party between two {@link #cpuNanos()} readings. */
  static String cpuPerTurn(long[] before, long[] after, long turns) {
    if (turns == 0) return "n/a";
    String own =
        after.length > 3 && after[3] > 0
            ? String.format(" (its own backends %.2f ms)", (after[3] - before[3]) / 1e6 / turns)
            : "";
    return String.format(
        "gateway %.2f ms, postgres %.2f ms%s, load driver %.2f ms",
        (after[0] - before[0]) / 1e6 / turns,
        (after[1] - before[1]) / 1e6 / turns,
        own,
        (after[2] - before[2]) / 1e6 / turns);
  }

  long rss() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
    return -1;
  }

  static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / 1024.0 / 1024.0);
  }
}
