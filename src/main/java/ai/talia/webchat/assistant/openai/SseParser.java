package ai.talia.webchat.assistant.openai;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An incremental text/event-stream parser (the WHATWG "event stream interpretation"). Bytes may
 * arrive split anywhere: lines are cut on raw bytes (CR, LF, CRLF, even a CR and LF in different
 * chunks) and only whole lines are decoded, so a UTF-8 character split across chunks survives.
 * Comments ({@code :…}) go to the comment handler; fields other than event, data and id are
 * ignored. Not thread-safe: feed it from one context.
 */
public final class SseParser {
  /** Above this a line is refused, so a broken upstream cannot grow memory without bound. */
  public static final int DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private final Consumer<SseEvent> events;
  private final Consumer<String> comments;
  private final int maxLineBytes;

  private byte[] line = new byte[256];
  private int lineLength;
  private boolean skipNextLf;
  private boolean firstLine = true;

  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private @Nullable String eventType;
  private @Nullable String lastEventId;

  public SseParser(Consumer<SseEvent> events) {
    this(events, comment -> {}, DEFAULT_MAX_LINE_BYTES);
  }

  public SseParser(Consumer<SseEvent> events, Consumer<String> comments) {
    this(events, comments, DEFAULT_MAX_LINE_BYTES);
  }

  public SseParser(Consumer<SseEvent> events, Consumer<String> comments, int maxLineBytes) {
    this.events = events;
    this.comments = comments;
    this.maxLineBytes = maxLineBytes;
  }

  public void feed(Buffer chunk) {
    feed(chunk.getBytes());
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  public void feed(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      byte b = bytes[i];
      if (skipNextLf) {
        skipNextLf = false;
        if (b == LF) continue;
      }
      if (b == CR) {
        skipNextLf = true;
        endLine();
      } else if (b == LF) {
        endLine();
      } else {
        append(b);
      }
    }
  }

  /** The stream ended: an event not closed by a blank line is dropped, as the standard says. */
  public boolean finish() {
    boolean pending = lineLength > 0 || hasData;
    lineLength = 0;
    resetEvent();
    return pending;
  }

  private void append(byte b) {
    if (lineLength == maxLineBytes) {
      throw new SseParseException("server-sent event line longer than " + maxLineBytes + " bytes");
    }
    if (lineLength == line.length)
      line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
    line[lineLength++] = b;
  }

  private void endLine() {
    String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
    lineLength = 0;
    if (firstLine) {
      firstLine = false;
      if (text.startsWith("\uFEFF")) text = text.substring(1);
    }
    processLine(text);
  }

  private void processLine(String text) {
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      comments.accept(text.substring(1));
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) value = value.substring(1);
    switch (field) {
      case "event" -> eventType = value;
      case "data" -> {
        if (hasData) data.append('\n');
        data.append(value);
        hasData = true;
      }
      case "id" -> {
        if (value.indexOf('\0') < 0) lastEventId = value;
      }
      default -> {} // "retry" and unknown fields do not concern us
    }
  }

  private void dispatch() {
    if (!hasData) {
      resetEvent();
      return;
    }
    SseEvent event =
        new SseEvent(
            eventType == null || eventType.isEmpty() ? "message" : eventType,
            data.toString(),
            lastEventId);
    resetEvent();
    events.accept(event);
  }

  private void resetEvent() {
    data.setLength(0);
    hasData = false;
    eventType = null;
  }

  /** The upstream sent something that cannot be a sane event stream. */
  public static final class SseParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SseParseException(String message) {
      super(message);
    }
  }
}
