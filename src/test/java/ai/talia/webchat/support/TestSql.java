package ai.talia.webchat.support;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plain JDBC on a gateway's own database, to look at (or backdate) rows as an operator with psql or
 * H2's shell would. On the embedded store it opens the same H2 file with the gateway's settings (H2
 * shares an open database within one JVM).
 */
public final class TestSql {
  private TestSql() {}

  public static String jdbcUrl(TaliaConfig config) {
    String db = config.string(ConfigKeys.DB_URL);
    if (db != null) return TestDatabases.jdbc(db);
    Path file =
        Path.of(config.requiredString(ConfigKeys.DB_DATA_DIR))
            .toAbsolutePath()
            .normalize()
            .resolve("talia");
    return "jdbc:h2:file:"
        + file
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE"
        + ";WRITE_DELAY=0";
  }

  public static List<Map<String, Object>> query(TaliaConfig config, String sql, Object... args) {
    try (Connection c = connect(config);
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
      try (ResultSet rs = s.executeQuery()) {
        ResultSetMetaData meta = rs.getMetaData();
        List<Map<String, Object>> rows = new ArrayList<>();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= meta.getColumnCount(); i++)
            row.put(meta.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT), rs.getObject(i));
          rows.add(row);
        }
        return rows;
      }
    } catch (Exception e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public static long count(TaliaConfig config, String sql, Object... args) {
    return ((Number) query(config, sql, args).get(0).values().iterator().next()).longValue();
  }

  public static int update(TaliaConfig config, String sql, Object... args) {
    try (Connection c = connect(config);
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
      return s.executeUpdate();
    } catch (Exception e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  private static Connection connect(TaliaConfig config) throws Exception {
    String url = jdbcUrl(config);
    return url.startsWith("jdbc:h2:")
        ? DriverManager.getConnection(url, "sa", "")
        : DriverManager.getConnection(url);
  }
}
