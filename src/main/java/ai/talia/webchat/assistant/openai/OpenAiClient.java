package ai.talia.webchat.assistant.openai;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.netty.channel.EventLoop;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the engine: JSON calls through the WebClient, streamed calls (SSE) through the
 * HttpClient under it, each retried by {@link RetryPolicy} and reported to the {@link
 * CircuitBreaker} and the meters. Logs carry the operation, status, {@code x-request-id} and the
 * upstream's error type and code; never the key, never a request or response body.
 */
final class OpenAiClient {
  private static final Logger log = LoggerFactory.getLogger(OpenAiClient.class);

  private final Vertx vertx;
  private final OpenAiSettings settings;
  private final HttpClient http;
  private final WebClient web;

  /**
   * Streamed calls go through one client per event loop: its connections live on the loop of the
   * turn that reads them, so no chunk of a stream is handed from one loop to another. They are made
   * here, with the engine: a client made by a turn would be closed with its actor's context.
   */
  private final Map<EventLoop, HttpClient> streaming;

  private final CircuitBreaker breaker;
  private final RetryPolicy retry;
  private final OpenAiMetrics metrics;

  OpenAiClient(
      Vertx vertx, OpenAiSettings settings, CircuitBreaker breaker, OpenAiMetrics metrics) {
    this.vertx = vertx;
    this.settings = settings;
    this.breaker = breaker;
    this.metrics = metrics;
    this.retry =
        new RetryPolicy(
            vertx,
            settings.maxRetries(),
            settings.retryBaseDelayMs(),
            settings.retryMaxDelayMs(),
            metrics);
    HttpClientOptions clientOptions =
        new HttpClientOptions()
            .setConnectTimeout(settings.connectTimeoutMs())
            .setKeepAlive(true)
            .setDecompressionSupported(true);
    this.http =
        vertx.createHttpClient(
            clientOptions, new PoolOptions().setHttp1MaxSize(settings.maxConnections()));
    this.web = WebClient.wrap(http);
    List<EventLoop> loops = new ArrayList<>();
    for (var loop : ((VertxInternal) vertx).nettyEventLoopGroup()) loops.add((EventLoop) loop);
    // The streamed calls' cap split over the loops (at least one connection each).
    PoolOptions perLoopPool =
        new PoolOptions()
            .setHttp1MaxSize(Math.max(1, -Math.floorDiv(-settings.maxConnections(), loops.size())));
    Map<EventLoop, HttpClient> perLoop = new HashMap<>();
    for (EventLoop loop : loops)
      perLoop.put(loop, vertx.createHttpClient(clientOptions, perLoopPool));
    this.streaming = Map.copyOf(perLoop);
  }

  Future<Void> close() {
    List<Future<Void>> closed = new ArrayList<>();
    closed.add(http.close());
    streaming.values().forEach(c -> closed.add(c.close()));
    return Future.join(closed).mapEmpty();
  }

  /** The client for a streamed call made on the current context: its event loop's own. */
  private HttpClient streamingClient() {
    if (!(Vertx.currentContext() instanceof ContextInternal context)
        || !context.isEventLoopContext()) return http;
    return streaming.getOrDefault(context.nettyEventLoop(), http);
  }

  /** POSTs JSON and returns the JSON answer, retried while {@code mayRetry} allows. */
  Future<JsonObject> postJson(
      String operation, String path, JsonObject body, BooleanSupplier mayRetry) {
    return retry.run(
        operation,
        () -> postJsonOnce(operation, path, body),
        () -> mayRetry.getAsBoolean() && breakerAllows());
  }

  /**
   * POSTs a streaming request; each attempt gets its body from {@code bodies} (a retry may need a
   * different one) and a fresh handler from {@code handlers}, and the handler of the attempt that
   * completed is returned. Should {@code calledOff} fail, the call in flight is closed (its HTTP
   * request reset, which stops the generation upstream) and nothing is retried.
   */
  <H extends StreamHandler> Future<H> stream(
      String operation,
      String path,
      Supplier<Future<JsonObject>> bodies,
      Supplier<H> handlers,
      BooleanSupplier mayRetry,
      Future<?> calledOff) {
    return retry.run(
        operation,
        () ->
            bodies
                .get()
                .compose(
                    body -> {
                      H handler = handlers.get();
                      return new StreamingCall(operation, handler, calledOff)
                          .start(path, body)
                          .map(handler);
                    }),
        () -> mayRetry.getAsBoolean() && breakerAllows() && !calledOff.failed());
  }

