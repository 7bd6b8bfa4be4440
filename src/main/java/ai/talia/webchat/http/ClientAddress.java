package ai.talia.webchat.http;

import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Set;

/**
 * The client's IP address. {@code X-Forwarded-For} is believed only when the connection comes from
 * a configured trusted proxy; then the right-most address that is not itself a trusted proxy is the
 * client.
 */
public final class ClientAddress {
  private final Set<String> trustedProxies;

  public ClientAddress(List<String> trustedProxies) {
    this.trustedProxies = Set.copyOf(trustedProxies);
  }

  public boolean isTrustedProxy(String address) {
    return trustedProxies.contains(address);
  }

  public String of(HttpServerRequest request) {
    String peer =
        request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    if (!trustedProxies.contains(peer)) return peer;
    String forwarded = request.getHeader("X-Forwarded-For");
    if (forwarded == null || forwarded.isBlank()) return peer;
    String[] hops = forwarded.split(",", -1);
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (!hop.isEmpty() && !trustedProxies.contains(hop)) return hop;
    }
    return peer;
  }
}
