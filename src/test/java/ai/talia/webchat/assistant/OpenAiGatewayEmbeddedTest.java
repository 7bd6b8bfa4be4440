package ai.talia.webchat.assistant;

import ai.talia.webchat.support.TestDatabases;

class OpenAiGatewayEmbeddedTest extends OpenAiGatewayContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