  <H extends StreamHandler> Future<H> stream(
      String operation,
      String path,
      JsonObject body,
      Supplier<H> handlers,
      BooleanSupplier mayRetry,
      Future<?> calledOff) {
    return stream(
        operation, path, () -> Future.succeededFuture(body), handlers, mayRetry, calledOff);
  }

  /**
   * DELETEs a resource once, not retried; the JSON answer, or a failure. Housekeeping: its outcome
   * says nothing of the model calls' health, so the breaker does not count it.
   */
  Future<JsonObject> delete(String operation, String path) {
    long started = System.nanoTime();
    HttpRequest<Buffer> request =
        web.deleteAbs(settings.url(path))
            .bearerTokenAuthentication(settings.apiKey())
            .putHeader(HttpHeaders.ACCEPT.toString(), "application/json");
    settings.extraHeaders().forEach(request::putHeader);
    return request
        .connectTimeout(settings.connectTimeoutMs())
        .idleTimeout(settings.requestTimeoutMs())
        .send()
        .transform(
            ar -> {
              Future<JsonObject> outcome = jsonOutcome(ar);
              HttpResponse<Buffer> response = ar.succeeded() ? ar.result() : null;
              record(
                  operation,
                  started,
                  response == null ? 0 : response.statusCode(),
                  response == null ? null : response.getHeader("x-request-id"),
                  outcome.failed() ? UpstreamError.from(outcome.cause()) : null,
                  false);
              return outcome;
            });
  }

  private boolean breakerAllows() {
    return breaker.state() != CircuitBreaker.State.OPEN;
  }

  private Future<JsonObject> postJsonOnce(String operation, String path, JsonObject body) {
    long started = System.nanoTime();
    HttpRequest<Buffer> request =
        web.postAbs(settings.url(path))
            .bearerTokenAuthentication(settings.apiKey())
            .putHeader(HttpHeaders.ACCEPT.toString(), "application/json");
    settings.extraHeaders().forEach(request::putHeader);
    return request
        .connectTimeout(settings.connectTimeoutMs())
        .idleTimeout(settings.requestTimeoutMs())
        .sendJsonObject(body)
        .transform(
            ar -> {
              Future<JsonObject> outcome = jsonOutcome(ar);
              HttpResponse<Buffer> response = ar.succeeded() ? ar.result() : null;
              // Recorded before the caller sees the outcome, so it also sees the breaker updated.
              record(
                  operation,
                  started,
                  response == null ? 0 : response.statusCode(),
                  response == null ? null : response.getHeader("x-request-id"),
                  outcome.failed() ? UpstreamError.from(outcome.cause()) : null);
              return outcome;
            });
  }

  private static Future<JsonObject> jsonOutcome(AsyncResult<HttpResponse<Buffer>> ar) {
    if (ar.failed()) return Future.failedFuture(connectionFailure(ar.cause(), false));
    HttpResponse<Buffer> response = ar.result();
    if (response.statusCode() / 100 != 2) {
      String text = response.body() == null ? null : response.body().toString();
      return Future.failedFuture(
          UpstreamError.fromHttp(response.statusCode(), response.headers(), text));
    }
    try {
      JsonObject json = response.bodyAsJsonObject();
      return json != null
          ? Future.succeededFuture(json)
          : Future.failedFuture(UpstreamError.of(UpstreamError.Kind.BAD_RESPONSE, "empty answer"));
    } catch (DecodeException | ClassCastException e) {
      return Future.failedFuture(
          UpstreamError.of(UpstreamError.Kind.BAD_RESPONSE, "answer is not a JSON object"));
    }
  }

  /**
   * Breaker, meters and one log line for every attempt: status and x-request-id, never a body or
   * the key.
   */
  private void record(
      String operation,
      long started,
      int status,
      @Nullable String requestId,
      @Nullable UpstreamError error) {
    record(operation, started, status, requestId, error, true);
  }

