package ai.talia.webchat.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gateway's own signer against the Standard Webhooks reference library. */
class WebhookSecretTest {
  // The reference library's own test secret and message.
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final String BODY = "{\"test\": 2432232314}";

  @Test
  void a_signature_is_v1_and_base64_hmac_sha256_of_id_timestamp_body_as_the_library_computes()
      throws Exception {
    long ts = 1614265330;
    String ours = WebhookSecret.parse(SECRET, "test").sign(ID, ts, BODY);
    assertThat(ours).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    assertThat(ours).isEqualTo(new Webhook(SECRET).sign(ID, ts, BODY));
  }

  @Test
  void the_library_verifies_what_it_signs_now_and_refuses_another_secret() throws Exception {
    long now = Instant.now().getEpochSecond();
    String sig = WebhookSecret.parse(SECRET, "test").sign(ID, now, BODY);
    Map<String, List<String>> headers =
        Map.of(
            "webhook-id", List.of(ID),
            "webhook-timestamp", List.of(String.valueOf(now)),
            "webhook-signature", List.of(sig));
    new Webhook(SECRET).verify(BODY, headers);
    assertThatThrownBy(() -> new Webhook("whsec_" + "A".repeat(32)).verify(BODY, headers))
        .isInstanceOf(WebhookVerificationException.class);
  }

  @Test
  void it_never_shows_itself() {
    assertThat(WebhookSecret.parse(SECRET, "test").toString()).isEqualTo("whsec_***");
  }
}
