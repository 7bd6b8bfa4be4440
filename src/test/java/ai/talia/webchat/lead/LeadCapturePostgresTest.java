package ai.talia.webchat.lead;

import ai.talia.webchat.support.TestDatabases;

class LeadCapturePostgresTest extends LeadCaptureContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }
}
