package ai.talia.webchat.admin;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * RFC 4180 rows (CRLF ends, a field with a comma, a quote, CR or LF quoted, quotes doubled), with
 * OWASP's neutralisation of spreadsheet formulas: a cell starting with {@code = + - @}, a tab or a
 * CR gets a leading {@code '} so that Excel, LibreOffice and Sheets show it as text instead of
 * running it.
 */
final class Csv {
  private Csv() {}

  static String row(List<@Nullable String> cells) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) out.append(',');
      appendCell(out, cells.get(i));
    }
    return out.append("\r\n").toString();
  }

  static void appendCell(StringBuilder out, @Nullable String value) {
    if (value == null || value.isEmpty()) return;
    String v = neutralised(value);
    boolean quote =
        v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0;
    if (!quote) {
      out.append(v);
      return;
    }
    out.append('"').append(v.replace("\"", "\"\"")).append('"');
  }

  static String neutralised(String value) {
    char c = value.charAt(0);
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
        ? "'" + value
        : value;
  }
}
