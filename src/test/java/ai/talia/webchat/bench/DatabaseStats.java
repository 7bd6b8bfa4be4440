package ai.talia.webchat.bench;

import ai.talia.webchat.support.TestDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Postgres's own counters of the gateway's database: transactions committed, and row updates with
 * how many were HOT (no index touched). Each backend reports them at most once a second, so a
 * figure over a window of seconds is good to a few percent.
 */
final class DatabaseStats {
  private DatabaseStats() {}

  static long commits(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(TestDatabases.jdbc(url));
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
      r.next();
      return r.getLong(1);
    }
  }

  /** Per table that was updated: updates and the HOT share of them, since the database began. */
  static String updates(String url) throws Exception {
    List<String> tables = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(TestDatabases.jdbc(url));
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                    + "WHERE n_tup_upd > 0 ORDER BY relname")) {
      while (r.next()) {
        long updates = r.getLong(2);
        tables.add(
            String.format(
                "%s %d (%.0f%% HOT)",
                r.getString(1), updates, 100.0 * r.getLong(3) / Math.max(1, updates)));
      }
    }
    return String.join(", ", tables);
  }
}
