package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.assistant.TurnOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The openai engine's meters: time to first token, turn latency, upstream errors by kind, tokens,
 * retries.
 */
final class OpenAiMetrics {
  private final MeterRegistry registry;
  private final String style;
  private final Timer firstToken;
  private final Counter inputTokens;
  private final Counter outputTokens;

  /** Per outcome, looked up once: a turn's end is hot, Micrometer's builder and lookup are not. */
  private final Map<TurnOutcome, Timer> turns = new ConcurrentHashMap<>();

  OpenAiMetrics(MeterRegistry registry, String style, Supplier<CircuitBreaker.State> breakerState) {
    this.registry = registry;
    this.style = style;
    this.firstToken =
        Timer.builder("talia_openai_first_token")
            .description("Time from a turn's start to its first reply text")
            .tag("api_style", style)
            .publishPercentileHistogram()
            .register(registry);
    this.inputTokens =
        Counter.builder("talia_openai_tokens")
            .description("Model tokens used")
            .tag("api_style", style)
            .tag("type", "input")
            .register(registry);
    this.outputTokens =
        Counter.builder("talia_openai_tokens")
            .description("Model tokens used")
            .tag("api_style", style)
            .tag("type", "output")
            .register(registry);
    Gauge.builder(
            "talia_openai_breaker_open",
            () -> breakerState.get() == CircuitBreaker.State.OPEN ? 1 : 0)
        .description("1 while the OpenAI circuit breaker refuses calls")
        .tag("api_style", style)
        .register(registry);
  }

  void firstToken(long nanos) {
    firstToken.record(nanos, TimeUnit.NANOSECONDS);
  }

  void turn(TurnOutcome outcome, long nanos) {
    turns
        .computeIfAbsent(
            outcome,
            o ->
                Timer.builder("talia_openai_turn_duration")
                    .description("Time of a whole openai turn, tool rounds included")
                    .tag("api_style", style)
                    .tag("outcome", o.tag())
                    .publishPercentileHistogram()
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  void upstreamError(UpstreamError.Kind kind) {
    Counter.builder("talia_openai_upstream_errors")
        .description("Failed OpenAI calls by kind")
        .tag("api_style", style)
        .tag("kind", kind.tag())
        .register(registry)
        .increment();
  }

  void retry(UpstreamError.Kind kind) {
    Counter.builder("talia_openai_retries")
        .description("OpenAI calls retried, by the kind of failure")
        .tag("api_style", style)
        .tag("kind", kind.tag())
        .register(registry)
        .increment();
  }

  void tokens(int input, int output) {
    if (input > 0) inputTokens.increment(input);
    if (output > 0) outputTokens.increment(output);
  }
}
