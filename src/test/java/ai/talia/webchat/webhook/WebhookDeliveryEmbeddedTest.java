package ai.talia.webchat.webhook;

import ai.talia.webchat.support.TestDatabases;

class WebhookDeliveryEmbeddedTest extends WebhookDeliveryContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
