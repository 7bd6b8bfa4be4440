package ai.talia.webchat.support;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real webhook receiver for tests: the JDK's HTTP server on loopback, in this JVM but apart from
 * the gateway's Vert.x, recording every request it gets and answering as the test scripts it (a
 * status, a {@code Retry-After}, or hanging). {@link #verify} checks a request's signature with the
 * Standard Webhooks reference library, an implementation independent of the gateway's signer.
 */
public final class WebhookReceiver implements AutoCloseable {

  /** How to answer one request. */
  public record Answer(int status, String retryAfter, Duration delay, boolean hang) {
    public static Answer status(int status) {
      return new Answer(status, null, Duration.ZERO, false);
    }

    public static Answer retryAfter(int status, String retryAfter) {
      return new Answer(status, retryAfter, Duration.ZERO, false);
    }

    /** Answers after a while, like a busy receiver. */
    public static Answer after(Duration wait, int status) {
      return new Answer(status, null, wait, false);
    }

    /**
     * Reads the request, then answers nothing for this long and drops the connection (the sender
     * times out first). The request is recorded at once, with status -1.
     */
    public static Answer hang(Duration hang) {
      return new Answer(-1, null, hang, true);
    }
  }

  /** Decides the answer of the n-th request (0-based), given the request. */
  @FunctionalInterface
  public interface Script {
    Answer answer(int n, Received request);
  }

  /** One request as it arrived, and what it was answered. */
  public record Received(
      int n, Instant at, String path, Map<String, List<String>> headers, String body, int status) {

    public String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet())
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
          return e.getValue().get(0);
      return null;
    }

    public String webhookId() {
      return header("webhook-id");
    }

    public JsonObject json() {
      return new JsonObject(body);
    }

    public String type() {
      return json().getString("type");
    }

    public boolean accepted() {
      return status >= 200 && status < 300;
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Received> received = new ArrayList<>();
  private final AtomicInteger count = new AtomicInteger();
  private final String path;
  private volatile Script script = (n, r) -> Answer.status(200);

  private WebhookReceiver(HttpServer server, String path) {
    this.server = server;
    this.path = path;
  }

  public static WebhookReceiver start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      // A path like a hook service's capability URL: it must never reach a log.
      String path = "/hooks/secret-path-" + Long.toHexString(new SecureRandom().nextLong());
      WebhookReceiver receiver = new WebhookReceiver(server, path);
      server.setExecutor(receiver.executor);
      server.createContext("/", receiver::handle);
      server.start();
      return receiver;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new Standard Webhooks secret: {@code whsec_} and 32 random bytes. */
  public static String newSecret() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public String path() {
    return path;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public WebhookReceiver script(Script script) {
    this.script = script;
    return this;
  }

  /** Every request so far, in the order they were answered (a hanging one when it arrived). */
  public List<Received> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  public List<Received> accepted() {
    return received().stream().filter(Received::accepted).toList();
  }

  /** How many requests arrived, including those still hanging. */
  public int arrivals() {
    return count.get();
  }

  /** Waits until {@code n} requests were accepted; returns them. */
  public List<Received> awaitAccepted(int n, Duration timeout) {
    return await(r -> r.accepted(), n, timeout);
  }

  /** Waits until {@code n} requests matching {@code which} were recorded. */
  public List<Received> await(Predicate<Received> which, int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Received> matching = received().stream().filter(which).toList();
      if (matching.size() >= n) return matching;
      if (System.nanoTime() > deadline)
        throw new AssertionError(
            "waited "
                + timeout.toMillis()
                + " ms for "
                + n
                + " requests, got "
                + matching.size()
                + "; all: "
                + summary());
      sleep(20);
    }
  }

  public String summary() {
    List<String> out = new ArrayList<>();
    for (Received r : received())
      out.add(r.n() + ":" + r.status() + ":" + r.webhookId() + ":" + typeOrBody(r));
    return out.toString();
  }

  /**
   * Verifies a request's signature with the Standard Webhooks library; throws its exception when it
   * does not verify.
   */
  public static void verify(Received request, String secret) throws Exception {
    new Webhook(secret).verify(request.body(), request.headers());
  }

  private static String typeOrBody(Received r) {
    try {
      return r.type();
    } catch (RuntimeException notJson) {
      return r.body();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    int n = count.getAndIncrement();
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
    Received request =
        new Received(
            n,
            Instant.now(),
            exchange.getRequestURI().getPath(),
            headers,
            new String(body, StandardCharsets.UTF_8),
            0);
    Answer answer = script.answer(n, request);
    if (answer.hang()) record(request, -1);
    if (!answer.delay().isZero()) {
      try {
        Thread.sleep(answer.delay().toMillis());
      } catch (InterruptedException closing) {
        Thread.currentThread().interrupt();
      }
    }
    if (answer.hang()) {
      exchange.close();
      return;
    }
    record(request, answer.status());
    if (answer.retryAfter() != null)
      exchange.getResponseHeaders().add("Retry-After", answer.retryAfter());
    byte[] reply = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    try {
      exchange.sendResponseHeaders(answer.status(), reply.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(reply);
      }
    } catch (IOException senderGone) {
      // the sender gave up on this request
    }
  }

  private void record(Received request, int status) {
    synchronized (received) {
      received.add(
          new Received(
              request.n(),
              request.at(),
              request.path(),
              request.headers(),
              request.body(),
              status));
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
