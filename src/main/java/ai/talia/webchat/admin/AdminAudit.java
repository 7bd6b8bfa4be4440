package ai.talia.webchat.admin;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.store.DomainEvent;
import ai.talia.webchat.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each admin read of personal data as an {@code admin_export} event (what was read, how
 * many rows, which filters were used, never their values nor any personal data) and logs it.
 */
final class AdminAudit {
  private static final Logger log = LoggerFactory.getLogger(AdminAudit.class);
  private final Store store;

  AdminAudit(Store store) {
    this.store = store;
  }

  /**
   * @param what {@code leads}, {@code leads_csv}, {@code session} or {@code subject}
   * @param sessionId the one session read, or null for a listing
   * @param filters the names of the filters used (no values: a search text may be an email)
   * @param masked what the log line may show (masked)
   */
  Future<Void> exported(
      String what,
      @Nullable String sessionId,
      long rows,
      JsonObject filters,
      @Nullable String masked) {
    log.info(
        "admin export",
        kv("what", what),
        kv("session_id", sessionId),
        kv("rows", rows),
        kv("filters", filters.encode()),
        kv("subject", masked));
    return store
        .recordEvent(
            DomainEvent.of(
                DomainEvent.ADMIN_EXPORT,
                sessionId,
                Instant.now(),
                new JsonObject().put("what", what).put("rows", rows).put("filters", filters)))
        .onFailure(e -> log.warn("admin export event not recorded", kv("error", e.toString())));
  }
}
