package ai.talia.webchat.assistant;

import ai.talia.webchat.support.TestDatabases;

class BaseConversationPostgresTest extends BaseConversationSnapshotContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
