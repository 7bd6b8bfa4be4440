package ai.talia.webchat.assistant;

/** Receives the reply text of a running turn piece by piece, in order. */
@FunctionalInterface
public interface DeltaSink {
  void delta(String text);
}
