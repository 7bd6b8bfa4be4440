package ai.talia.webchat.admin;

import ai.talia.webchat.support.TestDatabases;

class AdminApiPostgresTest extends AdminApiContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
