package ai.talia.webchat.http;

import ai.talia.webchat.support.TestDatabases;

class WebchatApiPostgresTest extends WebchatApiContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
