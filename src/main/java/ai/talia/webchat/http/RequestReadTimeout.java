package ai.talia.webchat.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Closes an HTTP/1.x connection whose request arrives too slowly: its head must be complete within
 * the header timeout of its first byte, its body within the body timeout of its head. Vert.x's idle
 * timeouts restart at every byte, so a client trickling a header every few seconds (slowloris)
 * passes them forever. A keep-alive connection waiting for its next request is not timed here (that
 * is {@code http.idleTimeoutSeconds}): the clock starts when a request's first byte arrives.
 *
 * <p>Two Netty handlers share the state: one before the HTTP decoder sees bytes arrive, one after
 * it sees a request head and its end. All of it runs on the channel's event loop. After a WebSocket
 * upgrade {@link #remove} takes both out.
 */
final class RequestReadTimeout {
  static final String RAW = "taliaRequestBytes";
  static final String DECODED = "taliaRequestParts";
  private static final String DECODER = "httpDecoder";

  /** Why a connection was closed. */
  enum Expired {
    HEADER,
    BODY
  }

  private enum State {
    IDLE,
    HEAD,
    BODY
  }

  private final long headerMillis;
  private final long bodyMillis;
  private final Consumer<Expired> onExpired;
  private State state = State.IDLE;
  private @Nullable ScheduledFuture<?> timer;

  private RequestReadTimeout(long headerMillis, long bodyMillis, Consumer<Expired> onExpired) {
    this.headerMillis = headerMillis;
    this.bodyMillis = bodyMillis;
    this.onExpired = onExpired;
  }

  /**
   * Adds the handlers around Vert.x's HTTP/1.x decoder; false when the pipeline has none (not an
   * HTTP/1.x connection).
   */
  static boolean install(
      ChannelPipeline pipeline, long headerMillis, long bodyMillis, Consumer<Expired> onExpired) {
    if (pipeline.get(DECODER) == null) return false;
    RequestReadTimeout timeout = new RequestReadTimeout(headerMillis, bodyMillis, onExpired);
    pipeline.addBefore(DECODER, RAW, timeout.new Bytes());
    pipeline.addAfter(DECODER, DECODED, timeout.new Parts());
    return true;
  }

  /** Takes the handlers out (the connection became a WebSocket); their timer goes with them. */
  static void remove(ChannelPipeline pipeline) {
    if (pipeline.get(RAW) != null) pipeline.remove(RAW);
    if (pipeline.get(DECODED) != null) pipeline.remove(DECODED);
  }

  private void start(ChannelHandlerContext ctx, State next, long millis) {
    cancel();
    state = next;
    if (millis <= 0) return;
    Expired reason = next == State.HEAD ? Expired.HEADER : Expired.BODY;
    timer =
        ctx.executor().schedule(() -> expire(ctx, reason, millis), millis, TimeUnit.MILLISECONDS);
  }

  private void expire(ChannelHandlerContext ctx, Expired reason, long millis) {
    timer = null;
    if (!ctx.channel().isActive()) return;
    if (!ctx.channel().config().isAutoRead()) {
      // Vert.x stopped reading (back-pressure): the delay is ours, not the client's.
      timer =
          ctx.executor().schedule(() -> expire(ctx, reason, millis), millis, TimeUnit.MILLISECONDS);
      return;
    }
    onExpired.accept(reason);
    var unused = ctx.channel().close();
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** Before the decoder: the first byte of a request starts the header clock. */
  private final class Bytes extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (state == State.IDLE && msg instanceof ByteBuf bytes && bytes.isReadable())
        start(ctx, State.HEAD, headerMillis);
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      cancel();
      ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      cancel();
    }
  }

  /** After the decoder: a complete head stops the header clock, the request's end the body's. */
  private final class Parts extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) start(ctx, State.BODY, bodyMillis);
      if (msg instanceof LastHttpContent) {
        cancel();
        state = State.IDLE;
      }
      ctx.fireChannelRead(msg);
    }
  }
}
