package ai.talia.webchat.config;

/** Range checks of settings, each failing with a message that names the key. */
public final class Check {
  private Check() {}

  /** {@code key}'s whole number, refused below {@code min}. */
  public static int atLeast(TaliaConfig config, ConfigKeys key, int min) {
    return atLeast(key, config.integer(key), min);
  }

  /** {@code key}'s number as a long, refused below {@code min}. */
  public static long longAtLeast(TaliaConfig config, ConfigKeys key, long min) {
    return atLeast(key, config.longValue(key), min);
  }

  public static int atLeast(ConfigKeys key, int value, int min) {
    if (value < min)
      throw new IllegalArgumentException(key + " must be " + min + " or more, got " + value);
    return value;
  }

  public static long atLeast(ConfigKeys key, long value, long min) {
    if (value < min)
      throw new IllegalArgumentException(key + " must be " + min + " or more, got " + value);
    return value;
  }

  public static int between(ConfigKeys key, int value, int min, int max) {
    if (value < min || value > max)
      throw new IllegalArgumentException(
          key + " must be from " + min + " to " + max + ", got " + value);
    return value;
  }
}
