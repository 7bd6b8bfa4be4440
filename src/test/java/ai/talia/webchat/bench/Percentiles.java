package ai.talia.webchat.bench;

import java.util.Arrays;

/** p50/p99 of a set of samples, in milliseconds with microsecond resolution. */
record Percentiles(int count, double p50Ms, double p99Ms, double maxMs) {

  static Percentiles ofNanos(long[] nanos) {
    if (nanos.length == 0) return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN);
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Percentiles(
        sorted.length, at(sorted, 0.50), at(sorted, 0.99), sorted[sorted.length - 1] / 1e6);
  }

  private static double at(long[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }

  @Override
  public String toString() {
    return String.format(
        "p50 %.2f ms, p99 %.2f ms (max %.2f ms, n=%d)", p50Ms, p99Ms, maxMs, count);
  }
}
