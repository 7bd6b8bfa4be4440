package ai.talia.webchat.webhook;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * POSTs events to one endpoint as Standard Webhooks: {@code webhook-id}, {@code webhook-timestamp},
 * {@code webhook-signature}, a JSON body. Each endpoint has its own client and connection pool,
 * sized to its concurrency, so a slow receiver only ever holds its own connections. Redirects are
 * not followed (Standard Webhooks: a 3xx is a failure; fix the URL).
 */
final class WebhookSender {
  private final Vertx vertx;
  private final WebhookEndpoint endpoint;
  private final WebClient client;
  private final long timeoutMs;

  WebhookSender(Vertx vertx, WebhookEndpoint endpoint, WebhookSettings settings, String userAgent) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.timeoutMs = settings.timeout().toMillis();
    this.client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setUserAgent(userAgent)
                .setFollowRedirects(false)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs))
                .setKeepAlive(true)
                .setIdleTimeout(60),
            new PoolOptions().setHttp1MaxSize(settings.concurrency()));
  }

  /**
   * Sends one attempt. Never fails: a timeout or a connection error is an {@link AttemptResult}
   * too. The whole attempt, from connect to the last byte of the answer, is bounded by the timeout.
   */
  Future<AttemptResult> send(String messageId, String body) {
    long started = System.nanoTime();
    long timestamp = Instant.now().getEpochSecond();
    Promise<AttemptResult> done = Promise.promise();
    long deadline = vertx.setTimer(timeoutMs, t -> done.tryComplete(failed("timeout", started)));
    client
        .postAbs(endpoint.url().toString())
        .timeout(timeoutMs)
        .putHeader("content-type", "application/json")
        .putHeader("webhook-id", messageId)
        .putHeader("webhook-timestamp", String.valueOf(timestamp))
        .putHeader("webhook-signature", endpoint.secret().sign(messageId, timestamp, body))
        // The answer's body is of no use and may be large: it is read and dropped.
        .as(BodyCodec.none())
        .sendBuffer(Buffer.buffer(body))
        .onComplete(
            ar -> {
              vertx.cancelTimer(deadline);
              if (ar.succeeded()) {
                done.tryComplete(
                    new AttemptResult(
                        ar.result().statusCode(),
                        null,
                        since(started),
                        RetrySchedule.parseRetryAfter(
                            ar.result().getHeader("retry-after"), Instant.now())));
              } else {
                done.tryComplete(failed(classify(ar.cause()), started));
              }
            });
    return done.future();
  }

  void close() {
    client.close();
  }

  private static AttemptResult failed(String error, long started) {
    return new AttemptResult(null, error, since(started), null);
  }

  private static Duration since(long started) {
    return Duration.ofNanos(System.nanoTime() - started);
  }

  /**
   * A short, fixed word for why there was no answer: exception messages may carry the URL's path,
   * which can be a credential, so they reach neither the database nor the logs.
   */
  static String classify(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConnectTimeoutException) return "connect_timeout";
      if (t instanceof TimeoutException) return "timeout";
      if (t instanceof UnknownHostException) return "unknown_host";
      if (t instanceof ConnectException) return "connection_refused";
      if (t instanceof SSLException) return "tls_error";
      if (t instanceof HttpClosedException) return "connection_closed";
      if (t.getCause() == t) break;
    }
    return "io_error:" + failure.getClass().getSimpleName();
  }
}
