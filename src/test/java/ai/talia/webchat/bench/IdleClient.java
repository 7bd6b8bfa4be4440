package ai.talia.webchat.bench;

import ai.talia.webchat.support.RunningGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One client process of the benchmark's idle phase ({@link LoadBenchmark#idle}): opens {@code
 * count} idle sessions against the gateway on 127.0.0.1:{@code port} (consent given, socket open,
 * hello answered), says how many on stdout, and holds them until its stdin ends (the benchmark is
 * done, or gone) or {@code holdSeconds} have passed. A process holds one socket per session, so
 * spreading the sessions over several keeps each under its open-files limit.
 *
 * <p>Its stdout: {@code opened <n>} when all are open, or {@code stopped <n> <why>} when one failed
 * (it opens no more then).
 */
final class IdleClient {
  private IdleClient() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int count = Integer.parseInt(args[1]);
    long holdSeconds = Long.parseLong(args[2]);
    Vertx vertx = Vertx.vertx();
    ChatDriver driver = new ChatDriver(vertx, port, "2026-11");
    List<ChatDriver.ChatSocket> sockets = new ArrayList<>();
    String stopped = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(holdSeconds);
    while (sockets.size() < count && System.nanoTime() < deadline) {
      List<Future<ChatDriver.ChatSocket>> opening = new ArrayList<>();
      for (int i = 0; i < Math.min(LoadBenchmark.IDLE_BATCH, count - sockets.size()); i++)
        opening.add(driver.visitor().compose(driver::connect));
      // Every attempt ends (each has its timeouts); what failed is looked at below.
      RunningGateway.await(Future.join(opening).otherwiseEmpty(), Duration.ofMinutes(10));
      Throwable failed = null;
      for (Future<ChatDriver.ChatSocket> f : opening) {
        if (f.succeeded()) sockets.add(f.result());
        else if (failed == null) failed = f.cause();
      }
      if (failed != null) {
        stopped = String.valueOf(failed).replace('\n', ' ');
        break;
      }
    }
    System.out.println(
        stopped == null && sockets.size() == count
            ? "opened " + sockets.size()
            : "stopped " + sockets.size() + " " + (stopped == null ? "hold time over" : stopped));
    System.out.flush();
    CountDownLatch released = new CountDownLatch(1);
    Thread stdin =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                while (in.readLine() != null) {
                  // nothing is said on stdin: its end is the signal
                }
              } catch (java.io.IOException gone) {
                // the benchmark went away
              }
              released.countDown();
            },
            "stdin");
    stdin.setDaemon(true);
    stdin.start();
    released.await(
        Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime())),
        TimeUnit.SECONDS);
    // Vert.x threads are not daemons.
    System.exit(0);
  }
}
