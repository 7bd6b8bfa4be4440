package ai.talia.webchat.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WidgetTokenTest {
  @Test
  void only_the_configured_token_passes_and_anything_does_when_none_is() {
    assertThat(WidgetToken.accepts("widget-secret", "widget-secret")).isTrue();
    assertThat(WidgetToken.accepts("widget-secret", "widget-secreT")).isFalse();
    assertThat(WidgetToken.accepts("widget-secret", "widget")).isFalse();
    assertThat(WidgetToken.accepts("widget-secret", null)).isFalse();
    // A hello's widget_token is whatever JSON the client sent.
    assertThat(WidgetToken.accepts("42", 42)).isFalse();
    assertThat(WidgetToken.accepts(null, null)).isTrue();
    assertThat(WidgetToken.accepts(null, "anything")).isTrue();
  }
}
