package ai.talia.webchat.bench;

import ai.talia.webchat.support.Api;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the gateway process's memory: heap after a full GC (jcmd + /metrics) and RSS (/proc). */
final class GatewayProbe {
  private static final Pattern HISTOGRAM_ROW =
      Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
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
   * As {@link #cpuNanos()}, a fourth figure: the Postgres backends of {@code database} alone (their
   * title names it), without what other databases on the shared server cost meanwhile; and a fifth:
   * the gateway's JIT compiler threads, part of the first — a window that still has much of it was
   * not warm.
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
      own * 10_000_000L,
      compilerTicks() * 10_000_000L
    };
  }

  /**
   * The CPU of the gateway's live C1 and C2 compiler threads. HotSpot stops idle ones after a while
   * (UseDynamicNumberOfCompilerThreads), taking their time with them, so a difference of two
   * readings can only undercount.
   */
  private long compilerTicks() throws java.io.IOException {
    long sum = 0;
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          if (stat.contains("(C1 CompilerThre)") || stat.contains("(C2 CompilerThre)"))
            sum += ticks(stat);
        } catch (java.io.IOException gone) {
          // the thread ended meanwhile
        }
      }
    }
    return sum;
  }

  /** utime + stime of a /proc/<pid>/stat line, in clock ticks (100 per second here). */
  private static long ticks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /**
   * The gateway's read and write system calls so far (syscr, syscw of /proc/PID/io: sockets, files,
   * pipes and event-loop wake-ups alike) and, when {@code database} is named, how often that
   * database's Postgres backends went to sleep waiting (voluntary context switches; a backend's
   * recv(2) is not in syscr). Counts, so unlike CPU time they do not move with the machine's speed
   * from one run to the next (a backend that ended meanwhile takes its count with it).
   */
  long[] syscalls(String database) throws Exception {
    long[] gateway = readsAndWrites(Path.of("/proc/" + pid));
    long[] backends = {0};
    if (!database.isEmpty()) {
      try (var procs = Files.list(Path.of("/proc"))) {
        for (Path p : (Iterable<Path>) procs::iterator) {
          if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) continue;
          try {
            if (!Files.readString(p.resolve("cmdline")).contains(" " + database + " ")) continue;
            for (String line : Files.readAllLines(p.resolve("status")))
              if (line.startsWith("voluntary_ctxt_switches:"))
                backends[0] += Long.parseLong(line.substring(24).trim());
          } catch (java.io.IOException gone) {
            // the process ended meanwhile
          }
        }
      }
    }
    return new long[] {gateway[0], gateway[1], backends[0]};
  }

  private static long[] readsAndWrites(Path proc) throws java.io.IOException {
    long reads = 0;
    long writes = 0;
    for (String line : Files.readAllLines(proc.resolve("io"))) {
      if (line.startsWith("syscr:")) reads = Long.parseLong(line.substring(6).trim());
      if (line.startsWith("syscw:")) writes = Long.parseLong(line.substring(6).trim());
    }
    return new long[] {reads, writes};
  }

  /** Read and write system calls per turn between two {@link #syscalls} readings. */
  static String syscallsPerTurn(long[] before, long[] after, long turns) {
    if (turns == 0) return "n/a";
    String backends =
        after[2] > 0
            ? String.format(
                "; its database's Postgres backends slept %.2f times",
                (double) (after[2] - before[2]) / turns)
            : "";
    return String.format(
        "gateway reads %.2f, writes %.2f%s",
        (double) (after[0] - before[0]) / turns, (double) (after[1] - before[1]) / turns, backends);
  }

  /** CPU ms per turn of each party between two {@link #cpuNanos()} readings. */
  static String cpuPerTurn(long[] before, long[] after, long turns) {
    if (turns == 0) return "n/a";
    String own =
        after.length > 3 && after[3] > 0
            ? String.format(" (its own backends %.2f ms)", (after[3] - before[3]) / 1e6 / turns)
            : "";
    return String.format(
        "gateway %.2f ms (the JIT %.2f ms of it), postgres %.2f ms%s, load driver %.2f ms",
        (after[0] - before[0]) / 1e6 / turns,
        Math.max(0, after[4] - before[4]) / 1e6 / turns,
        (after[1] - before[1]) / 1e6 / turns,
        own,
        (after[2] - before[2]) / 1e6 / turns);
  }

  /** The gateway's open files now (its sockets among them). */
  long openFiles() throws Exception {
    return openFiles(pid);
  }

  static long openFiles(long pid) throws Exception {
    try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      return fds.count();
    }
  }

  /** The soft limit on open files of a process ({@code ulimit -n}), or -1 when unknown. */
  static long openFilesLimit(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
      if (line.startsWith("Max open files")) {
        String[] f = line.substring("Max open files".length()).trim().split("\\s+", -1);
        return "unlimited".equals(f[0]) ? Long.MAX_VALUE : Long.parseLong(f[0]);
      }
    }
    return -1;
  }

  /**
   * Tries to raise the gateway's open-files limit (soft and hard) to {@code n} with {@code
   * prlimit}; a hard limit above the current one needs CAP_SYS_RESOURCE. The outcome, as one line.
   */
  String raiseOpenFiles(long n) throws Exception {
    Process p =
        new ProcessBuilder("prlimit", "--pid", String.valueOf(pid), "--nofile=" + n + ":" + n)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
    long now = openFilesLimit(pid);
    return now >= n ? "raised to " + now : "not raised (still " + now + "): " + out;
  }

  /**
   * The live objects of the gateway by class, from {@code jcmd GC.class_histogram} (which runs a
   * full GC first): class name → {instances, bytes}.
   */
  Map<String, long[]> classHistogram() throws Exception {
    Process p =
        new ProcessBuilder("jcmd", String.valueOf(pid), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
    Map<String, long[]> byClass = new HashMap<>();
    Matcher m = HISTOGRAM_ROW.matcher(out);
    while (m.find()) {
      byClass.merge(
          m.group(3),
          new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
          (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    }
    if (byClass.isEmpty()) throw new IllegalStateException("no class histogram: " + out);
    return byClass;
  }

  /**
   * What each of {@code sessions} more sessions added between two histograms: the classes that grew
   * most, in bytes per session, as a table.
   */
  static String histogramDiff(
      Map<String, long[]> before, Map<String, long[]> after, long sessions, int top) {
    record Row(String type, double instances, double bytes) {}
    List<Row> rows = new ArrayList<>();
    double total = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] was = before.getOrDefault(e.getKey(), new long[2]);
      double bytes = (e.getValue()[1] - was[1]) / (double) sessions;
      total += bytes;
      rows.add(new Row(e.getKey(), (e.getValue()[0] - was[0]) / (double) sessions, bytes));
    }
    for (Map.Entry<String, long[]> e : before.entrySet()) {
      if (!after.containsKey(e.getKey())) total -= e.getValue()[1] / (double) sessions;
    }
    rows.sort(Comparator.comparingDouble(Row::bytes).reversed());
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%,.0f bytes per session in all (%,d sessions more); the classes that grew most:%n",
                total, sessions));
    out.append(String.format("%10s %12s  %s%n", "bytes/sess", "objects/sess", "class"));
    for (Row r : rows.subList(0, Math.min(top, rows.size())))
      out.append(String.format("%10.0f %12.2f  %s%n", r.bytes(), r.instances(), r.type()));
    return out.toString();
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
