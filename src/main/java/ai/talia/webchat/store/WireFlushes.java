package ai.talia.webchat.store;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.impl.SocketConnectionBase;
import io.vertx.sqlclient.internal.SqlConnectionInternal;

/**
 * One system call for the statements a write sends together. The Postgres client flushes each
 * statement it is given as it is given, so a pipelined {@code BEGIN}, inserts and {@code COMMIT}
 * left in as many write(2) calls and reached the backend as as many segments, each a wake-up and a
 * read of its own. Netty's {@link FlushConsolidationHandler} turns those flushes into one task
 * queued on the connection's event loop, so what was sent in one run of the loop leaves at once.
 */
final class WireFlushes {
  private static final String HANDLER_NAME = "talia-flush-consolidation";

  private WireFlushes() {}

  /** For a pool's connect handler: every new connection, before the pool hands it out. */
  static void coalesce(SqlConnection connection) {
    // The client's own connections all are; another implementation keeps a flush per statement.
    if (!(connection instanceof SqlConnectionInternal internal)
        || !(internal.unwrap().unwrap() instanceof SocketConnectionBase socket)) return;
    ChannelPipeline pipeline = socket.socket().channelHandlerContext().pipeline();
    if (pipeline.get(HANDLER_NAME) != null) return;
    FlushConsolidationHandler handler =
        new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    // Behind TLS, so that the statements are also encrypted at once.
    var tls = pipeline.context(SslHandler.class);
    if (tls != null) pipeline.addAfter(tls.name(), HANDLER_NAME, handler);
    else pipeline.addFirst(HANDLER_NAME, handler);
  }
}
