package ai.talia.webchat.assistant.scripted;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.lead.LeadOutcome;
import ai.talia.webchat.store.MessageStatus;
import ai.talia.webchat.store.StoredMessage;
import ai.talia.webchat.support.RunningGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A turn of the scripted engine runs on an event loop, so what it does with the visitor's text must
 * cost time linear in the text. The worst inputs of its patterns, at the content limit, each cost
 * well under a millisecond per kilo-character; quadratic scans cost 60–250 ms here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScriptedEngineCostTest {
  private static final int LIMIT = 4000;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private Vertx vertx;
  private ScriptedEngine engine;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    engine = new ScriptedEngine(vertx, RunningGateway.baseConfig());
  }

  @AfterAll
  void stop() {
    RunningGateway.await(vertx.close());
  }

  /** Texts that make a backtracking matcher rescan the rest of the text from every position. */
  static List<String> hostileTexts() {
    return List.of(
        "z".repeat(LIMIT),
        "1".repeat(LIMIT),
        "a" + ".".repeat(LIMIT - 2) + "a",
        "me llamo " + "z".repeat(LIMIT - 9),
        "1 ".repeat(LIMIT / 2),
        "a@".repeat(LIMIT / 2),
        "+1(".repeat(LIMIT / 3),
        "é".repeat(LIMIT));
  }

  @ParameterizedTest
  @MethodSource("hostileTexts")
  void a_hostile_text_at_the_limit_costs_the_engine_a_few_milliseconds_at_most(String text) {
    for (int i = 0; i < 20; i++) turnCpuNanos(text); // let the JIT compile the path first
    long[] runs = new long[7];
    for (int i = 0; i < runs.length; i++) runs[i] = turnCpuNanos(text);
    Arrays.sort(runs);
    double medianMs = runs[runs.length / 2] / 1e6;
    assertThat(medianMs).as("CPU ms of a turn on %.20s…", text).isLessThan(10.0);
  }

  @Test
  void the_cost_grows_linearly_with_the_text() {
    String unit = "z".repeat(LIMIT);
    for (int i = 0; i < 20; i++) turnCpuNanos(unit.repeat(4));
    long once = median(() -> turnCpuNanos(unit));
    long fourTimes = median(() -> turnCpuNanos(unit.repeat(4)));
    // Linear: about 4×; quadratic would be 16×. Generous for timer noise at this scale.
    assertThat((double) fourTimes / Math.max(once, 1)).isLessThan(8.0);
  }

  private static long median(java.util.function.LongSupplier run) {
    long[] runs = new long[9];
    for (int i = 0; i < runs.length; i++) runs[i] = run.getAsLong();
    Arrays.sort(runs);
    return runs[runs.length / 2];
  }

  /** CPU time of this thread for one whole turn (the engine completes it synchronously here). */
  private long turnCpuNanos(String text) {
    StoredMessage message =
        new StoredMessage(
            "m-1",
            "s-cost",
            1,
            StoredMessage.ROLE_USER,
            text,
            Instant.now(),
            "c-1",
            MessageStatus.PENDING,
            null,
            null,
            0,
            0);
    Turn turn =
        new Turn(
            "s-cost",
            "es",
            message,
            null,
            List.of(),
            null,
            new JsonObject(),
            fields ->
                Future.succeededFuture(
                    new LeadOutcome(LeadOutcome.Status.CONSENT_MISSING, null, List.of(), Map.of())),
            id -> Future.succeededFuture());
    StringBuilder reply = new StringBuilder();
    long start = THREADS.getCurrentThreadCpuTime();
    Future<?> done = engine.runTurn(turn, reply::append);
    long spent = THREADS.getCurrentThreadCpuTime() - start;
    assertThat(done.succeeded()).as("the turn completed synchronously").isTrue();
    assertThat(reply).isNotEmpty();
    return spent;
  }
}
