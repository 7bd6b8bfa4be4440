package ai.talia.webchat.assistant;

import java.util.Locale;

/** How a turn ended, as the {@code outcome} tag of the turn meters. */
public enum TurnOutcome {
  COMPLETED,
  FAILED;

  public static TurnOutcome of(boolean succeeded) {
    return succeeded ? COMPLETED : FAILED;
  }

  /** The meter tag: {@code completed}, {@code failed}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
