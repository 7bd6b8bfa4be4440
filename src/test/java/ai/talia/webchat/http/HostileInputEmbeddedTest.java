package ai.talia.webchat.http;

import ai.talia.webchat.support.TestDatabases;

class HostileInputEmbeddedTest extends HostileInputContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
