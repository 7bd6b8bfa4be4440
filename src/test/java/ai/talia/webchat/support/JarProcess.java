package ai.talia.webchat.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Scanner;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The packaged fat jar run as a real process: {@code java -jar target/talia-webchat.jar}. */
public final class JarProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private final int port;
  private final Path workDir;
  private final Thread reader;

  private JarProcess(Process process, int port, Path workDir) {
    this.process = process;
    this.port = port;
    this.workDir = workDir;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) lines.add(line);
              } catch (IOException ignored) {
                // the process ended
              }
            },
            "jar-output");
    reader.setDaemon(true);
    reader.start();
  }

  public static Path jar() {
    Path jar = Path.of(System.getProperty("talia.jar", "target/talia-webchat.jar"));
    if (!Files.isRegularFile(jar))
      throw new IllegalStateException("No " + jar + ": run mvn package first");
    return jar;
  }

  /**
   * Starts the jar in {@code workDir} with only the given TALIA_* variables (plus the port) and
   * waits for /ready.
   */
  public static JarProcess start(Path workDir, Map<String, String> env, String... jvmArgs)
      throws Exception {
    JarProcess jar = launch(workDir, freePort(), env, jvmArgs);
    jar.awaitReady();
    return jar;
  }

  /**
   * A port nothing listens on now, below the kernel's ephemeral range: a port the kernel handed out
   * (port 0) may be taken by any outgoing connection before the jar binds it, which failed a
   * cluster node that started seconds after its port was chosen.
   */
  public static synchronized int freePort() {
    int below = ephemeralRangeStart();
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = FIXED_PORTS_FROM + RANDOM.nextInt(Math.max(1, below - FIXED_PORTS_FROM));
      if (!HANDED_OUT.add(port)) continue;
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException inUse) {
        // taken by another listener: try another
      }
    }
    throw new IllegalStateException("no free port in " + FIXED_PORTS_FROM + ".." + below);
  }

  private static final int FIXED_PORTS_FROM = 20_000;
  private static final Random RANDOM = new Random();
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private static int ephemeralRangeStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      int start = Integer.parseInt(new Scanner(range).next());
      return start > FIXED_PORTS_FROM + 1_000 ? start : 32_768;
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  /** Starts the jar on {@code port} without waiting for it: {@link #awaitReady()} does. */
  public static JarProcess launch(
      Path workDir, int port, Map<String, String> env, String... jvmArgs) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Collections.addAll(command, jvmArgs);
    command.add("-jar");
    command.add(jar().toAbsolutePath().toString());
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("TALIA_"));
    builder.environment().putAll(env);
    builder.environment().put("TALIA_HTTP_PORT", String.valueOf(port));
    return new JarProcess(builder.start(), port, workDir);
  }

  /** Waits (up to 90 s) for /ready to answer 200. */
  public JarProcess awaitReady() throws InterruptedException {
    Api api = new Api(baseUrl());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        reader.join(10_000); // every line it wrote before exiting
        throw new IllegalStateException("the jar exited: " + output());
      }
      try {
        if (api.get("/ready").status() == 200) return this;
      } catch (IllegalStateException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    close();
    throw new IllegalStateException("the jar did not become ready: " + output());
  }

  /** Waits for the process to end by itself (up to {@code seconds}); its exit code. */
  public int awaitExit(int seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS))
      throw new AssertionError("the jar did not exit within " + seconds + " s: " + output());
    reader.join(10_000);
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The value of one Prometheus sample of /metrics ({@code name} with its labels), or 0. */
  public double metric(String sample) {
    for (String line : new Api(baseUrl()).get("/metrics").body().split("\n", -1)) {
      if (line.startsWith(sample + " "))
        return Double.parseDouble(line.substring(sample.length() + 1));
    }
    return 0;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public Path workDir() {
    return workDir;
  }

  public String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /**
   * The process's threads as {@code jcmd <pid> Thread.print} prints them (the JDK running the tests
   * has jcmd beside its java), or why there is none: what a hung node was doing.
   */
  public String threadDump() {
    if (!process.isAlive()) return "(not running)";
    Path jcmd =
        Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
    try {
      // Into a file, so that a jcmd that hangs is given up after 30 s instead of blocking a read.
      Path file = Files.createTempFile(workDir, "threads", ".txt");
      Process dump =
          new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "Thread.print")
              .redirectErrorStream(true)
              .redirectOutput(file.toFile())
              .start();
      if (!dump.waitFor(30, TimeUnit.SECONDS)) {
        dump.destroyForcibly();
        return "(no thread dump: jcmd did not finish within 30 s)";
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no thread dump: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(no thread dump: interrupted)";
    }
  }

  /** SIGTERM, then waits; returns the exit code. */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the jar did not stop within 60 s of SIGTERM");
    }
    reader.join(10_000); // every line the process wrote, up to its end
    return process.exitValue();
  }

  /** SIGKILL, as {@code kill -9}: no shutdown hook runs. Waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS))
      throw new AssertionError("the jar did not die of SIGKILL within 30 s");
    reader.join(10_000);
  }

  @Override
  public void close() {
    if (process.isAlive()) process.destroyForcibly();
  }
}
