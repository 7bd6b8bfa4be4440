package ai.talia.webchat.http;

import ai.talia.webchat.support.TestDatabases;

class HostileInputPostgresTest extends HostileInputContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
