package ai.talia.webchat.store;

import ai.talia.webchat.support.TestDatabases;

class StorePostgresTest extends StoreContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
