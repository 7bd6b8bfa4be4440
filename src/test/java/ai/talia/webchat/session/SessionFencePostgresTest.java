package ai.talia.webchat.session;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The database as the last fence of session ownership: another owner claims a session behind its
 * live actor's back (what a paused JVM or a split brain would lead to), and the stale actor's next
 * write is refused; it steps down with a warning and the command runs at the session's new actor.
 */
class SessionFencePostgresTest {

  @Test
  void a_stale_actor_steps_down_and_the_command_is_retried_at_the_real_owner() {
    try (RunningGateway gateway = RunningGateway.start(TestDatabases.Kind.POSTGRES)) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      assertThat(api.say(s, "¿Qué precio tiene?").status()).isEqualTo(200);

      // Another actor takes the session over: it claims the next owner epoch.
      await(new StoreClient(gateway.vertx()).claimSession(s.id(), "interrupted"));

      Api.Reply reply = api.say(s, "¿Y las integraciones?", "after-claim");
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      JsonArray messages = api.history(s).json().getJsonArray("messages");
      List<Long> seqs = new ArrayList<>();
      for (int i = 0; i < messages.size(); i++) seqs.add(messages.getJsonObject(i).getLong("seq"));
      assertThat(seqs).containsExactly(1L, 2L, 3L, 4L);
      assertThat(messages.getJsonObject(2).getString("client_message_id")).isEqualTo("after-claim");
      String metrics = api.get("/metrics").body();
      assertThat(metrics).contains("talia_session_step_downs_total 1.0");
      assertThat(metrics).contains("talia_session_actors_live 1.0");
    }
  }
}
