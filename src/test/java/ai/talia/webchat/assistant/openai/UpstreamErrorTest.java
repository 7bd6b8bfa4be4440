package ai.talia.webchat.assistant.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

/**
 * How answers are classified: what is retried, what opens the breaker, which status a turn fails
 * with.
 */
class UpstreamErrorTest {

  private static UpstreamError http(int status, String code, String type, MultiMap headers) {
    String body =
        "{\"error\":{\"message\":\"m\",\"type\":"
            + (type == null ? "null" : "\"" + type + "\"")
            + ",\"param\":null,\"code\":"
            + (code == null ? "null" : "\"" + code + "\"")
            + "}}";
    return UpstreamError.fromHttp(status, headers, body);
  }

  private static MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap();
  }

  @Test
  void rate_limits_are_retried_but_an_exhausted_quota_is_not() {
    UpstreamError limited = http(429, "rate_limit_exceeded", "requests", headers());
    assertThat(limited.kind()).isEqualTo(UpstreamError.Kind.RATE_LIMITED);
    assertThat(limited.retryable()).isTrue();
    UpstreamError quota = http(429, "insufficient_quota", "insufficient_quota", headers());
    assertThat(quota.kind()).isEqualTo(UpstreamError.Kind.QUOTA);
    assertThat(quota.retryable()).isFalse();
    assertThat(quota.toFailure().httpStatus()).isEqualTo(503);
    assertThat(
            http(
                    429,
                    "insufficient_quota",
                    "insufficient_quota",
                    headers().add("x-should-retry", "true"))
                .retryable())
        .isFalse();
  }

  @Test
  void statuses_map_to_kinds() {
    assertThat(http(408, null, null, headers()).retryable()).isTrue();
    assertThat(http(409, null, null, headers()).retryable()).isTrue();
    assertThat(http(500, null, "server_error", headers()).retryable()).isTrue();
    assertThat(http(503, null, null, headers()).toFailure().httpStatus()).isEqualTo(503);
    assertThat(http(400, null, "invalid_request_error", headers()).retryable()).isFalse();
    assertThat(http(400, null, "invalid_request_error", headers()).toFailure().httpStatus())
        .isEqualTo(502);
    assertThat(http(401, "invalid_api_key", null, headers()).kind())
        .isEqualTo(UpstreamError.Kind.AUTH);
    assertThat(http(500, null, null, headers().add("x-should-retry", "false")).retryable())
        .isFalse();
    assertThat(UpstreamError.fromHttp(502, headers(), "<html>bad gateway</html>").kind())
        .isEqualTo(UpstreamError.Kind.SERVER_ERROR);
  }

  @Test
  void reads_retry_after_in_ms_seconds_or_as_a_date() {
    assertThat(UpstreamError.retryAfterMs(headers().add("retry-after-ms", "250"))).isEqualTo(250);
    assertThat(UpstreamError.retryAfterMs(headers().add("retry-after", "3"))).isEqualTo(3000);
    assertThat(UpstreamError.retryAfterMs(headers().add("retry-after", "0.5"))).isEqualTo(500);
    String date =
        ZonedDateTime.now(ZoneOffset.UTC)
            .plusSeconds(10)
            .format(DateTimeFormatter.RFC_1123_DATE_TIME);
    assertThat(UpstreamError.retryAfterMs(headers().add("retry-after", date)))
        .isBetween(8000L, 10_000L);
    assertThat(UpstreamError.retryAfterMs(headers().add("retry-after", "soon"))).isEqualTo(-1);
    assertThat(UpstreamError.retryAfterMs(headers())).isEqualTo(-1);
  }

  @Test
  void a_lost_conversation_is_told_apart_from_an_unknown_model() {
    UpstreamError lost =
        UpstreamError.fromHttp(
            404,
            headers(),
            "{\"error\":{\"message\":\"Conversation with id 'conv_1' not found.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
    assertThat(lost.isLostConversation("conv_1")).isTrue();
    UpstreamError model =
        UpstreamError.fromHttp(
            404,
            headers(),
            "{\"error\":{\"message\":\"The model `x` does not exist\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}");
    assertThat(model.isLostConversation("conv_1")).isFalse();
  }

  @Test
  void key_fragments_in_upstream_messages_are_redacted() {
    UpstreamError wrongKey =
        UpstreamError.fromHttp(
            401,
            headers(),
            "{\"error\":{\"message\":\"Incorrect API key provided: sk-proj-abc*****wxyz. You can find your API key at "
                + "https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
    assertThat(wrongKey.getMessage())
        .doesNotContain("sk-proj")
        .doesNotContain("wxyz")
        .contains("[redacted]");
    assertThat(wrongKey.describe()).isEqualTo("OpenAI auth (HTTP 401) code=invalid_api_key");
  }

  @Test
  void backoff_grows_with_jitter_and_honours_retry_after_up_to_the_cap() {
    Vertx vertx = Vertx.vertx();
    try {
      RetryPolicy policy =
          new RetryPolicy(
              vertx,
              3,
              100,
              1000,
              new OpenAiMetrics(
                  new SimpleMeterRegistry(), "responses", () -> CircuitBreaker.State.CLOSED));
      for (int i = 0; i < 50; i++) {
        assertThat(policy.delayMs(0, -1)).isBetween(50L, 100L);
        assertThat(policy.delayMs(1, -1)).isBetween(100L, 200L);
        assertThat(policy.delayMs(6, -1)).isBetween(500L, 1000L);
      }
      assertThat(policy.delayMs(0, 700)).isEqualTo(700);
      assertThat(policy.delayMs(0, 5000)).isEqualTo(-1);
    } finally {
      vertx.close();
    }
  }
}
