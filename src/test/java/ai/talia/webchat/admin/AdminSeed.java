package ai.talia.webchat.admin;

import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.session.SessionTokens;
import ai.talia.webchat.support.TestSql;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/** Rows written straight into a gateway's database, as an import or an old install would have. */
final class AdminSeed {
  private AdminSeed() {}

  record Seeded(String sessionId, String leadId) {}

  static OffsetDateTime odt(Instant at) {
    return at.atOffset(ZoneOffset.UTC);
  }

  /** A session (last active at {@code at}) with a granted consent and a lead, all at {@code at}. */
  static Seeded lead(TaliaConfig c, String name, String email, String phone, Instant at) {
    String session = session(c, at);
    String consent = UUID.randomUUID().toString();
    TestSql.update(
        c,
        "INSERT INTO consents (id, session_id, policy_version, granted, created_at, ip_hash, "
            + "user_agent) VALUES (?, ?, '2026-11', TRUE, ?, 'iphash', 'UA/1.0')",
        consent,
        session,
        odt(at));
    String lead = UUID.randomUUID().toString();
    TestSql.update(
        c,
        "INSERT INTO leads (id, session_id, name, email, phone, source, consent_id, created_at, "
            + "updated_at) VALUES (?, ?, ?, ?, ?, 'webchat', ?, ?, ?)",
        lead,
        session,
        name,
        email,
        phone,
        consent,
        odt(at),
        odt(at));
    return new Seeded(session, lead);
  }

  static String session(TaliaConfig c, Instant at) {
    String session = SessionTokens.newSessionId();
    TestSql.update(
        c,
        "INSERT INTO webchat_sessions (session_id, token_hash, locale, page_url, utm, created_at, "
            + "last_activity) VALUES (?, ?, 'es', 'https://landing.example/precios', "
            + "'{\"utm_source\":\"google\",\"utm_campaign\":\"otono\"}', ?, ?)",
        session,
        "0".repeat(64),
        odt(at),
        odt(at));
    return session;
  }
}
