package ai.talia.webchat.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where integration tests find their databases. Postgres is the real server: the one at {@code
 * TALIA_TEST_DB_URL} (a postgresql:// URL of a database the tests may create databases from;
 * `.ci/run` sets it), or a Testcontainers Postgres when a Docker engine is present. Each call gives
 * a new, empty database, so tests never see each other's rows. The databases a JVM created are
 * dropped when it exits (a developer's server would otherwise gain hundreds per run, and with them
 * autovacuum's rounds), unless {@code TALIA_TEST_KEEP_DATABASES=true} keeps them to look into.
 */
public final class TestDatabases {
  private static volatile String containerUrl;
  private static final Queue<String> created = new ConcurrentLinkedQueue<>();
  private static final AtomicBoolean dropOnExit = new AtomicBoolean();

  private TestDatabases() {}

  public enum Kind {
    EMBEDDED,
    POSTGRES
  }

  /** A fresh {@code postgresql://} URL of a new, empty database. */
  public static String freshPostgres() {
    String base = baseUrl();
    String name =
        "talia_t_"
            + UUID.randomUUID()
                .toString()
                .replace("-", "")
                .substring(0, 16)
                .toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(jdbc(base));
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
      created.add(name);
      // A Testcontainers server goes away with the JVM anyway.
      if (!base.equals(containerUrl)
          && !"true".equals(System.getenv("TALIA_TEST_KEEP_DATABASES"))
          && dropOnExit.compareAndSet(false, true)) {
        Runtime.getRuntime()
            .addShutdownHook(new Thread(() -> dropCreated(base), "drop-test-databases"));
      }
    } catch (Exception e) {
      throw new IllegalStateException(
          "Cannot create a test database on " + redact(base) + ": " + e.getMessage(), e);
    }
    return base.replaceFirst("/[^/?]*(\\?.*)?$", "/" + name + "$1");
  }

  /** FORCE ends the connections a killed gateway process or an unclosed pool left open. */
  private static void dropCreated(String base) {
    try (Connection c = DriverManager.getConnection(jdbc(base));
        Statement s = c.createStatement()) {
      for (String name = created.poll(); name != null; name = created.poll()) {
        try {
          s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
          System.err.println("Could not drop test database " + name + ": " + e.getMessage());
        }
      }
    } catch (SQLException e) {
      System.err.println("Could not drop the test databases on " + redact(base) + ": " + e);
    }
  }

  /** A fresh directory for the embedded store. */
  public static Path freshDataDir() {
    try {
      return Files.createTempDirectory("talia-embedded-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String baseUrl() {
    String fromEnv = System.getenv("TALIA_TEST_DB_URL");
    if (fromEnv != null && !fromEnv.isBlank()) return fromEnv.trim();
    if (containerUrl == null) {
      synchronized (TestDatabases.class) {
        if (containerUrl == null) containerUrl = startContainer();
      }
    }
    return containerUrl;
  }

  @SuppressWarnings("resource")
  private static String startContainer() {
    if (!org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException(
          "The Postgres tests need a real server: set TALIA_TEST_DB_URL "
              + "(e.g. postgresql://postgres@127.0.0.1:5432/postgres) or run a Docker engine for Testcontainers");
    }
    var pg = new org.testcontainers.containers.PostgreSQLContainer<>("postgres:16-alpine");
    pg.start();
    return "postgresql://"
        + pg.getUsername()
        + ":"
        + pg.getPassword()
        + "@"
        + pg.getHost()
        + ":"
        + pg.getMappedPort(5432)
        + "/"
        + pg.getDatabaseName();
  }

  /**
   * postgresql://user:pw@host:port/db → a JDBC URL (tests only; the gateway uses the reactive
   * client).
   */
  public static String jdbc(String url) {
    java.net.URI uri = java.net.URI.create(url.replaceFirst("^postgres(ql)?://", "http://"));
    StringBuilder jdbc =
        new StringBuilder("jdbc:postgresql://")
            .append(uri.getHost())
            .append(':')
            .append(uri.getPort() > 0 ? uri.getPort() : 5432)
            .append(uri.getPath());
    String userInfo = uri.getUserInfo();
    if (userInfo != null) {
      String[] parts = userInfo.split(":", 2);
      jdbc.append("?user=").append(parts[0]);
      if (parts.length > 1) jdbc.append("&password=").append(parts[1]);
    } else {
      jdbc.append("?user=postgres");
    }
    return jdbc.toString();
  }

  private static String redact(String url) {
    return url.replaceAll("//([^:@/]+):[^@]*@", "//$1:***@");
  }
}
