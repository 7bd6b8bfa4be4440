package ai.talia.webchat.store;

import ai.talia.webchat.support.TestDatabases;

class StoreEmbeddedTest extends StoreContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
