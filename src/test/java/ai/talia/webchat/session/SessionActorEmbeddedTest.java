package ai.talia.webchat.session;

import ai.talia.webchat.support.TestDatabases;

class SessionActorEmbeddedTest extends SessionActorContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
