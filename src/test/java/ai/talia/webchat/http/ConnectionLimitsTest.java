package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.StreamClient;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What one client may hold open, with real sockets over loopback: slow request heads and bodies are
 * cut, an address gets a bounded number of connections and WebSockets, and everyone else is served
 * meanwhile. 127.0.0.2 and 127.0.0.3 are other clients (every 127/8 address is the loopback).
 */
class ConnectionLimitsTest {
  private static final String OTHER_CLIENT = "127.0.0.2";
  private static final String OBSERVER = "127.0.0.3";

  private static RunningGateway start(UnaryOperator<TaliaConfig> overrides) {
    return RunningGateway.start(TestDatabases.Kind.EMBEDDED, overrides);
  }

  @Test
  void a_slowloris_head_or_body_is_cut_after_its_timeout_while_others_are_served()
      throws Exception {
    try (RunningGateway gateway =
        start(
            c ->
                c.with(ConfigKeys.HTTP_HEADER_TIMEOUT_SECONDS, 2)
                    .with(ConfigKeys.HTTP_BODY_TIMEOUT_SECONDS, 2))) {
      // A head trickled one header every 250 ms: Vert.x's idle timeout never fires on it.
      try (Socket slow = open(gateway, "127.0.0.1")) {
        long started = System.nanoTime();
        write(slow, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        boolean servedMeanwhile = false;
        int header = 0;
        while (!closedWithin(slow, 250)) {
          double seconds = (System.nanoTime() - started) / 1e9;
          assertThat(seconds).as("the trickled head is still open").isLessThan(8);
          if (!servedMeanwhile && seconds > 1) {
            assertThat(get(gateway, OTHER_CLIENT, "/health")).startsWith("HTTP/1.1 200");
            servedMeanwhile = true;
          }
          if (!tryWrite(slow, "X-Slow-" + header++ + ": 1\r\n")) break;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(seconds).as("cut at the header timeout, not before").isBetween(1.8, 6.0);
        assertThat(servedMeanwhile).isTrue();
      }

      // A keep-alive connection between requests is not a slow head: it waits longer than the
      // header timeout, then its next request is served.
      try (Socket keepAlive = open(gateway, "127.0.0.1")) {
        write(keepAlive, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(readResponse(keepAlive)).startsWith("HTTP/1.1 200");
        Thread.sleep(3_000);
        write(keepAlive, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(readResponse(keepAlive)).startsWith("HTTP/1.1 200");
      }

      // A body trickled after a complete head.
      try (Socket slowBody = open(gateway, "127.0.0.1")) {
        long started = System.nanoTime();
        write(
            slowBody,
            "POST /api/webchat/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"locale\":");
        while (!closedWithin(slowBody, 250)) {
          assertThat((System.nanoTime() - started) / 1e9).isLessThan(8);
          if (!tryWrite(slowBody, " ")) break;
        }
        assertThat((System.nanoTime() - started) / 1e9).isBetween(1.8, 6.0);
      }

      String metrics = get(gateway, OBSERVER, "/metrics");
      assertThat(refused(metrics, "header_timeout")).isEqualTo(1);
      assertThat(refused(metrics, "body_timeout")).isEqualTo(1);
    }
  }

  @Test
  void one_address_gets_its_cap_of_connections_and_the_next_is_refused_while_others_are_served()
      throws Exception {
    try (RunningGateway gateway =
        start(c -> c.with(ConfigKeys.HTTP_MAX_CONNECTIONS_PER_ADDRESS, 3))) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          Socket s = open(gateway, "127.0.0.1");
          held.add(s);
          write(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
          assertThat(readResponse(s)).startsWith("HTTP/1.1 200");
        }
        try (Socket fourth = open(gateway, "127.0.0.1")) {
          tryWrite(fourth, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
          assertThat(closedWithin(fourth, 5_000))
              .as("the connection over the cap is closed")
              .isTrue();
        }
        assertThat(get(gateway, OTHER_CLIENT, "/health")).startsWith("HTTP/1.1 200");

        // One closes: the address may open one again.
        held.remove(0).close();
        String served = null;
        for (int i = 0; i < 50 && served == null; i++) {
          try (Socket again = open(gateway, "127.0.0.1")) {
            if (tryWrite(again, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
              served = readResponseOrNull(again);
          }
          if (served == null) Thread.sleep(100);
        }
        assertThat(served).startsWith("HTTP/1.1 200");
      } finally {
        for (Socket s : held) s.close();
      }
      assertThat(refused(get(gateway, OBSERVER, "/metrics"), "connection_cap")).isGreaterThan(0);
    }
  }

  @Test
  void an_address_over_its_socket_cap_is_closed_with_4429_and_can_open_one_when_one_closes()
      throws Exception {
    try (RunningGateway gateway =
        start(c -> c.with(ConfigKeys.STREAM_MAX_SOCKETS_PER_ADDRESS, 2))) {
      StreamClient first = StreamClient.connect(gateway.port(), null);
      StreamClient second = StreamClient.connect(gateway.port(), null);
      try (StreamClient third = StreamClient.connect(gateway.port(), null)) {
        assertPongs(first);
        assertPongs(second);
        JsonObject error = third.next();
        assertThat(error.getString("type")).isEqualTo("error");
        assertThat(error.getString("code")).isEqualTo("rate_limited");
        assertThat(third.awaitClose()).isEqualTo((short) 4429);
      }
      first.close();
      StreamClient admitted = null;
      for (int i = 0; i < 50 && admitted == null; i++) {
        StreamClient next;
        try {
          next = StreamClient.connect(gateway.port(), null);
        } catch (IllegalStateException closedAtOnce) {
          // Refused while the gateway has not yet seen the first socket close: closed right after
          // the upgrade, which Vert.x's client may report as "WebSocket is closed" from connect.
          continue;
        }
        next.send(new JsonObject().put("type", "ping"));
        JsonObject frame = next.next();
        if ("pong".equals(frame.getString("type"))) admitted = next;
        else next.close();
      }
      assertThat(admitted).as("a socket admitted once one closed").isNotNull();
      admitted.close();
      second.close();
      String metrics = get(gateway, OBSERVER, "/metrics");
      assertThat(refused(metrics, "socket_cap")).isGreaterThan(0);
      assertThat(metrics).contains("talia_stream_closed_by_gateway_total{code=\"4429\"}");
    }
  }

  /**
   * Behind a trusted proxy every connection comes from the proxy: they are not capped (the proxy
   * caps per visitor), while sockets are counted per X-Forwarded-For client.
   */
  @Test
  void behind_a_trusted_proxy_sockets_are_capped_per_forwarded_client_and_connections_not_at_all()
      throws Exception {
    try (RunningGateway gateway =
        start(
            c ->
                c.with(ConfigKeys.HTTP_TRUSTED_PROXIES, new JsonArray().add("127.0.0.1"))
                    .with(ConfigKeys.HTTP_MAX_CONNECTIONS_PER_ADDRESS, 2)
                    .with(ConfigKeys.STREAM_MAX_SOCKETS_PER_ADDRESS, 2))) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          Socket s = open(gateway, "127.0.0.1");
          held.add(s);
          write(
              s,
              "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 203.0.113."
                  + (10 + i)
                  + "\r\n\r\n");
          assertThat(readResponse(s)).startsWith("HTTP/1.1 200");
        }
      } finally {
        for (Socket s : held) s.close();
      }

      Map<String, String> visitor = Map.of("X-Forwarded-For", "203.0.113.7");
      WebSocketClientOptions options = new WebSocketClientOptions();
      StreamClient a = StreamClient.connect(gateway.port(), null, options, visitor);
      StreamClient b = StreamClient.connect(gateway.port(), null, options, visitor);
      try (StreamClient over = StreamClient.connect(gateway.port(), null, options, visitor);
          StreamClient other =
              StreamClient.connect(
                  gateway.port(), null, options, Map.of("X-Forwarded-For", "203.0.113.8"))) {
        assertPongs(a);
        assertPongs(b);
        assertThat(over.next().getString("code")).isEqualTo("rate_limited");
        assertThat(over.awaitClose()).isEqualTo((short) 4429);
        assertPongs(other);
      } finally {
        a.close();
        b.close();
      }
    }
  }

  // --- raw sockets -----------------------------------------------------------------------------

  private static Socket open(RunningGateway gateway, String from) throws IOException {
    Socket socket = new Socket();
    // IP literals (127.0.0.x): no name is looked up
    socket.bind(new InetSocketAddress(InetAddress.getAllByName(from)[0], 0));
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.port()), 5_000);
    socket.setSoTimeout(5_000);
    return socket;
  }

