package ai.talia.webchat.http;

import ai.talia.webchat.support.TestDatabases;

class WebchatApiEmbeddedTest extends WebchatApiContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
