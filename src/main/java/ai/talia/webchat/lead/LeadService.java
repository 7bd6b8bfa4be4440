package ai.talia.webchat.lead;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ai.talia.webchat.store.ConsentNotGrantedException;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.Store;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path to the {@code leads} table, for every engine: no granted consent, nothing stored;
 * each field validated (email syntax, phone to E.164); valid fields merged into the session's one
 * lead. The consent is checked here for a quick answer and again by the store inside the write, so
 * a withdrawal that commits in between also ends in {@code consent_missing}.
 */
public final class LeadService {
  private static final Logger log = LoggerFactory.getLogger(LeadService.class);
  private final Store store;
  private final String defaultRegion;

  public LeadService(Store store, LeadSettings settings) {
    this.store = store;
    this.defaultRegion = settings.defaultRegion();
  }

  public Future<LeadOutcome> capture(String sessionId, LeadFields fields) {
    return store
        .latestConsent(sessionId)
        .compose(
            consent -> {
              if (consent == null || !consent.granted()) {
                return Future.succeededFuture(consentMissing());
              }
              Map<String, String> invalid = new LinkedHashMap<>();
              String name = null;
              String email = null;
              String phone = null;
              if (fields.name() != null) {
                String problem = PersonNames.problem(fields.name());
                if (problem == null) name = PersonNames.clean(fields.name());
                else invalid.put("name", problem);
              }
              if (fields.email() != null) {
                email = EmailAddresses.normalize(fields.email());
                if (email == null) invalid.put("email", "not_an_email");
              }
              if (fields.phone() != null) {
                phone = PhoneNumbers.toE164(fields.phone(), defaultRegion);
                if (phone == null) invalid.put("phone", "not_a_valid_phone");
              }
              String validName = name;
              String validEmail = email;
              String validPhone = phone;
              return store
                  .findLead(sessionId)
                  .compose(
                      existing -> {
                        Instant now = Instant.now();
                        LeadRecord base =
                            existing != null
                                ? existing
                                : new LeadRecord(
                                    UUID.randomUUID().toString(),
                                    sessionId,
                                    null,
                                    null,
                                    null,
                                    "webchat",
                                    consent.id(),
                                    now,
                                    now);
                        List<String> changed = new ArrayList<>();
                        String n = pick(base.name(), validName, "name", changed);
                        String e = pick(base.email(), validEmail, "email", changed);
                        String p = pick(base.phone(), validPhone, "phone", changed);
                        LeadOutcome.Status status =
                            invalid.isEmpty()
                                ? LeadOutcome.Status.STORED
                                : LeadOutcome.Status.INVALID;
                        if (changed.isEmpty()) {
                          return Future.succeededFuture(
                              new LeadOutcome(status, existing, List.of(), invalid));
                        }
                        LeadRecord updated =
                            new LeadRecord(
                                base.id(),
                                sessionId,
                                n,
                                e,
                                p,
                                "webchat",
                                consent.id(),
                                base.createdAt(),
                                now);
                        return store
                            .saveLead(updated, changed)
                            .map(
                                saved -> {
                                  log.info(
                                      "lead captured",
                                      kv("session_id", sessionId),
                                      kv("fields", changed),
                                      kv("email", Masking.email(saved.email())),
                                      kv("phone", Masking.phone(saved.phone())),
                                      kv("complete", saved.complete()));
                                  return new LeadOutcome(status, saved, changed, invalid);
                                })
                            .recover(
                                failure -> {
                                  if (!(failure instanceof ConsentNotGrantedException))
                                    return Future.failedFuture(failure);
                                  // Withdrawn since the check above: the store refused the write.
                                  log.info(
                                      "lead not stored: consent withdrawn meanwhile",
                                      kv("session_id", sessionId));
                                  return Future.succeededFuture(consentMissing());
                                });
                      });
            });
  }

  private static LeadOutcome consentMissing() {
    return new LeadOutcome(LeadOutcome.Status.CONSENT_MISSING, null, List.of(), Map.of());
  }

  private static @Nullable String pick(
      @Nullable String current, @Nullable String given, String field, List<String> changed) {
    if (given == null || Objects.equals(current, given)) return current;
    changed.add(field);
    return given;
  }
}