  private static void write(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** False when the server has already closed the connection. */
  private static boolean tryWrite(Socket socket, String text) {
    try {
      write(socket, text);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether the server closes the connection within the time, without sending anything. */
  private static boolean closedWithin(Socket socket, int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      int b = socket.getInputStream().read();
      assertThat(b).as("the server sent nothing before closing").isEqualTo(-1);
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // reset
    } finally {
      socket.setSoTimeout(5_000);
    }
  }

  /** One response: its head and a Content-Length body; the status line first. */
  private static String readResponse(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new IOException("closed before a response");
      head.write(b);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
    int remaining = length.find() ? Integer.parseInt(length.group(1)) : 0;
    byte[] body = in.readNBytes(remaining);
    return text + new String(body, StandardCharsets.UTF_8);
  }

  private static String readResponseOrNull(Socket socket) {
    try {
      return readResponse(socket);
    } catch (IOException e) {
      return null;
    }
  }

  private static String get(RunningGateway gateway, String from, String path) throws IOException {
    try (Socket socket = open(gateway, from)) {
      write(socket, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      return readResponse(socket);
    }
  }

  private static double refused(String metrics, String reason) {
    Matcher m =
        Pattern.compile(
                "(?m)^talia_connections_refused_total\\{reason=\"" + reason + "\"} ([0-9.]+)")
            .matcher(metrics);
    assertThat(m.find()).as("talia_connections_refused_total{reason=%s}", reason).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static void assertPongs(StreamClient client) {
    client.send(new JsonObject().put("type", "ping"));
    assertThat(client.next().getString("type")).isEqualTo("pong");
  }
}
