package ai.talia.webchat.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The session actor's guarantees, over HTTP against the real gateway: ordering, idempotency,
 * restarts, passivation.
 */
abstract class SessionActorContract {

  abstract TestDatabases.Kind kind();

  private RunningGateway start(
      java.util.function.UnaryOperator<ai.talia.webchat.config.TaliaConfig> overrides) {
    return RunningGateway.start(
        kind(),
        c ->
            overrides.apply(
                c.with(ConfigKeys.LIMITS_SESSION_RATE_CAPACITY, 1000)
                    .with(ConfigKeys.LIMITS_IP_RATE_CAPACITY, 10_000)));
  }

  @Test
  void fifty_concurrent_posts_to_one_session_give_a_gapless_seq_and_no_duplicates()
      throws Exception {
    try (RunningGateway gateway = start(c -> c)) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      ExecutorService pool = Executors.newFixedThreadPool(50);
      List<Future<Api.Reply>> sent = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String cmid = UUID.randomUUID().toString();
        ids.add(cmid);
        String text = "mensaje " + i;
        sent.add(pool.submit(() -> api.say(s, text, cmid)));
      }
      // The same client_message_ids again, concurrently with the first sends: joined, never
      // doubled.
      for (int i = 0; i < 10; i++) {
        String cmid = ids.get(i);
        String text = "mensaje " + i;
        sent.add(pool.submit(() -> api.say(s, text, cmid)));
      }
      for (Future<Api.Reply> f : sent)
        assertThat(f.get().status()).as(f.get().body()).isEqualTo(200);
      pool.shutdown();

