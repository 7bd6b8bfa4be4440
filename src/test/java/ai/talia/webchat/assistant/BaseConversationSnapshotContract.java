package ai.talia.webchat.assistant;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import org.approvaltests.Approvals;
import org.approvaltests.core.Options;
import org.approvaltests.reporters.QuietReporter;
import org.junit.jupiter.api.Test;

/**
 * The base conversation of the scripted engine, in Spanish and English, as a reviewed snapshot:
 * transcript, events and the lead row. Both stores must produce the same approved file, so a change
 * to the conversation shows up as a snapshot diff to review.
 */
abstract class BaseConversationSnapshotContract {
  private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

  abstract TestDatabases.Kind kind();

  @Test
  void base_conversation_in_spanish() {
    verify(
        "es",
        List.of(
            "Hola",
            "¿Qué precio tiene?",
            "Me llamo Ana Pérez",
            "mi correo es ana.perez@ejemplo",
            "mi correo es ana.perez@example.com",
            "+34 612 345 678",
            "Gracias"));
  }

  @Test
  void base_conversation_in_english() {
    verify(
        "en",
        List.of(
            "Hello",
            "Which languages do you speak?",
            "My name is John Smith",
            "john.smith@example.com",
            "my phone is 12",
            "+44 7400 123456",
            "Thanks"));
  }

  private void verify(String locale, List<String> lines) {
    try (RunningGateway gateway = RunningGateway.start(kind())) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession(locale);
      StringBuilder out = new StringBuilder("== transcript (" + locale + ") ==\n");
      for (String line : lines) {
        Api.Reply reply = api.say(s, line);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      }
      for (Object o : api.history(s).json().getJsonArray("messages")) {
        JsonObject m = (JsonObject) o;
        out.append(m.getLong("seq"))
            .append(' ')
            .append(m.getString("role"))
            .append(" [")
            .append(m.getString("status"))
            .append("]: ")
            .append(m.getString("content"))
            .append('\n');
      }
      StoreClient store = new StoreClient(gateway.vertx());
      out.append("\n== events ==\n");
      for (DomainEvent e : await(store.events(s.id()))) {
        out.append(e.type()).append(' ').append(normalize(e.data().encode(), s.id())).append('\n');
      }
      LeadRecord lead = await(store.findLead(s.id()));
      out.append("\n== lead ==\n");
      out.append("name=")
          .append(lead.name())
          .append("\nemail=")
          .append(lead.email())
          .append("\nphone=")
          .append(lead.phone())
          .append("\nsource=")
          .append(lead.source())
          .append("\nconsent_is_the_granted_one=")
          .append(lead.consentId().equals(await(store.latestConsent(s.id())).id()))
          .append('\n');
      Approvals.verify(
          out.toString(),
          new Options()
              .withReporter(new QuietReporter())
              .forFile()
              .withBaseName(
                  "base-conversation-" + locale + "." + kind().name().toLowerCase(Locale.ROOT)));
    }
  }

  private static String normalize(String json, String sessionId) {
    return json.replace(sessionId, "<session>").replaceAll(UUID, "<id>");
  }
}
