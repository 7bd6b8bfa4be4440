package ai.talia.webchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's CPU profile summary (-Dbench.profile): what it counts, and from a real JFR file.
 */
class ProfileSummaryTest {
  @Test
  void selfCountsTheTopFrameAndTotalEveryMethodOnTheStackOncePerSample() {
    ProfileSummary summary = new ProfileSummary();
    for (int i = 0; i < 3; i++) summary.add("loop-1", List.of("A.leaf", "B.middle", "C.root"));
    summary.add("loop-2", List.of("B.middle", "C.root"));
    // recursion: C.root twice on one stack counts once
    summary.add("worker-7", List.of("D.other", "C.root", "C.root"));
    summary.add("empty", List.of());

    assertThat(summary.samples()).isEqualTo(5);
    assertThat(summary.topSelf(3)).containsExactly("A.leaf", "B.middle", "D.other");
    assertThat(summary.selfPercent("A.leaf")).isEqualTo(60.0);
    assertThat(summary.selfPercent("B.middle")).isEqualTo(20.0);
    assertThat(summary.selfPercent("C.root")).isZero();
    assertThat(summary.totalPercent("C.root")).isEqualTo(100.0);
    assertThat(summary.totalPercent("B.middle")).isEqualTo(80.0);
    assertThat(summary.topTotal(2)).containsExactly("C.root", "B.middle");
    assertThat(summary.format("test", 2))
        .contains("(5 samples)")
        .contains(" 60.0%   60.0%  A.leaf")
        .contains("  0.0%  100.0%  C.root")
        .contains("loop-N 80.0%, worker-N 20.0%");
  }

  @Test
  void aRecordingOfThisJvmNamesTheMethodThatBurnsTheCpu(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("burn.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
      recording.start();
      long[] burnt = new long[1];
      Thread burner = new Thread(() -> burnt[0] = burn(), "burner-1");
      burner.start();
      burner.join();
      recording.stop();
      recording.dump(file);
      assertThat(burnt[0]).isNotZero(); // xorshift never reaches 0: the loop ran
    }

    ProfileSummary summary = ProfileSummary.read(file);
    String spin = ProfileSummaryTest.class.getName() + ".spin";
    String burn = ProfileSummaryTest.class.getName() + ".burn";
    assertThat(summary.samples()).isGreaterThan(20);
    assertThat(summary.topSelf(1)).containsExactly(spin);
    assertThat(summary.selfPercent(spin)).isGreaterThan(50);
    assertThat(summary.selfPercent(burn)).isLessThan(summary.selfPercent(spin));
    assertThat(summary.totalPercent(burn)).isGreaterThanOrEqualTo(summary.selfPercent(spin));
    assertThat(summary.format("burn", 5)).contains("burner-N");
  }

  /** Half a second of this thread's CPU, nearly all of it in {@link #spin}. */
  private static long burn() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long until = threads.getCurrentThreadCpuTime() + Duration.ofMillis(500).toNanos();
    long x = 1;
    while (threads.getCurrentThreadCpuTime() < until) x = spin(x);
    return x;
  }

  private static long spin(long seed) {
    long x = seed;
    for (int i = 0; i < 2_000_000; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
    }
    return x;
  }
}
