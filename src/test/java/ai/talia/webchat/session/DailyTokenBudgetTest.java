package ai.talia.webchat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DailyTokenBudgetTest {

  @Test
  void refuses_turns_once_the_day_is_spent_and_starts_again_at_utc_midnight() {
    MovableClock clock = new MovableClock(Instant.parse("2026-12-01T23:59:00Z"));
    DailyTokenBudget budget = new DailyTokenBudget(1000, clock);
    assertThat(budget.tryReserve()).isTrue();
    budget.record(600);
    assertThat(budget.exhausted()).isFalse();
    assertThat(budget.tryReserve()).isTrue();
    budget.record(450); // the last turn of the day may overshoot
    assertThat(budget.used()).isEqualTo(1050);
    assertThat(budget.exhausted()).isTrue();
    assertThat(budget.tryReserve()).isFalse();

    clock.now.set(Instant.parse("2026-12-02T00:00:00Z"));
    assertThat(budget.exhausted()).isFalse();
    assertThat(budget.used()).isZero();
    assertThat(budget.tryReserve()).isTrue();
  }

  @Test
  void nodes_sharing_a_ledger_spend_one_budget_between_them() {
    // The ledger as the cluster keeps it: one total per day, whoever adds to it.
    java.util.Map<java.time.LocalDate, Long> totals = new java.util.HashMap<>();
    DailyTokenBudget.TokenLedger ledger =
        (day, tokens) -> io.vertx.core.Future.succeededFuture(totals.merge(day, tokens, Long::sum));
    Clock clock = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
    DailyTokenBudget nodeA = new DailyTokenBudget(1000, clock, ledger);
    DailyTokenBudget nodeB = new DailyTokenBudget(1000, clock, ledger);
    nodeA.record(600);
    nodeB.record(300);
    assertThat(nodeB.tryReserve()).isTrue();
    nodeA.refresh();
    nodeB.refresh();
    assertThat(nodeB.used()).isEqualTo(900);
    nodeB.record(200);
    nodeB.refresh();
    nodeA.refresh();
    // Neither node alone spent 1000, the two together did: both refuse.
    assertThat(nodeA.used()).isEqualTo(1100);
    assertThat(nodeA.tryReserve()).isFalse();
    assertThat(nodeB.tryReserve()).isFalse();
  }

  @Test
  void zero_means_unlimited_and_it_is_read_from_config() {
    DailyTokenBudget unlimited =
        new DailyTokenBudget(LimitsSettings.fromConfig(new TaliaConfig(new JsonObject())), null);
    unlimited.record(Long.MAX_VALUE / 2);
    assertThat(unlimited.tryReserve()).isTrue();
    assertThat(unlimited.exhausted()).isFalse();

    TaliaConfig config =
        new TaliaConfig(new JsonObject()).with(ConfigKeys.LIMITS_DAILY_TOKEN_BUDGET, "500");
    assertThat(new DailyTokenBudget(LimitsSettings.fromConfig(config), null).limit())
        .isEqualTo(500);
    assertThatThrownBy(() -> new DailyTokenBudget(-1, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void counts_every_token_under_concurrent_use() throws InterruptedException {
    DailyTokenBudget budget = new DailyTokenBudget(0, Clock.systemUTC());
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < 10_000; i++) budget.record(3);
              });
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) thread.join();
    assertThat(budget.used()).isEqualTo(8 * 10_000 * 3);
  }

  private static final class MovableClock extends Clock {
    final AtomicReference<Instant> now;

    MovableClock(Instant start) {
      this.now = new AtomicReference<>(start);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }
}
