package ai.talia.webchat.bench;

import ai.talia.webchat.support.Api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the gateway process's memory: heap after a full GC (jcmd + /metrics) and RSS (/proc). */
final class GatewayProbe {
  private static final Pattern HEAP = Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\} ([0-9.E+]+)");
  private final long pid;
  private final Api api;

  GatewayProbe(long pid, Api api) {
    this.pid = pid;
    this.api = api;
  }

  /** Heap in use after a full GC, in bytes. */
  long heapAfterGc() throws Exception {
    for (int i = 0; i < 2; i++) {
      Process gc = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.run").redirectErrorStream(true).start();
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

  /** The mean of a Prometheus timer (sum / count over the series that contain {@code labelPart}), in ms. */
  String meanMs(String timer, String labelPart) {
    String body = api.get("/metrics").body();
    double sum = 0, count = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith("#") || !line.contains(labelPart)) continue;
      if (line.startsWith(timer + "_sum")) sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      if (line.startsWith(timer + "_count")) count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
    return count == 0 ? "n/a" : String.format("%.2f ms (n=%.0f)", sum / count * 1000, count);
  }

  String meanMs(String timer) {
    return meanMs(timer, "");
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
