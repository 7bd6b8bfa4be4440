package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The one problem no input can cause: the database goes away under a running gateway. The API
 * answers a clean 500 {@code internal_error} problem (no stack trace), and once the database is
 * back it serves again with everything stored before intact.
 */
class StoreOutagePostgresTest {

  @Test
  void a_lost_database_is_a_clean_internal_error_and_nothing_stored_is_lost() throws Exception {
    try (RunningGateway gateway = RunningGateway.start(TestDatabases.Kind.POSTGRES)) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      assertThat(api.say(s, "Hola").status()).isEqualTo(200);
      String url = gateway.config().string(ConfigKeys.DB_URL);
      String database = url.replaceFirst("^.*/([^/?]+)(\\?.*)?$", "$1");
      String admin = TestDatabases.jdbc(url.replaceFirst("/[^/?]+(\\?.*)?$", "/postgres$1"));

      try (Connection c = DriverManager.getConnection(admin);
          Statement st = c.createStatement()) {
        st.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
        st.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                + database
                + "'");
      }
      try {
        Api.Reply down = api.history(s);
        assertThat(down.status()).as(down.body()).isEqualTo(500);
        assertThat(down.header("Content-Type")).startsWith("application/problem+json");
        JsonObject problem = down.json();
        assertThat(problem.getString("code")).isEqualTo("internal_error");
        assertThat(problem.getString("type")).isEqualTo("urn:talia:problem:internal_error");
        assertThat(down.body())
            .doesNotContain("Exception")
            .doesNotContain("\tat ")
            .doesNotContain(database);
        assertThat(api.get("/ready").status()).isEqualTo(503);
      } finally {
        try (Connection c = DriverManager.getConnection(admin);
            Statement st = c.createStatement()) {
          st.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
        }
      }

      Api.Reply back = api.history(s);
      assertThat(back.status()).as(back.body()).isEqualTo(200);
      assertThat(back.json().getJsonArray("messages")).hasSize(2);
      assertThat(api.say(s, "¿Seguís ahí?").status()).isEqualTo(200);
    }
  }
}
