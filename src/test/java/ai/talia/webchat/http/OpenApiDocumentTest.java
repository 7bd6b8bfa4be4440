package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.StoreClient;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import ai.talia.webchat.webhook.WebhookSettings;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** openapi.yaml stays true to the code: the same routes, the same problem codes. */
class OpenApiDocumentTest {

  @SuppressWarnings("unchecked")
  private static Map<String, Object> document() throws Exception {
    try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/openapi.yaml")) {
      return new Yaml().load(in);
    }
  }

  @SuppressWarnings("unchecked")
  private static Set<String> documentedOperations() throws Exception {
    Set<String> ops = new TreeSet<>();
    Map<String, Map<String, Object>> paths =
        (Map<String, Map<String, Object>>) document().get("paths");
    paths.forEach(
        (path, methods) ->
            methods.keySet().forEach(m -> ops.add(m.toUpperCase(Locale.ROOT) + " " + path)));
    return ops;
  }

  @Test
  @SuppressWarnings("unchecked")
  void every_problem_code_is_documented_and_nothing_else() throws Exception {
    Map<String, Object> schemas =
        (Map<String, Object>) ((Map<String, Object>) document().get("components")).get("schemas");
    Map<String, Object> problem =
        (Map<String, Object>) ((Map<String, Object>) schemas.get("Problem")).get("properties");
    List<String> documented =
        (List<String>) ((Map<String, Object>) problem.get("code")).get("enum");
    assertThat(documented)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(ProblemCode.values()).map(ProblemCode::code).toList());
  }

  @Test
  void every_route_of_the_router_is_documented() throws Exception {
    // The router's own routes and those of the groups it mounts (the admin API's).
    Set<String> routes = new TreeSet<>();
    Pattern route = Pattern.compile("router\\.(get|post|put|delete)\\(\"([^\"*]+)\"\\)");
    try (var files = Files.walk(Path.of("src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Matcher m = route.matcher(Files.readString(file));
        while (m.find())
          routes.add(
              m.group(1).toUpperCase(Locale.ROOT)
                  + " "
                  + m.group(2).replaceAll(":([a-z_]+)", "{$1}"));
      }
    }
    assertThat(routes).contains("GET /api/webchat/config", "GET /api/admin/webhooks/deliveries");
    assertThat(documentedOperations()).containsAll(routes);
  }

  @Test
  void every_documented_operation_exists() throws Exception {
    // With an admin token the admin paths exist (and answer 401 without it).
    try (RunningGateway gateway =
        RunningGateway.start(
            TestDatabases.Kind.EMBEDDED, c -> c.with(ConfigKeys.ADMIN_TOKEN, "openapi-test"))) {
      Api api = new Api(gateway.baseUrl());
      for (String op : documentedOperations()) {
        String[] parts = op.split(" ", 2);
        String path =
            parts[1]
                .replace("{session_id}", "00000000-0000-0000-0000-000000000000")
                .replace("{id}", "00000000-0000-0000-0000-000000000000");
        Api.Reply reply =
            api.request(parts[0], path).raw("{}").header("Content-Type", "application/json").send();
        String type = reply.header("Content-Type");
        if (type != null && type.startsWith("application/problem+json")) {
          assertThat(reply.json().getString("code"))
              .as(op)
              .isNotIn("not_found", "method_not_allowed");
        }
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void every_event_type_is_documented_as_a_webhook_with_the_data_the_store_writes()
      throws Exception {
    Map<String, Object> doc = document();
    Map<String, Object> webhooks = (Map<String, Object>) doc.get("webhooks");
    assertThat(webhooks.keySet()).containsExactlyInAnyOrderElementsOf(WebhookSettings.EVENT_TYPES);
    Map<String, Object> schemas =
        (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
    Map<String, Set<String>> documented = new java.util.HashMap<>();
    webhooks.forEach(
        (type, item) -> {
          Map<String, Object> schema =
              (Map<String, Object>)
                  ((Map<String, Object>)
                          ((Map<String, Object>)
                                  ((Map<String, Object>)
                                          ((Map<String, Object>)
                                                  ((Map<String, Object>) item).get("post"))
                                              .get("requestBody"))
                                      .get("content"))
                              .get("application/json"))
                      .get("schema");
          Map<String, Object> own =
              (Map<String, Object>) ((List<Object>) schema.get("allOf")).get(1);
          Map<String, Object> props = (Map<String, Object>) own.get("properties");
          assertThat(((Map<String, Object>) props.get("type")).get("const")).isEqualTo(type);
          String ref = (String) ((Map<String, Object>) props.get("data")).get("$ref");
          Map<String, Object> data =
              (Map<String, Object>) schemas.get(ref.substring(ref.lastIndexOf('/') + 1));
          documented.put(type, ((Map<String, Object>) data.get("properties")).keySet());
        });
    // A real conversation's events carry exactly the documented data.
    try (RunningGateway gateway =
        RunningGateway.start(
            TestDatabases.Kind.EMBEDDED, c -> c.with(ConfigKeys.ADMIN_TOKEN, "openapi-test"))) {
      Api api = new Api(gateway.baseUrl());
      Api.Session s = api.consentedSession("es");
      for (String line :
          List.of("Hola", "Me llamo Ana Pérez", "ana@example.com", "+34 612 345 678"))
        api.say(s, line);
      api.consent(s, false);
      Set<String> seen = new TreeSet<>();
      for (DomainEvent e : RunningGateway.await(new StoreClient(gateway.vertx()).events(s.id()))) {
        seen.add(e.type());
        assertThat(e.data().fieldNames())
            .as(e.type())
            .containsExactlyInAnyOrderElementsOf(documented.get(e.type()));
      }
      // Last, its erasure (which replaces the data of the events above).
      assertThat(
              api.request("DELETE", "/api/admin/sessions/" + s.id())
                  .bearer("openapi-test")
                  .send()
                  .status())
          .isEqualTo(200);
      for (DomainEvent e : RunningGateway.await(new StoreClient(gateway.vertx()).events(s.id()))) {
        if (!e.type().equals(DomainEvent.SESSION_ERASED)) continue;
        seen.add(e.type());
        assertThat(e.data().fieldNames())
            .as(e.type())
            .containsExactlyInAnyOrderElementsOf(documented.get(e.type()));
      }
      assertThat(seen).containsExactlyInAnyOrderElementsOf(WebhookSettings.EVENT_TYPES);
    }
  }
}
