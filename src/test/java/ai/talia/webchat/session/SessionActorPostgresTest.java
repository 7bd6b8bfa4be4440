package ai.talia.webchat.session;

import ai.talia.webchat.support.TestDatabases;

class SessionActorPostgresTest extends SessionActorContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
