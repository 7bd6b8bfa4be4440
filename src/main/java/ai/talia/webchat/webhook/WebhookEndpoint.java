package ai.talia.webchat.webhook;

import java.net.URI;
import java.util.Set;

/**
 * One receiver of events.
 *
 * @param id stable name of the endpoint: its outbox rows, its metrics label and the admin API know
 *     it by this, never by its URL (which may itself be a credential) or its secret
 * @param url where events are POSTed; only {@link #origin()} ever reaches a log
 * @param events the event types it wants; empty means all
 */
public record WebhookEndpoint(String id, URI url, WebhookSecret secret, Set<String> events) {

  public boolean wants(String eventType) {
    return events.isEmpty() || events.contains(eventType);
  }

  /** {@code scheme://host:port}: what logs may say of the URL. */
  public String origin() {
    return url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "");
  }

  @Override
  public String toString() {
    return "WebhookEndpoint[id=" + id + ", origin=" + origin() + ", events=" + events + "]";
  }
}
