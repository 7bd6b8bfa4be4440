package ai.talia.webchat.webhook;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.OutboxSubscriptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The webhook configuration, read and checked once at start: one endpoint from {@code
 * TALIA_WEBHOOK_URL} / {@code TALIA_WEBHOOK_SECRET} / {@code TALIA_WEBHOOK_EVENTS} (its id is
 * {@value #ENV_ENDPOINT_ID}), more from {@code webhooks.endpoints} in {@code conf/talia.json}, and
 * the delivery tuning. A wrong value fails the start with one message that names the setting and
 * never repeats a secret or a URL.
 *
 * @param timeout of one attempt, from connect to the whole answer
 * @param maxAttempts attempts before a delivery is given up ({@code failed})
 * @param retryBaseDelay the first retry's delay; each next one doubles, with jitter
 * @param retryMaxDelay the longest delay between two attempts (also caps {@code Retry-After})
 * @param deliveredRetention how long delivered rows are kept; zero keeps them forever
 * @param concurrency attempts in flight per endpoint
 * @param pollInterval how often the outbox is read when no event nudged it (rows of other nodes,
 *     expired leases)
 * @param claimLease how long a claimed row stays with the node sending it; a node that dies
 *     mid-attempt leaves it to another after this
 */
public record WebhookSettings(
    List<WebhookEndpoint> endpoints,
    Duration timeout,
    int maxAttempts,
    Duration retryBaseDelay,
    Duration retryMaxDelay,
    Duration deliveredRetention,
    int concurrency,
    Duration pollInterval,
    Duration claimLease)
    implements OutboxSubscriptions {

  /** The id of the endpoint configured by environment variables. */
  public static final String ENV_ENDPOINT_ID = "default";

  /** The event types an endpoint may subscribe to (SPEC §6). */
  public static final Set<String> EVENT_TYPES =
      Set.of(
          DomainEvent.WEBCHAT_STARTED,
          DomainEvent.CONSENT_GRANTED,
          DomainEvent.CONSENT_WITHDRAWN,
          DomainEvent.MESSAGE_SENT,
          DomainEvent.MESSAGE_RECEIVED,
          DomainEvent.LEAD_CAPTURED,
          DomainEvent.SESSION_ERASED);

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  public WebhookSettings {
    endpoints = List.copyOf(endpoints);
  }

  public static WebhookSettings fromConfig(TaliaConfig config) {
    List<WebhookEndpoint> endpoints = new ArrayList<>();
    String url = config.string(ConfigKeys.WEBHOOK_URL);
    String secret = config.string(ConfigKeys.WEBHOOK_SECRET);
    List<String> events = config.list(ConfigKeys.WEBHOOK_EVENTS);
    if (url != null) {
      if (secret == null)
        throw new IllegalArgumentException(
            "TALIA_WEBHOOK_SECRET is required with TALIA_WEBHOOK_URL: every webhook is signed");
      endpoints.add(
          new WebhookEndpoint(
              ENV_ENDPOINT_ID,
              url(url, "TALIA_WEBHOOK_URL"),
              WebhookSecret.parse(secret, "TALIA_WEBHOOK_SECRET"),
              events(events, "TALIA_WEBHOOK_EVENTS")));
    } else if (secret != null || !events.isEmpty()) {
      throw new IllegalArgumentException(
          "TALIA_WEBHOOK_SECRET or TALIA_WEBHOOK_EVENTS is set but TALIA_WEBHOOK_URL is not");
    }
    Object listed = config.value(ConfigKeys.WEBHOOK_ENDPOINTS);
    if (listed != null && !(listed instanceof JsonArray))
      throw new IllegalArgumentException(
          ConfigKeys.WEBHOOK_ENDPOINTS + " must be a list of {id, url, secret, events}");
    JsonArray array = listed == null ? new JsonArray() : (JsonArray) listed;
    for (int i = 0; i < array.size(); i++) {
      String where = ConfigKeys.WEBHOOK_ENDPOINTS + "[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject entry))
        throw new IllegalArgumentException(where + " must be an object {id, url, secret, events}");
      endpoints.add(endpoint(entry, where));
    }
    Set<String> ids = new HashSet<>();
    for (WebhookEndpoint e : endpoints)
      if (!ids.add(e.id()))
        throw new IllegalArgumentException(
            "Two webhook endpoints have the id "
                + e.id()
                + " (the one from TALIA_WEBHOOK_URL is \""
                + ENV_ENDPOINT_ID
                + "\")");

    Duration timeout = millis(config, ConfigKeys.WEBHOOK_TIMEOUT_MS, 100, 300_000);
    Duration base = millis(config, ConfigKeys.WEBHOOK_RETRY_BASE_DELAY_MS, 10, 3_600_000);
    Duration max = millis(config, ConfigKeys.WEBHOOK_RETRY_MAX_DELAY_MS, 10, 86_400_000);
    if (max.compareTo(base) < 0)
      throw new IllegalArgumentException(
          ConfigKeys.WEBHOOK_RETRY_MAX_DELAY_MS
              + " must not be below "
              + ConfigKeys.WEBHOOK_RETRY_BASE_DELAY_MS);
    // No lease configured: the attempt timeout and half a minute to spare.
    Long lease = config.optionalLong(ConfigKeys.WEBHOOK_CLAIM_LEASE_MS);
    long leaseMs = lease != null ? lease : timeout.toMillis() + 30_000L;
    if (leaseMs < timeout.toMillis() + 1_000)
      throw new IllegalArgumentException(
          ConfigKeys.WEBHOOK_CLAIM_LEASE_MS
              + " must exceed the attempt timeout by at least a second, or two nodes may send the"
              + " same delivery at once");
    return new WebhookSettings(
        endpoints,
        timeout,
        (int) range(config, ConfigKeys.WEBHOOK_MAX_ATTEMPTS, 1, 100),
        base,
        max,
        Duration.ofHours(range(config, ConfigKeys.WEBHOOK_RETENTION_HOURS, 0, 87_600)),
        (int) range(config, ConfigKeys.WEBHOOK_CONCURRENCY, 1, 256),
        millis(config, ConfigKeys.WEBHOOK_POLL_INTERVAL_MS, 20, 600_000),
        Duration.ofMillis(leaseMs));
  }

  /** Whether any endpoint is configured: without one nothing is written to the outbox. */
  public boolean enabled() {
    return !endpoints.isEmpty();
  }

  @Override
  public List<String> endpointsFor(String eventType) {
    if (endpoints.isEmpty()) return List.of();
    List<String> ids = new ArrayList<>(endpoints.size());
    for (WebhookEndpoint e : endpoints) if (e.wants(eventType)) ids.add(e.id());
    return ids;
  }

  public @Nullable WebhookEndpoint endpoint(String id) {
    for (WebhookEndpoint e : endpoints) if (e.id().equals(id)) return e;
    return null;
  }

  private static WebhookEndpoint endpoint(JsonObject entry, String where) {
    Object id = entry.getValue("id");
    if (!(id instanceof String s) || !ID.matcher(s).matches())
      throw new IllegalArgumentException(
          where + ".id must be 1 to 64 of a-z, 0-9, _ and - (it names the endpoint in metrics)");
    Object url = entry.getValue("url");
    Object secret = entry.getValue("secret");
    if (!(url instanceof String u) || u.isBlank())
      throw new IllegalArgumentException(where + ".url is required");
    if (!(secret instanceof String sec) || sec.isBlank())
      throw new IllegalArgumentException(where + ".secret is required: every webhook is signed");
    Object events = entry.getValue("events");
    List<String> types = new ArrayList<>();
    if (events instanceof JsonArray arr) {
      for (Object t : arr) types.add(String.valueOf(t).trim());
    } else if (events instanceof String list) {
      for (String t : list.split(",", -1)) if (!t.isBlank()) types.add(t.trim());
    } else if (events != null) {
      throw new IllegalArgumentException(where + ".events must be a list of event types");
    }
    return new WebhookEndpoint(
        s,
        url(u, where + ".url"),
        WebhookSecret.parse(sec, where + ".secret"),
        events(types, where + ".events"));
  }

  private static URI url(String value, String where) {
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(where + " is not a valid URL (the value is not shown)");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null)
      throw new IllegalArgumentException(
          where + " must be an absolute http:// or https:// URL (the value is not shown)");
    return uri;
  }

  private static Set<String> events(List<String> types, String where) {
    Set<String> out = new LinkedHashSet<>();
    for (String t : types) {
      if (!EVENT_TYPES.contains(t))
        throw new IllegalArgumentException(
            where + " names an unknown event type \"" + t + "\"; known: " + sorted());
      out.add(t);
    }
    return Set.copyOf(out);
  }

  private static List<String> sorted() {
    return EVENT_TYPES.stream().sorted().toList();
  }

  private static Duration millis(TaliaConfig config, ConfigKeys key, long min, long max) {
    return Duration.ofMillis(range(config, key, min, max));
  }

  private static long range(TaliaConfig config, ConfigKeys key, long min, long max) {
    long v = config.longValue(key);
    if (v < min || v > max)
      throw new IllegalArgumentException(
          "Configuration key " + key + " must be between " + min + " and " + max + ", got " + v);
    return v;
  }
}
