package ai.talia.webchat.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.support.JarProcess;
import ai.talia.webchat.support.TestDatabases;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSV export of 50,000 leads from the packaged jar running in a 64 MB heap, on Postgres: the
 * file (about 25 MB) could not be built in memory there, so it has to be streamed page by page.
 */
class AdminCsvJarIT {
  static final String TOKEN = "admin-jar-token-0123456789";
  static final int LEADS = 50_000;

  @Test
  void fifty_thousand_leads_stream_out_of_a_64_mb_heap(@TempDir Path workDir) throws Exception {
    String db = TestDatabases.freshPostgres();
    try (JarProcess jar =
        JarProcess.start(
            workDir, Map.of("TALIA_DB_URL", db, "TALIA_ADMIN_TOKEN", TOKEN), "-Xmx64m")) {
      seed(db);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      long started = System.nanoTime();
      HttpResponse<InputStream> response =
          http.send(
              HttpRequest.newBuilder(URI.create(jar.baseUrl() + "/api/admin/leads.csv"))
                  .header("Authorization", "Bearer " + TOKEN)
                  .timeout(Duration.ofMinutes(5))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
      Set<String> ids = new HashSet<>();
      long bytes = 0;
      String previous = null;
      try (JarOutputOnFailure watch = new JarOutputOnFailure(jar);
          BufferedReader in =
              new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String header = in.readLine();
        assertThat(header).startsWith("id,session_id,name,email,phone,");
        String line;
        while ((line = in.readLine()) != null) {
          bytes += line.length() + 2;
          String id = line.substring(0, line.indexOf(','));
          assertThat(ids.add(id)).as("once: " + id).isTrue();
          // Newest first: the seeded ids grow with created_at.
          if (previous != null) assertThat(id).isLessThan(previous);
          previous = id;
          if (ids.size() == LEADS) watch.done();
          assertThat(line).contains(",\"'=HYPERLINK(\"\"https://x.example\"\",\"\"y\"\") ");
        }
      }
      assertThat(ids).hasSize(LEADS);
      System.out.printf(
          "leads.csv: %d leads, %.1f MB in %d ms from a 64 MB heap%n",
          LEADS, bytes / 1e6, (System.nanoTime() - started) / 1_000_000);
      assertThat(jar.isAlive()).isTrue();
      assertThat(jar.output()).doesNotContain("OutOfMemoryError");
    }
  }

  /** 50,000 sessions, consents and leads in three statements, with long pages and a formula. */
  private static void seed(String db) throws Exception {
    try (Connection c = DriverManager.getConnection(TestDatabases.jdbc(db));
        Statement s = c.createStatement()) {
      String series = " FROM generate_series(1, " + LEADS + ") g";
      String at = "timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second'";
      s.execute(
          "INSERT INTO webchat_sessions (session_id, token_hash, locale, page_url, utm, created_at, "
              + "last_activity) SELECT 'seed-' || lpad(g::text, 8, '0'), repeat('0', 64), 'es', "
              + "'https://landing.example/precios?campaign=' || repeat('x', 250) || '&i=' || g, "
              + "'{\"utm_source\":\"google\",\"utm_campaign\":\"otono\"}', "
              + at
              + ", "
              + at
              + series);
      s.execute(
          "INSERT INTO consents (id, session_id, policy_version, granted, created_at) SELECT "
              + "'consent-' || lpad(g::text, 8, '0'), 'seed-' || lpad(g::text, 8, '0'), '2026-11', TRUE, "
              + at
              + series);
      s.execute(
          "INSERT INTO leads (id, session_id, name, email, phone, source, consent_id, created_at, "
              + "updated_at) SELECT 'lead-' || lpad(g::text, 8, '0'), 'seed-' || lpad(g::text, 8, '0'), "
              + "'=HYPERLINK(\"https://x.example\",\"y\") ' || g, 'lead' || g || '@example.com', "
              + "'+34600' || lpad(g::text, 6, '0'), 'webchat', 'consent-' || lpad(g::text, 8, '0'), "
              + at
              + ", "
              + at
              + series);
      // As autovacuum would after a bulk import: the planner sees the rows.
      s.execute("ANALYZE");
    }
  }

  /** On a failure while reading, the jar's own log says why. */
  private static final class JarOutputOnFailure implements AutoCloseable {
    private final JarProcess jar;
    private boolean done;

    JarOutputOnFailure(JarProcess jar) {
      this.jar = jar;
    }

    @Override
    public void close() {
      if (!done) System.out.println("jar output:\n" + jar.output());
    }

    void done() {
      done = true;
    }
  }
}
