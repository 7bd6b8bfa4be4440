package ai.talia.webchat.http;

import ai.talia.webchat.support.TestDatabases;

class StreamEmbeddedTest extends StreamContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
