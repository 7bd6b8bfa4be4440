package ai.talia.webchat.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * With {@code -Dbench.profile=true}, a JFR recording (settings=profile) of a gateway process over
 * one phase's measured window: started with {@code jcmd JFR.start} when the window opens, written
 * with {@code JFR.stop} when it closes, then summarized ({@link ProfileSummary}). Off, it does
 * nothing.
 */
final class GatewayProfiler {
  static final int TOP_FRAMES = 15;
  private final long pid;
  private final String label;
  private final boolean on;

  private GatewayProfiler(long pid, String label, boolean on) {
    this.pid = pid;
    this.label = label;
    this.on = on;
  }

  static boolean enabled() {
    return Boolean.getBoolean("bench.profile");
  }

  /** Starts recording the process {@code pid} for the window called {@code label}. */
  static GatewayProfiler start(long pid, String label) throws Exception {
    if (!enabled()) return new GatewayProfiler(pid, label, false);
    jcmd(pid, "JFR.start", "name=" + name(label), "settings=profile");
    return new GatewayProfiler(pid, label, true);
  }

  /**
   * Stops the recording, writes it to {@code <results>/<label>.jfr} and its summary next to it; the
   * summary, or null when profiling is off.
   */
  String stop(Path results) throws Exception {
    if (!on) return null;
    Files.createDirectories(results);
    Path jfr = results.resolve("profile-" + name(label) + ".jfr").toAbsolutePath();
    Files.deleteIfExists(jfr);
    jcmd(pid, "JFR.stop", "name=" + name(label), "filename=" + jfr);
    String summary =
        ProfileSummary.read(jfr).format(label + " (gateway pid " + pid + ")", TOP_FRAMES);
    Files.writeString(results.resolve("profile-" + name(label) + ".txt"), summary);
    return summary;
  }

  private static String name(String label) {
    return label.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  private static void jcmd(long pid, String... command) throws Exception {
    String[] args = new String[command.length + 2];
    args[0] = "jcmd";
    args[1] = String.valueOf(pid);
    System.arraycopy(command, 0, args, 2, command.length);
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("jcmd " + String.join(" ", command) + " hung");
    }
    if (p.exitValue() != 0 || out.contains("Exception") || out.contains("Could not"))
      throw new IllegalStateException("jcmd " + String.join(" ", command) + ": " + out);
  }
}