  private void record(
      String operation,
      long started,
      int status,
      @Nullable String requestId,
      @Nullable UpstreamError error,
      boolean countsForBreaker) {
    long ms = (System.nanoTime() - started) / 1_000_000;
    if (error == null) {
      if (countsForBreaker) breaker.onSuccess();
      log.debug(
          "OpenAI call done",
          kv("operation", operation),
          kv("status", status),
          kv("request_id", requestId),
          kv("duration_ms", ms));
      return;
    }
    if (countsForBreaker) {
      if (error.kind().unhealthy) breaker.onFailure();
      else breaker.onSuccess();
    }
    metrics.upstreamError(error.kind());
    log.warn(
        "OpenAI call failed",
        kv("operation", operation),
        kv("kind", error.kind().tag()),
        kv("status", error.status() > 0 ? error.status() : status),
        kv("request_id", error.requestId() != null ? error.requestId() : requestId),
        kv("error_type", error.type()),
        kv("error_code", error.code()),
        kv("error_param", error.param()),
        kv("detail", error.getMessage()),
        kv("duration_ms", ms));
  }

  private static UpstreamError connectionFailure(Throwable cause, boolean streaming) {
    if (cause instanceof UpstreamError e) return e;
    String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
    String what =
        cause.getClass().getSimpleName() + ": " + UpstreamError.redact(cause.getMessage());
    if (cause instanceof ConnectException && message.contains("timed out")) {
      return UpstreamError.of(UpstreamError.Kind.CONNECT_TIMEOUT, what, cause);
    }
    if (cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout")) {
      return UpstreamError.of(
          message.contains("connect")
              ? UpstreamError.Kind.CONNECT_TIMEOUT
              : streaming
                  ? UpstreamError.Kind.FIRST_TOKEN_TIMEOUT
                  : UpstreamError.Kind.REQUEST_TIMEOUT,
          what,
          cause);
    }
    return UpstreamError.of(UpstreamError.Kind.CONNECTION, what, cause);
  }

  /**
   * One streamed POST, under two timers: the idle timer, armed when the call starts and again at
   * every sign of life (the response headers, any event, a keep-alive comment), so a reasoning
   * model that thinks while its stream carries {@code response.in_progress} or reasoning items is
   * alive; and the first-output timer, from the start until the handler says output (text or a tool
   * call) started, so a model that never writes fails in bounded time. Every callback runs on the
   * context that started the call.
   */
  private final class StreamingCall implements StreamHandler.StreamControl {
    private final String operation;
    private final StreamHandler handler;
    private final Future<?> calledOff;
    private final Promise<Void> done = Promise.promise();
    private final long started = System.nanoTime();
    private @Nullable HttpClientRequest request;
    private @Nullable String requestId;
    private int status;
    private boolean ended;
    private boolean outputStarted;

    /**
     * Set first thing when the outcome is known: closing the connection re-enters through the
     * handlers.
     */
    private boolean settled;

    private long firstTokenTimer = -1;
    private long idleTimer = -1;

    /** The last sign of life; the idle timer, armed once, looks at it when it fires. */
    private long lastSignNanos;

    StreamingCall(String operation, StreamHandler handler, Future<?> calledOff) {
      this.operation = operation;
      this.handler = handler;
      this.calledOff = calledOff;
    }

    Future<Void> start(String path, JsonObject body) {
      if (calledOff.failed()) {
        return Future.failedFuture(
            UpstreamError.of(UpstreamError.Kind.CALLED_OFF, "called off before it was sent"));
      }
      // The turn's user message could not be stored: no reply may come of it.
      calledOff.onFailure(
          e ->
              failed(
                  UpstreamError.of(
                      UpstreamError.Kind.CALLED_OFF,
                      "called off: the turn's message was not stored")));
      firstTokenTimer =
          vertx.setTimer(
              settings.firstTokenTimeoutMs(),
              id ->
                  failed(
                      UpstreamError.of(
                          UpstreamError.Kind.FIRST_TOKEN_TIMEOUT,
                          "no text within " + settings.firstTokenTimeoutMs() + " ms")));
      touched();
      RequestOptions options =
          new RequestOptions()
              .setMethod(HttpMethod.POST)
              .setAbsoluteURI(settings.url(path))
              .setConnectTimeout(settings.connectTimeoutMs())
              .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + settings.apiKey())
              .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .putHeader(HttpHeaders.ACCEPT, "text/event-stream");
      settings.extraHeaders().forEach(options::putHeader);
      streamingClient()
          .request(options)
          .compose(
              req -> {
                request = req;
                if (settled) {
                  req.reset();
                  return Future.failedFuture(done.future().cause());
                }
                handler.onSent();
                return req.send(body.toBuffer());
              })
          .onComplete(
              ar -> {
                if (ar.succeeded()) onResponse(ar.result());
                else failed(connectionFailure(ar.cause(), true));
              });
      return done.future();
    }

