package ai.talia.webchat.lead;

import ai.talia.webchat.support.TestDatabases;

class LeadCaptureEmbeddedTest extends LeadCaptureContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.EMBEDDED;
  }
}
