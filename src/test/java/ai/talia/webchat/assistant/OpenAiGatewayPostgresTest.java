package ai.talia.webchat.assistant;

import ai.talia.webchat.support.TestDatabases;

class OpenAiGatewayPostgresTest extends OpenAiGatewayContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
