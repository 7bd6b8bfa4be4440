package ai.talia.webchat.assistant.openai;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.assistant.AssistantEngine;
import ai.talia.webchat.assistant.AssistantFailure;
import ai.talia.webchat.assistant.DeltaSink;
import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.assistant.TurnOutcome;
import ai.talia.webchat.assistant.TurnResult;
import ai.talia.webchat.config.TaliaConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code openai} engine: the Responses API with one Conversation per session, or Chat
 * Completions for OpenAI-compatible servers without it ({@code TALIA_OPENAI_API_STYLE}). Model,
 * instructions and tools come from {@code conf/}. Text streams to the {@link DeltaSink} as it
 * arrives; a turn fails with an {@link AssistantFailure} (502 bad answer, 503 unavailable, 504
 * timed out) and never returns a stream cut half-way as a reply. A reply the model stopped short
 * (its output cap, a content filter) after text reached the visitor is that text, marked
 * incomplete. Shared by every session: it keeps no session state.
 */
public final class OpenAiEngine implements AssistantEngine {
  private static final Logger log = LoggerFactory.getLogger(OpenAiEngine.class);

  private final Vertx vertx;
  private final OpenAiSettings settings;
  private final AssistantProfile profile;
  private final CircuitBreaker breaker;
  private final OpenAiMetrics metrics;
  private final OpenAiClient client;
  private final ApiTurns turns;
  private final Clock clock;

  public OpenAiEngine(Vertx vertx, TaliaConfig config) {
    this(vertx, config, Metrics.globalRegistry);
  }

  public OpenAiEngine(Vertx vertx, TaliaConfig config, MeterRegistry registry) {
    this.vertx = vertx;
    this.settings = OpenAiSettings.from(config);
    this.profile = AssistantProfile.load(settings.instructionsFile(), settings.toolsFile());
    this.breaker =
        new CircuitBreaker(settings.breakerFailureThreshold(), settings.breakerResetTimeoutMs());
    String style = settings.apiStyle().name().toLowerCase(Locale.ROOT);
    this.metrics = new OpenAiMetrics(registry, style, breaker::state);
    this.client = new OpenAiClient(vertx, settings, breaker, metrics);
    this.turns =
        settings.apiStyle() == OpenAiSettings.ApiStyle.RESPONSES
            ? new ResponsesTurns(client, settings, profile)
            : new ChatCompletionsTurns(client, settings, profile);
    this.clock = Clock.systemUTC();
    log.info(
        "openai engine ready",
        kv("api_style", style),
        kv("state", turns.state()),
        kv("model", settings.model()),
        // Neither the query string nor the extra headers' values: either may hold a key.
        kv("base_url", settings.baseUrl().replaceAll("//[^/@]*@", "//***@")),
        kv("base_url_query", settings.baseQuery() != null),
        kv("extra_headers", settings.extraHeaders().size()));
  }

  @Override
  public String name() {
    return "openai";
  }

  @Override
  public boolean ready() {
    return breaker.state() != CircuitBreaker.State.OPEN;
  }

  @Override
  public JsonObject status() {
    return new JsonObject()
        .put("name", name())
        .put("ready", ready())
        .put("api_style", settings.apiStyle().name().toLowerCase(Locale.ROOT))
        .put("state", turns.state())
        .put("model", settings.model())
        .put("breaker", breaker.state().name().toLowerCase(Locale.ROOT));
  }

  public CircuitBreaker.State breakerState() {
    return breaker.state();
  }

  @Override
  public Future<TurnResult> runTurn(Turn turn, DeltaSink deltas) {
    // The whole turn runs on one context, so the stream's callbacks and its timers never race.
    Context context = vertx.getOrCreateContext();
    Promise<TurnResult> result = Promise.promise();
    context.runOnContext(v -> start(turn, deltas).onComplete(result));
    return result.future();
  }

  private Future<TurnResult> start(Turn turn, DeltaSink deltas) {
    TurnOutput out = new TurnOutput(deltas);
    if (!breaker.tryAcquire()) {
      metrics.upstreamError(UpstreamError.Kind.BREAKER_OPEN);
      metrics.turn(TurnOutcome.FAILED, out.elapsedNanos());
      return Future.failedFuture(
          new AssistantFailure(
              503,
              AssistantFailure.UNAVAILABLE,
              "The assistant is unavailable for a moment (circuit open)",
              null));
    }
    String instructions = profile.instructions(turn, LocalDate.now(clock.withZone(ZoneOffset.UTC)));
    Future<TurnResult> done;
    try {
      done =
          turns.run(turn, instructions, out).compose(conversationId -> finish(out, conversationId));
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    return done.transform(
        ar -> {
          metrics.tokens(out.inputTokens(), out.outputTokens());
          if (out.firstTextNanos() >= 0) metrics.firstToken(out.firstTextNanos());
          metrics.turn(TurnOutcome.of(ar.succeeded()), out.elapsedNanos());
          if (ar.succeeded()) return Future.succeededFuture(ar.result());
          AssistantFailure failure =
              asFailure(ar.cause()).withTokensUsed(out.inputTokens() + out.outputTokens());
          if (ar.cause() instanceof UpstreamError e && e.kind() == UpstreamError.Kind.INCOMPLETE) {
            log.warn(
                "the model stopped before writing any text: raise TALIA_OPENAI_MAX_OUTPUT_TOKENS "
                    + "or lower TALIA_OPENAI_REASONING_EFFORT",
                kv("session_id", turn.sessionId()),
                kv("reason", e.code()),
                kv("max_output_tokens", settings.maxOutputTokens()),
                kv("reasoning_effort", settings.reasoningEffort()),
                kv("output_tokens", out.outputTokens()));
          }
          log.warn(
              "openai turn failed",
              kv("session_id", turn.sessionId()),
              kv("status", failure.httpStatus()),
              kv("detail", failure.getMessage()),
              kv("text_shown", out.textShown()));
          return Future.failedFuture(failure);
        });
  }

  private Future<TurnResult> finish(TurnOutput out, String conversationId) {
    if (out.text().isBlank()) {
      return Future.failedFuture(
          UpstreamError.of(UpstreamError.Kind.BAD_RESPONSE, "the model answered no text"));
    }
    if (out.incompleteReason() != null) {
      log.warn(
          "reply cut short after text was shown; kept as incomplete",
          kv("reason", out.incompleteReason()),
          kv("max_output_tokens", settings.maxOutputTokens()),
          kv("output_tokens", out.outputTokens()));
    }
    return Future.succeededFuture(
        new TurnResult(
            out.text(),
            conversationId,
            out.inputTokens(),
            out.outputTokens(),
            out.incompleteReason() != null));
  }

  private static AssistantFailure asFailure(Throwable cause) {
    if (cause instanceof AssistantFailure f) return f;
    if (cause instanceof UpstreamError e) return e.toFailure();
    return new AssistantFailure(
        502,
        AssistantFailure.UNAVAILABLE,
        "OpenAI turn failed: " + cause.getClass().getSimpleName(),
        cause);
  }

  @Override
  public Future<Void> deleteConversation(String conversationId) {
    return client
        .delete(
            "conversations.delete",
            "/conversations/" + URLEncoder.encode(conversationId, StandardCharsets.UTF_8))
        .<Void>mapEmpty()
        .recover(
            failure ->
                UpstreamError.from(failure).status() == 404
                    ? Future.succeededFuture()
                    : Future.failedFuture(failure));
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }
}
