package ai.talia.webchat.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one client may hold open, shared by every router instance of the JVM: a request must arrive
 * within the header and body timeouts ({@link RequestReadTimeout}), an address may hold at most
 * {@code http.maxConnectionsPerAddress} TCP connections and {@code stream.maxSocketsPerAddress}
 * WebSockets.
 *
 * <p>Which address: a TCP connection is counted under its peer, because nothing else is known when
 * it opens. A trusted proxy's connections are not counted at all: they carry many visitors, and a
 * proxy may send several visitors' requests over one connection, so no per-visitor count of TCP
 * connections exists behind it (limit connections per visitor at the proxy). A WebSocket belongs to
 * one visitor for its whole life, so it is counted under {@link ClientAddress} (the {@code
 * X-Forwarded-For} client behind a trusted proxy), as the per-IP rate limits are.
 *
 * <p>Counts are released when the Netty channel closes, which also covers a connection that became
 * a WebSocket (Vert.x's HTTP connection object no longer hears of it).
 */
public final class ConnectionLimits {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLimits.class);
  private static final long LOG_EVERY_NANOS = 60_000_000_000L;
  private static final AtomicBoolean warned = new AtomicBoolean();

  /** Why a connection was refused or closed: the {@code reason} of the metric. */
  public enum Reason {
    CONNECTION_CAP("connection_cap"),
    SOCKET_CAP("socket_cap"),
    HEADER_TIMEOUT("header_timeout"),
    BODY_TIMEOUT("body_timeout");

    final String tag;

    Reason(String tag) {
      this.tag = tag;
    }
  }

  private final ClientAddress clientAddress;
  private final long headerMillis;
  private final long bodyMillis;
  private final int maxConnections;
  private final int maxSockets;
  private final Map<String, Integer> connections = new ConcurrentHashMap<>();
  private final Map<String, Integer> sockets = new ConcurrentHashMap<>();
  private final Map<Reason, Counter> refused = new EnumMap<>(Reason.class);
  private final Map<Reason, AtomicLong> lastLogged = new EnumMap<>(Reason.class);

  public ConnectionLimits(
      HttpSettings http,
      StreamSettings stream,
      ClientAddress clientAddress,
      MeterRegistry registry) {
    this.clientAddress = clientAddress;
    this.headerMillis = http.headerTimeoutMillis();
    this.bodyMillis = http.bodyTimeoutMillis();
    this.maxConnections = http.maxConnectionsPerAddress();
    this.maxSockets = stream.maxSocketsPerAddress();
    for (Reason reason : Reason.values()) {
      refused.put(
          reason,
          Counter.builder("talia_connections_refused_total")
              .description(
                  "Connections the gateway refused or closed to bound what one client holds")
              .tag("reason", reason.tag)
              .register(registry));
      lastLogged.put(reason, new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS));
    }
  }

  /**
   * A new HTTP connection (the server's connection handler, on its event loop): refused at once
   * when its address is at its cap, otherwise counted and timed.
   */
  public void onConnection(HttpConnection connection) {
    Channel channel = channel(connection);
    if (channel == null) return;
    String peer = address(connection.remoteAddress());
    if (maxConnections > 0 && peer != null && !clientAddress.isTrustedProxy(peer)) {
      if (!acquire(connections, peer, maxConnections)) {
        refuse(Reason.CONNECTION_CAP);
        var unused = channel.close();
        return;
      }
      channel.closeFuture().addListener(f -> release(connections, peer));
    }
    RequestReadTimeout.install(
        channel.pipeline(),
        headerMillis,
        bodyMillis,
        expired ->
            refuse(
                expired == RequestReadTimeout.Expired.HEADER
                    ? Reason.HEADER_TIMEOUT
                    : Reason.BODY_TIMEOUT));
  }

  /**
   * A connection just upgraded to a WebSocket for {@code client}: false when that client already
   * holds its cap of sockets (the caller closes it with 4429). Its requests are over, so the
   * request read timeout comes off either way.
   */
  public boolean admitSocket(HttpConnection connection, String client) {
    Channel channel = channel(connection);
    if (channel == null) return true;
    RequestReadTimeout.remove(channel.pipeline());
    if (maxSockets <= 0) return true;
    if (!acquire(sockets, client, maxSockets)) {
      refuse(Reason.SOCKET_CAP);
      return false;
    }
    channel.closeFuture().addListener(f -> release(sockets, client));
    return true;
  }

  private static boolean acquire(Map<String, Integer> counts, String key, int max) {
    boolean[] admitted = {false};
    counts.compute(
        key,
        (k, n) -> {
          int held = n == null ? 0 : n;
          if (held >= max) return n;
          admitted[0] = true;
          return held + 1;
        });
    return admitted[0];
  }

  private static void release(Map<String, Integer> counts, String key) {
    counts.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
  }

  private void refuse(Reason reason) {
    // Both maps hold every reason from the constructor on.
    Counter counter = Objects.requireNonNull(refused.get(reason));
    counter.increment();
    // At most one line a minute per reason: refusals come in floods, the metric counts them all.
    AtomicLong last = Objects.requireNonNull(lastLogged.get(reason));
    long now = System.nanoTime();
    long before = last.get();
    if (now - before >= LOG_EVERY_NANOS && last.compareAndSet(before, now))
      log.warn(
          "connection refused to bound what one client holds (logged once a minute)",
          kv("reason", reason.tag),
          kv("refused_total", (long) counter.count()));
  }

  private static @Nullable String address(@Nullable SocketAddress address) {
    return address == null ? null : address.hostAddress();
  }

  /** The connection's Netty channel; Vert.x 5 exposes it only on its connection base class. */
  private static @Nullable Channel channel(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) return base.channel();
    if (!warned.getAndSet(true))
      log.warn(
          "connection limits are off: not a Vert.x HTTP/1.x connection",
          kv("connection", connection.getClass().getName()));
    return null;
  }
}
