package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.StreamClient;
import ai.talia.webchat.support.TestDatabases;
import ai.talia.webchat.support.TestSql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.Test;

/**
 * A hello whose session's actor cannot be reached in time is answered within {@code
 * stream.joinTimeoutSeconds} with a reason to reconnect, not kept waiting for the reply timeout (90
 * s) and not told it is unauthorized.
 */
class StreamJoinPostgresTest {
  private static final String ORIGIN = "https://landing.example";

  @Test
  void a_hello_whose_actor_cannot_start_in_time_is_closed_with_try_again_later() throws Exception {
    try (RunningGateway gateway =
        RunningGateway.start(
            TestDatabases.Kind.POSTGRES,
            c ->
                c.with(ConfigKeys.STREAM_JOIN_TIMEOUT_SECONDS, 1)
                    .with(ConfigKeys.WEBCHAT_ALLOWED_ORIGINS, new JsonArray().add(ORIGIN)))) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      // No actor is live after a restart; the next one must claim the session's row to start.
      gateway.restart();

      try (Connection lock = DriverManager.getConnection(TestSql.jdbcUrl(gateway.config()))) {
        lock.setAutoCommit(false);
        try (PreparedStatement st =
            lock.prepareStatement(
                "SELECT session_id FROM webchat_sessions WHERE session_id = ? FOR UPDATE")) {
          st.setString(1, s.id());
          st.executeQuery().close();
        }
        StreamClient blocked = StreamClient.connect(gateway.port(), ORIGIN);
        blocked.hello(s.id(), s.token(), 0);
        JsonObject error = blocked.until(StreamClient.type("error")).get(0);
        assertThat(error.getString("code")).isEqualTo("assistant_unavailable");
        assertThat(blocked.awaitClose()).isEqualTo(StreamCloseCodes.TRY_AGAIN_LATER);
        lock.rollback();
      }

      // Once the actor can start, the same session joins as ever.
      StreamClient again = StreamClient.connect(gateway.port(), ORIGIN);
      again.hello(s.id(), s.token(), 0);
      assertThat(again.until(StreamClient.type("ready")).get(0).getString("session_id"))
          .isEqualTo(s.id());
      again.close();
    }
  }
}
