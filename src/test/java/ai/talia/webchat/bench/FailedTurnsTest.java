package ai.talia.webchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The benchmark's failed turns read by kind: a gateway frame's code apart from a closed socket. */
class FailedTurnsTest {
  @Test
  void countsEachKindAndTheTotal() {
    FailedTurns failures = new FailedTurns();
    failures.add(
        new IllegalStateException(
            "{\"type\":\"reply.failed\",\"code\":\"assistant_unavailable\"}"));
    failures.add(new IllegalStateException("socket closed: 1011"));
    failures.add("benchmark race: no model timing");
    long total =
        failures.add(
            new IllegalStateException(
                "{\"type\":\"reply.failed\",\"code\":\"assistant_unavailable\"}"));

    assertThat(total).isEqualTo(4);
    assertThat(failures)
        .hasToString(
            "4 (benchmark race: no model timing: 1, gateway reply.failed assistant_unavailable: 2,"
                + " socket closed: 1011: 1)");
    assertThat(new FailedTurns()).hasToString("0");
  }
}
