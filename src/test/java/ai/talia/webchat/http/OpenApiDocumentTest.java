package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.problem.ProblemCode;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
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
    String source =
        Files.readString(Path.of("src/main/java/ai/talia/webchat/http/RouterVerticle.java"));
    Matcher m =
        Pattern.compile("router\\.(get|post|put|delete)\\(\"([^\"*]+)\"\\)").matcher(source);
    Set<String> routes = new TreeSet<>();
    while (m.find())
      routes.add(
          m.group(1).toUpperCase(Locale.ROOT) + " " + m.group(2).replaceAll(":([a-z_]+)", "{$1}"));
    assertThat(routes).isNotEmpty();
    assertThat(documentedOperations()).containsAll(routes);
  }

  @Test
  void every_documented_operation_exists() throws Exception {
    try (RunningGateway gateway = RunningGateway.start(TestDatabases.Kind.EMBEDDED)) {
      Api api = new Api(gateway.baseUrl());
      for (String op : documentedOperations()) {
        String[] parts = op.split(" ", 2);
        String path = parts[1].replace("{session_id}", "00000000-0000-0000-0000-000000000000");
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
}
