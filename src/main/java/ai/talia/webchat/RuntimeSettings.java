package ai.talia.webchat;

import ai.talia.webchat.config.Check;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;

/**
 * How the gateway's Vert.x runs ({@code runtime.*}), read before it is built.
 *
 * @param eventLoops the number of event-loop threads; the key's 0 means one per core
 */
public record RuntimeSettings(int eventLoops) {

  public RuntimeSettings {
    Check.atLeast(ConfigKeys.RUNTIME_EVENT_LOOPS, eventLoops, 1);
  }

  public static RuntimeSettings fromConfig(TaliaConfig config) {
    int loops = Check.atLeast(config, ConfigKeys.RUNTIME_EVENT_LOOPS, 0);
    // One per core, not Vert.x's two: nothing here blocks a loop, and with twice as many loops
    // as cores each delta of a streamed reply more often wakes a loop that had gone to sleep.
    return new RuntimeSettings(loops > 0 ? loops : Runtime.getRuntime().availableProcessors());
  }
}
