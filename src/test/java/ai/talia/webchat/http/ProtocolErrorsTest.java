package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Requests broken below the API — bad percent-encoding, over-long URI or headers, duplicate
 * Content-Length, bytes that are no HTTP — written byte by byte on a plain socket. Each answer is
 * problem+json with a code, and the gateway logs at most one line at WARN for it, without the
 * input: a stream of them cannot flood the logs with stack traces or smuggle text into them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolErrorsTest {
  /** Put in every broken request: it must never reach a log line. */
  private static final String MARKER = "hostilemarker";

  private RunningGateway gateway;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  @BeforeAll
  void start() {
    gateway = RunningGateway.start(TestDatabases.Kind.EMBEDDED);
    logs.start();
    root.addAppender(logs);
  }

  @AfterAll
  void stop() {
    root.detachAppender(logs);
    gateway.close();
  }

  @BeforeEach
  void clearLogs() {
    logs.list.clear();
  }

  @AfterEach
  void settle() throws InterruptedException {
    Thread.sleep(100); // a log line written after the answer is still seen by the next check
  }

  static Stream<Arguments> brokenRequests() {
    String crlf = "\r\n";
    return Stream.of(
        Arguments.of(
            "malformed percent-encoding in an API path",
            "GET /api/webchat/history/%zz" + MARKER + " HTTP/1.1" + crlf + "Host: x" + crlf + crlf,
            400,
            "malformed_request"),
        Arguments.of(
            "malformed percent-encoding in a static path",
            "GET /%zz" + MARKER + " HTTP/1.1" + crlf + "Host: x" + crlf + crlf,
            400,
            "malformed_request"),
        Arguments.of(
            "malformed percent-encoding in the query",
            "GET /api/webchat/config?locale=%zz"
                + MARKER
                + " HTTP/1.1"
                + crlf
                + "Host: x"
                + crlf
                + crlf,
            400,
            "malformed_request"),
        Arguments.of(
            "a URI over the line limit",
            "GET /" + MARKER + "a".repeat(10_000) + " HTTP/1.1" + crlf + "Host: x" + crlf + crlf,
            414,
            "uri_too_long"),
        Arguments.of(
            "headers over the limit",
            "GET / HTTP/1.1"
                + crlf
                + "Host: x"
                + crlf
                + "X-"
                + MARKER
                + ": "
                + "a".repeat(10_000)
                + crlf
                + crlf,
            431,
            "headers_too_large"),
        Arguments.of(
            "two different Content-Length headers",
            "POST /api/webchat/sessions HTTP/1.1"
                + crlf
                + "Host: x"
                + crlf
                + "Content-Type: application/json"
                + crlf
                + "Content-Length: 2"
                + crlf
                + "Content-Length: 13"
                + crlf
                + crlf
                + "{\""
                + MARKER
                + "\":1}",
            400,
            "malformed_request"),
        Arguments.of(
            "a NUL byte in a header value",
            "GET /api/webchat/config HTTP/1.1"
                + crlf
                + "Host: x"
                + crlf
                + "User-Agent: a\u0000"
                + MARKER
                + crlf
                + crlf,
            400,
            "malformed_request"),
        Arguments.of(
            "a header line with no colon",
            "GET /api/webchat/config HTTP/1.1" + crlf + "Host: x" + crlf + MARKER + crlf + crlf,
            400,
            "malformed_request"),
        Arguments.of(
            "a request line that is no HTTP",
            "\u0016\u0003\u0001" + MARKER + " hello" + crlf + crlf,
            400,
            "malformed_request"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenRequests")
  void a_broken_request_gets_problem_json_with_a_code_and_logs_one_warn_line_at_most(
      String what, String request, int status, String code) throws Exception {
    Answer answer = send(request);
    assertThat(answer.status()).as(answer.raw()).isEqualTo(status);
    assertThat(answer.header("content-type")).startsWith("application/problem+json");
    JsonObject problem = new JsonObject(answer.body());
    assertThat(problem.getString("code")).isEqualTo(code);
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("type")).isEqualTo("urn:talia:problem:" + code);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(answer.body()).doesNotContain(MARKER).doesNotContain("Exception");

    Thread.sleep(200);
    List<ILoggingEvent> lines = List.copyOf(logs.list);
    assertThat(lines).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
    List<ILoggingEvent> warnings =
        lines.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    assertThat(warnings).hasSizeLessThanOrEqualTo(1);
    for (ILoggingEvent warning : warnings) {
      assertThat(warning.getThrowableProxy()).as("a stack trace").isNull();
      String text = warning.getFormattedMessage() + " " + List.of(warning.getArgumentArray());
      assertThat(text).doesNotContain(MARKER).doesNotContain("\n");
    }
    // The gateway still serves.
    assertThat(send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status())
        .isEqualTo(200);
  }

  /**
   * A body broken after the request was routed: Netty fails the connection, which closes with no
   * answer or a 400; either way the gateway logs no error, and a client leaving mid-body none
   * either.
   */
  @org.junit.jupiter.api.Test
  void a_body_broken_mid_way_or_left_mid_way_logs_no_error() throws Exception {
    String head =
        "POST /api/webchat/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    Answer chunk =
        send(head + "Transfer-Encoding: chunked\r\n\r\nzz" + MARKER + "\r\n{}\r\n0\r\n\r\n");
    assertThat(chunk.status()).as(chunk.raw()).isIn(-1, 400);
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      socket
          .getOutputStream()
          .write(
              (head + "Content-Length: 100\r\n\r\n{\"" + MARKER).getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      Thread.sleep(200);
    }
    Thread.sleep(300);
    List<ILoggingEvent> lines = List.copyOf(logs.list);
    assertThat(lines).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
    assertThat(lines.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)))
        .hasSizeLessThanOrEqualTo(1)
        .allSatisfy(
            e -> {
              assertThat(e.getThrowableProxy()).isNull();
              assertThat(e.getFormattedMessage() + List.of(e.getArgumentArray()))
                  .doesNotContain(MARKER);
            });
    assertThat(send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status())
        .isEqualTo(200);
  }

  private record Answer(int status, String headers, String body, String raw) {
    String header(String name) {
      for (String line : headers.split("\r\n", -1)) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name))
          return line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      }
      return "";
    }
  }

  /** Writes the bytes as they are, reads one answer (until its body or the close). */
  private Answer send(String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      while (true) {
        String sofar = read.toString(StandardCharsets.UTF_8);
        int end = sofar.indexOf("\r\n\r\n");
        if (end >= 0) {
          String head = sofar.substring(0, end);
          int length = contentLength(head);
          if (length >= 0 && read.size() >= end + 4 + length) break;
        }
        int n;
        try {
          n = in.read(buffer);
        } catch (SocketTimeoutException | java.net.SocketException e) {
          break;
        }
        if (n < 0) break;
        read.write(buffer, 0, n);
      }
      String raw = read.toString(StandardCharsets.UTF_8);
      int end = raw.indexOf("\r\n\r\n");
      if (end < 0) return new Answer(-1, "", "", raw);
      String head = raw.substring(0, end);
      String statusLine = head.split("\r\n", 2)[0];
      return new Answer(
          Integer.parseInt(statusLine.split(" ", -1)[1]), head, raw.substring(end + 4), raw);
    }
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n", -1)) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
        return Integer.parseInt(line.substring(15).trim());
    }
    return -1;
  }
}
