package ai.talia.webchat.assistant.openai;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.lead.LeadFields;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The capture_lead arguments are untrusted text from the model. */
class LeadToolTest {

  @Test
  void accepts_strings_and_nulls_under_the_three_fields() {
    assertThat(LeadTool.parse("{\"name\":\" Ana \",\"email\":null,\"phone\":\"+34 612 345 678\"}"))
        .isEqualTo(new LeadFields("Ana", null, "+34 612 345 678"));
    assertThat(LeadTool.parse("{\"name\":\"\",\"email\":\"   \"}"))
        .isEqualTo(new LeadFields(null, null, null));
  }

  @Test
  void anything_else_is_invalid() {
    for (String bad :
        new String[] {
          null,
          "",
          "nope",
          "[1]",
          "\"Ana\"",
          "{\"name\":42}",
          "{\"name\":{\"a\":1}}",
          "{\"name\":\"Ana\",\"admin\":true}",
          "{\"email\":\"" + "a".repeat(201) + "\"}",
          "{\"name\":\"Ana\""
        }) {
      assertThat(LeadTool.parse(bad)).as(String.valueOf(bad)).isNull();
    }
  }

  @Test
  void outputs_are_json_for_the_model_and_a_store_failure_is_one_of_them() throws Exception {
    OpenAiTestSupport.RecordingLeads leads = new OpenAiTestSupport.RecordingLeads();
    assertThat(result(LeadTool.run("capture_lead", "{}", leads, "s")))
        .isEqualTo("{\"status\":\"error\",\"reason\":\"no_fields\"}");
    assertThat(result(LeadTool.run("read_database", "{}", leads, "s")))
        .isEqualTo("{\"status\":\"error\",\"reason\":\"unknown_tool\"}");
    assertThat(leads.captured).isEmpty();
    String stored =
        result(
            LeadTool.run(
                "capture_lead", "{\"name\":\"Ana\",\"email\":null,\"phone\":null}", leads, "s"));
    assertThat(new JsonObject(stored).getString("status")).isEqualTo("stored");
    String failed =
        result(
            LeadTool.run(
                "capture_lead",
                "{\"name\":\"Ana\",\"email\":null,\"phone\":null}",
                fields -> Future.failedFuture(new IllegalStateException("db down")),
                "s"));
    assertThat(failed).isEqualTo("{\"status\":\"error\",\"reason\":\"capture_failed\"}");
  }

  private static String result(Future<String> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }
}
