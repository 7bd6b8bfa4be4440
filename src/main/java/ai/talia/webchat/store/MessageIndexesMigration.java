package ai.talia.webchat.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.zip.CRC32;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Migration 11, {@code sql/postgres/V11__message_indexes.sql}: Postgres-only SQL (partial indexes,
 * a fillfactor), so a Java migration that runs the file on Postgres and nothing on H2. Either way
 * Flyway records version 11 as applied.
 */
final class MessageIndexesMigration implements JavaMigration {

  static final String SCRIPT = "db/postgres/V11__message_indexes.sql";

  private final String sql = load();

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("11");
  }

  @Override
  public String getDescription() {
    return "message indexes";
  }

  @Override
  public Integer getChecksum() {
    CRC32 crc = new CRC32();
    crc.update(sql.getBytes(StandardCharsets.UTF_8));
    return (int) crc.getValue();
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws Exception {
    Connection connection = context.getConnection();
    if (!"PostgreSQL".equals(connection.getMetaData().getDatabaseProductName())) return;
    // The Postgres JDBC driver runs a script of several statements as given.
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static String load() {
    try (InputStream in =
        MessageIndexesMigration.class.getClassLoader().getResourceAsStream(SCRIPT)) {
      if (in == null) throw new IllegalStateException(SCRIPT + " is not on the class path");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
