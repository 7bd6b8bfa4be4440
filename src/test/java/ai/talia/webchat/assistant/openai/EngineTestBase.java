package ai.talia.webchat.assistant.openai;

import static ai.talia.webchat.assistant.openai.OpenAiTestSupport.await;

import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.assistant.TurnResult;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.fakeopenai.FakeOpenAiServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * One engine of an API style against a fresh fake OpenAI per test, with its deltas and lead calls
 * recorded.
 */
abstract class EngineTestBase {
  protected Vertx vertx;
  protected FakeOpenAiServer fake;
  protected SimpleMeterRegistry registry;
  protected OpenAiEngine engine;
  protected final List<String> deltas = new CopyOnWriteArrayList<>();
  protected final OpenAiTestSupport.RecordingLeads leads = new OpenAiTestSupport.RecordingLeads();

  abstract String apiStyle();

  @BeforeEach
  void startFake() {
    vertx = Vertx.vertx();
    fake = await(FakeOpenAiServer.start(vertx));
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void stopFake() {
    if (engine != null) await(engine.close());
    await(fake.close());
    await(vertx.close());
  }

  protected OpenAiEngine engine(Map<ConfigKeys, Object> overrides) {
    engine =
        new OpenAiEngine(
            vertx,
            OpenAiTestSupport.with(OpenAiTestSupport.config(fake, apiStyle()), overrides),
            registry);
    return engine;
  }

  protected Future<TurnResult> run(Turn turn) {
    return engine.runTurn(turn, deltas::add);
  }
}
