package ai.talia.webchat.webhook;

import ai.talia.webchat.support.TestDatabases;

class WebhookOutboxEmbeddedTest extends WebhookOutboxContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
