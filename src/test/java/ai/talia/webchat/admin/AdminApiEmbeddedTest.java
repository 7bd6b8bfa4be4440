package ai.talia.webchat.admin;

import ai.talia.webchat.support.TestDatabases;

class AdminApiEmbeddedTest extends AdminApiContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
