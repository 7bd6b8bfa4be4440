package ai.talia.webchat.webhook;

import ai.talia.webchat.support.TestDatabases;

class WebhookOutboxPostgresTest extends WebhookOutboxContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