      JsonArray messages = api.history(s).json().getJsonArray("messages");
      List<Long> seqs = messages.stream().map(m -> ((JsonObject) m).getLong("seq")).toList();
      assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, 100).boxed().toList());
      Set<String> userCmids = new HashSet<>();
      for (Object o : messages) {
        JsonObject m = (JsonObject) o;
        if ("user".equals(m.getString("role")))
          assertThat(userCmids.add(m.getString("client_message_id"))).isTrue();
      }
      assertThat(userCmids).containsExactlyInAnyOrderElementsOf(ids);
    }
  }

  @Test
  void a_restart_keeps_every_session_and_message() {
    try (RunningGateway gateway = start(c -> c)) {
      Api api = new Api(gateway.baseUrl());
      Api.Session first = api.consentedSession("es");
      Api.Session second = api.consentedSession("en");
      api.say(first, "Hola");
      api.say(first, "Me llamo Ana Pérez");
      api.say(second, "Hello");
      JsonArray before1 = api.history(first).json().getJsonArray("messages");
      JsonArray before2 = api.history(second).json().getJsonArray("messages");

      gateway.restart();

      assertThat(api.history(first).json().getJsonArray("messages")).isEqualTo(before1);
      assertThat(api.history(second).json().getJsonArray("messages")).isEqualTo(before2);
      // The session goes on where it stopped: the token still works and seq continues.
      Api.Reply next = api.say(first, "¿Qué horario tenéis?");
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.json().getJsonObject("message").getLong("seq"))
          .isEqualTo(before1.size() + 1L);
    }
  }

  @Test
  void an_idle_session_actor_is_undeployed_and_comes_back_with_its_history() throws Exception {
    try (RunningGateway gateway = start(c -> c.with(ConfigKeys.SESSION_IDLE_SECONDS, 1))) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      api.say(s, "Hola");
      assertThat(liveActors(api)).isEqualTo(1);
      for (int i = 0; i < 100 && liveActors(api) > 0; i++) Thread.sleep(100);
      assertThat(liveActors(api)).as("actors still live after the idle time").isZero();

      Api.Reply again = api.say(s, "¿Cuánto cuesta?");
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.json().getJsonObject("message").getLong("seq")).isEqualTo(3);
      assertThat(liveActors(api)).isEqualTo(1);
      assertThat(api.history(s).json().getJsonArray("messages")).hasSize(4);
    }
  }

  /**
   * A live actor answers from the history and lead it keeps in memory; a fresh one reads them from
   * the store. The same conversation, once in one live actor and once with every turn on a fresh
   * actor, must get the same replies (the scripted flow reads both: greeting once, what was asked
   * last, which lead fields are missing).
   */
  @Test
  void an_actor_answers_from_memory_exactly_as_a_fresh_one_does_from_the_store() throws Exception {
    List<String> visitor =
        List.of("Hola", "Ana", "¿Cuánto cuesta?", "ana@example.com", "Gracias", "612 345 678");
    List<String> live = new ArrayList<>();
    try (RunningGateway gateway = start(c -> c.with(ConfigKeys.SESSION_IDLE_SECONDS, 3600))) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      for (String text : visitor)
        live.add(api.say(s, text).json().getJsonObject("reply").getString("content"));
    }
    List<String> fresh = new ArrayList<>();
    try (RunningGateway gateway = start(c -> c.with(ConfigKeys.SESSION_IDLE_SECONDS, 1))) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      for (String text : visitor) {
        for (int i = 0; i < 100 && liveActors(api) > 0; i++) Thread.sleep(100);
        assertThat(liveActors(api)).as("the actor of the previous turn is still live").isZero();
        fresh.add(api.say(s, text).json().getJsonObject("reply").getString("content"));
      }
    }
    assertThat(live).isEqualTo(fresh);
    assertThat(live.get(0)).startsWith("¡Hola!");
    assertThat(live.get(1))
        .contains("Ana")
        .endsWith("¿A qué correo electrónico te podemos escribir?");
    assertThat(live.get(3)).endsWith("¿Y un teléfono de contacto?");
    assertThat(live.get(5)).contains("+34612345678");
  }

  @Test
  void stopping_mid_turn_finishes_it_or_marks_it_failed_and_a_resend_completes_it()
      throws Exception {
    try (RunningGateway gateway =
        start(
            c ->
                c.with(ConfigKeys.SCRIPTED_CHUNK_DELAY_MS, 40)
                    .with(ConfigKeys.SESSION_SHUTDOWN_GRACE_SECONDS, 30))) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      String cmid = UUID.randomUUID().toString();
      Api.Reply queued = api.sayAsync(s, "Hola", cmid);
      assertThat(queued.status()).isEqualTo(202);

      gateway.restart();

      JsonArray messages = api.history(s).json().getJsonArray("messages");
      JsonObject user = messages.getJsonObject(0);
      assertThat(user.getString("status")).isIn("completed", "failed");
      if ("completed".equals(user.getString("status"))) {
        assertThat(messages).hasSize(2);
        assertThat(messages.getJsonObject(1).getString("reply_to")).isEqualTo(user.getString("id"));
      } else {
        assertThat(messages).hasSize(1);
      }
      // Resending the same id answers with the one reply, whichever way the stop went.
      Api.Reply resent = api.say(s, "Hola", cmid);
      assertThat(resent.status()).isEqualTo(200);
      assertThat(resent.json().getJsonObject("message").getString("id"))
          .isEqualTo(user.getString("id"));
      assertThat(api.history(s).json().getJsonArray("messages")).hasSize(2);
    }
  }

  /**
   * Messages accepted under consent wait behind a slow turn; the visitor withdraws. The turn
   * already running finishes, but the waiting ones do not go to the assistant after the withdrawal:
   * they stay stored, failed with consent_required, and run once consent is granted again and they
   * are resent.
   */
  @Test
  void turns_still_queued_when_consent_is_withdrawn_do_not_run() throws Exception {
    try (RunningGateway gateway = start(c -> c.with(ConfigKeys.SCRIPTED_CHUNK_DELAY_MS, 100))) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      List<String> cmids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String cmid = UUID.randomUUID().toString();
        cmids.add(cmid);
        Api.Reply queued = api.sayAsync(s, i == 0 ? "Hola" : "Me llamo Ana Pérez " + i, cmid);
        assertThat(queued.status()).isEqualTo(202);
      }
      Api.Reply withdrawn = api.consent(s, false);
      assertThat(withdrawn.status()).isEqualTo(201);

      JsonArray messages = null;
      for (int i = 0; i < 100; i++) {
        messages = api.history(s).json().getJsonArray("messages");
        boolean settled =
            messages.stream()
                .map(JsonObject.class::cast)
                .noneMatch(m -> "pending".equals(m.getString("status")));
        if (settled) break;
        Thread.sleep(100);
      }
      List<JsonObject> all = messages.stream().map(JsonObject.class::cast).toList();
      for (String cmid : cmids.subList(1, 3)) {
        JsonObject user =
            all.stream()
                .filter(m -> cmid.equals(m.getString("client_message_id")))
                .findFirst()
                .get();
        assertThat(user.getString("status")).as(user.encode()).isEqualTo("failed");
        assertThat(user.getString("error_code")).isEqualTo("consent_required");
        assertThat(all)
            .as("no reply to a turn queued before the withdrawal")
            .noneMatch(m -> user.getString("id").equals(m.getString("reply_to")));
      }

      // Granted again, a resend of a refused one runs it.
      api.consent(s, true);
      Api.Reply resent = api.say(s, "Me llamo Ana Pérez 1", cmids.get(1));
      assertThat(resent.status()).as(resent.body()).isEqualTo(200);
      assertThat(resent.json().getJsonObject("reply").getString("reply_to"))
          .isEqualTo(resent.json().getJsonObject("message").getString("id"));
    }
  }

  private static int liveActors(Api api) {
    Matcher m =
        Pattern.compile("(?m)^talia_session_actors_live(?:\\{[^}]*\\})? ([0-9.]+)")
            .matcher(api.get("/metrics").body());
    assertThat(m.find()).isTrue();
    return (int) Double.parseDouble(m.group(1));
  }
}
