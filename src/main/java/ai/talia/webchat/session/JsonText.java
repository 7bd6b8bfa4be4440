package ai.talia.webchat.session;

/**
 * JSON text written straight into a frame's bytes, character for character as Vert.x's own {@code
 * encode()} (Jackson) writes it: {@code "} and {@code \} and the C0 controls escaped ({@code \b \t
 * \n \f \r} by name, the rest as {@code \}{@code u00XX} in capitals), everything else as it is.
 */
final class JsonText {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private JsonText() {}

  /** Appends {@code s} as a JSON string, quotes included. */
  static StringBuilder quoted(StringBuilder out, String s) {
    out.append('"');
    int start = 0;
    int length = s.length();
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.append(s, start, i);
      start = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return out.append(s, start, length).append('"');
  }
}
