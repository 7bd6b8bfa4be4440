package ai.talia.webchat.session;

import ai.talia.webchat.assistant.TurnOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Session-level meters: live actors, turns by outcome, turn latency, refusals by code, the daily
 * token budget.
 */
public final class SessionMetrics {
  private final MeterRegistry registry;
  private final AtomicInteger liveActors = new AtomicInteger();
  private final Timer turnLatency;

  /** Per outcome, looked up once: a turn's end is hot, Micrometer's builder and lookup are not. */
  private final Map<TurnOutcome, Counter> turns = new ConcurrentHashMap<>();

  public SessionMetrics(MeterRegistry registry, DailyTokenBudget budget) {
    this.registry = registry;
    registry.gauge("talia_session_actors_live", liveActors);
    Gauge.builder("talia_daily_tokens_used", budget, DailyTokenBudget::used)
        .description("Assistant tokens used today (UTC) by this JVM")
        .register(registry);
    Gauge.builder("talia_daily_token_budget", budget, DailyTokenBudget::limit)
        .description("The daily token budget of this JVM; 0 is unlimited")
        .register(registry);
    this.turnLatency =
        Timer.builder("talia_turn_duration")
            .description("Time from a turn's start to its stored reply")
            .publishPercentileHistogram()
            .register(registry);
  }

  public void actorStarted() {
    liveActors.incrementAndGet();
  }

  public void actorStopped() {
    liveActors.decrementAndGet();
  }

  public int liveActors() {
    return liveActors.get();
  }

  public void turn(TurnOutcome outcome, long nanos) {
    turns
        .computeIfAbsent(
            outcome,
            o -> Counter.builder("talia_turns_total").tag("outcome", o.tag()).register(registry))
        .increment();
    if (outcome == TurnOutcome.COMPLETED) turnLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A session actor that found another actor writing its session and stepped down. */
  public void steppedDown() {
    Counter.builder("talia_session_step_downs_total")
        .description("Session actors that stepped down because another actor owned the session")
        .register(registry)
        .increment();
  }

  public void refused(String code) {
    Counter.builder("talia_messages_refused_total")
        .tag("code", code)
        .register(registry)
        .increment();
  }
}
