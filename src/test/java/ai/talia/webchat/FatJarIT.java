package ai.talia.webchat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.JarProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The developer's path: {@code java -jar} on the embedded defaults, a chat to a stored lead, a
 * clean SIGTERM, a restart.
 */
class FatJarIT {

  @Test
  void java_jar_runs_on_embedded_defaults_chats_to_a_lead_and_stops_cleanly(@TempDir Path workDir)
      throws Exception {
    Api.Session session;
    String historyBefore;
    try (JarProcess jar = JarProcess.start(workDir, Map.of())) {
      assertThat(jar.output())
          .contains("TalIA webchat gateway started")
          .contains("\"url\":\"http://localhost:")
          .contains("embedded H2")
          .contains("\"engine\":\"scripted\"");
      Api api = new Api(jar.baseUrl());
      session = api.consentedSession("es");
      for (String line :
          new String[] {
            "Hola", "Me llamo Ana Pérez", "mi correo es ana@example.com", "+34 612 345 678"
          }) {
        Api.Reply reply = api.say(session, line, UUID.randomUUID().toString());
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      }
      historyBefore = api.history(session).body();

      // SIGTERM: the JVM runs the shutdown hook and exits 143; what was stored is intact on restart
      // (below).
      assertThat(jar.terminate()).isIn(0, 143);
      assertThat(jar.output())
          .doesNotContain("ana@example.com")
          .doesNotContain("612 345 678")
          .doesNotContain("612345678");
    }
    assertThat(Files.isRegularFile(workDir.resolve("data/talia.mv.db"))).isTrue();

    try (JarProcess again = JarProcess.start(workDir, Map.of())) {
      Api api = new Api(again.baseUrl());
      assertThat(api.history(session).body()).isEqualTo(historyBefore);
      again.terminate();
    }
  }

  @Test
  void a_deprecated_assistant_id_logs_one_clear_warning(@TempDir Path workDir) throws Exception {
    try (JarProcess jar =
        JarProcess.start(workDir, Map.of("TALIA_OPENAI_ASSISTANT_ID", "asst_legacy123"))) {
      String out = jar.output();
      assertThat(out).contains("Assistants API");
      assertThat(out.split("Assistants API", -1)).hasSize(2);
      assertThat(out).doesNotContain("asst_legacy123");
      jar.terminate();
    }
  }

  @Test
  void a_partial_conf_file_in_the_working_directory_overrides_only_its_own_keys(
      @TempDir Path workDir) throws Exception {
    Files.createDirectories(workDir.resolve("conf"));
    Files.writeString(
        workDir.resolve("conf/talia.json"), "{\"webchat\": {\"title\": \"Acme Chat\"}}");
    try (JarProcess jar = JarProcess.start(workDir, Map.of())) {
      JsonObject config = new Api(jar.baseUrl()).get("/api/webchat/config").json();
      assertThat(config.getString("title")).isEqualTo("Acme Chat");
      assertThat(config.getJsonArray("locales")).containsExactly("es", "en");
      assertThat(config.getJsonObject("consent").getString("policy_version")).isEqualTo("2026-11");
    }
  }

  @Test
  void a_dot_env_file_in_the_working_directory_is_read(@TempDir Path workDir) throws Exception {
    Files.writeString(workDir.resolve(".env"), "TALIA_DATA_DIR=./from-dotenv\n");
    try (JarProcess jar = JarProcess.start(workDir, Map.of())) {
      assertThat(jar.output()).contains("from-dotenv");
      jar.terminate();
    }
    assertThat(Files.isRegularFile(workDir.resolve("from-dotenv/talia.mv.db"))).isTrue();
  }
}