    private void onResponse(HttpClientResponse response) {
      status = response.statusCode();
      requestId = response.getHeader("x-request-id");
      handler.onStatus(status);
      if (settled) {
        // A response comes from a request sent.
        Objects.requireNonNull(request).reset();
        return;
      }
      touched();
      if (status / 100 != 2) {
        response
            .body()
            .onComplete(
                body -> {
                  ended = true;
                  failed(
                      UpstreamError.fromHttp(
                          status,
                          response.headers(),
                          body.succeeded() ? body.result().toString() : null));
                });
        return;
      }
      String contentType = response.getHeader(HttpHeaders.CONTENT_TYPE);
      if (contentType != null && !contentType.toLowerCase(Locale.ROOT).contains("event-stream")) {
        failed(
            UpstreamError.of(
                UpstreamError.Kind.BAD_RESPONSE, "expected text/event-stream, got " + contentType));
        return;
      }
      SseParser parser = new SseParser(this::onEvent, comment -> touched());
      response.handler(
          chunk -> {
            if (settled) return;
            try {
              parser.feed(chunk);
            } catch (SseParser.SseParseException e) {
              failed(UpstreamError.of(UpstreamError.Kind.BAD_RESPONSE, e.getMessage()));
            }
          });
      response.exceptionHandler(
          e ->
              failed(
                  UpstreamError.of(
                      UpstreamError.Kind.STREAM_CUT,
                      "connection lost mid-stream: " + e.getClass().getSimpleName())));
      response.endHandler(
          v -> {
            ended = true;
            parser.finish();
            if (settled) return;
            handler.onEnd(this);
            failed(
                UpstreamError.of(
                    UpstreamError.Kind.STREAM_CUT, "stream closed before its terminal event"));
          });
    }

    private void onEvent(SseEvent event) {
      if (settled) return;
      touched();
      try {
        handler.onEvent(event, this);
      } catch (RuntimeException e) {
        failed(
            UpstreamError.of(
                UpstreamError.Kind.BAD_RESPONSE,
                "unreadable event " + event.type() + ": " + e.getClass().getSimpleName()));
      }
    }

    /**
     * A sign of life: the idle time counts from now. Not a timer cancelled and set again per event:
     * the one armed timer, when it fires, waits again for what is left since the last sign.
     */
    private void touched() {
      if (settled) return;
      lastSignNanos = System.nanoTime();
      if (idleTimer < 0) armIdleTimer(settings.idleTimeoutMs());
    }

    private void armIdleTimer(long delayMs) {
      idleTimer =
          vertx.setTimer(
              delayMs,
              id -> {
                idleTimer = -1;
                if (settled) return;
                long quietMs = (System.nanoTime() - lastSignNanos) / 1_000_000;
                if (quietMs < settings.idleTimeoutMs()) {
                  armIdleTimer(settings.idleTimeoutMs() - quietMs);
                  return;
                }
                failed(
                    UpstreamError.of(
                        UpstreamError.Kind.IDLE_TIMEOUT,
                        "no event for " + settings.idleTimeoutMs() + " ms"));
              });
    }

    @Override
    public void outputStarted() {
      if (outputStarted) return;
      outputStarted = true;
      vertx.cancelTimer(firstTokenTimer);
    }

    @Override
    public void completed() {
      if (settled) return;
      settled = true;
      stopTimers();
      // Recorded before completing, so whoever sees the outcome also sees the breaker updated.
      record(operation, started, status, requestId, null);
      done.complete();
    }

    @Override
    public void failed(UpstreamError error) {
      if (settled) return;
      settled = true;
      UpstreamError withId =
          error.requestId() == null && requestId != null ? error.withRequestId(requestId) : error;
      stopTimers();
      // Closing the stream from our side cancels the generation upstream.
      if (request != null && !ended) request.reset();
      record(operation, started, status, requestId, withId);
      done.fail(withId);
    }

    private void stopTimers() {
      vertx.cancelTimer(firstTokenTimer);
      if (idleTimer >= 0) vertx.cancelTimer(idleTimer);
    }
  }
}
