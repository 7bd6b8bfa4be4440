package ai.talia.webchat.admin;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.StreamClient;
import ai.talia.webchat.support.TestDatabases;
import ai.talia.webchat.support.TestSql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admin API of leads, sessions and a visitor's rights, over real HTTP against the real gateway,
 * on the embedded store and on Postgres; what erasure leaves is checked with SQL on the tables.
 */
abstract class AdminApiContract {
  static final String ADMIN_TOKEN = "admin-test-token-0123456789";
  static final String ORIGIN = "https://landing.example";

  private final List<AutoCloseable> open = new ArrayList<>();

  abstract TestDatabases.Kind kind();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    open.clear();
  }

  RunningGateway gateway(UnaryOperator<TaliaConfig> config) {
    RunningGateway g =
        RunningGateway.start(
            kind(),
            c ->
                config.apply(
                    c.with(ConfigKeys.ADMIN_TOKEN, ADMIN_TOKEN)
                        .with(ConfigKeys.WEBCHAT_ALLOWED_ORIGINS, new JsonArray().add(ORIGIN))
                        .with(ConfigKeys.LIMITS_SESSION_RATE_CAPACITY, 1000)
                        .with(ConfigKeys.LIMITS_IP_RATE_CAPACITY, 10_000)));
    open.add(g);
    return g;
  }

  RunningGateway gateway() {
    return gateway(c -> c);
  }

  static Api.Reply admin(Api api, String method, String path) {
    return api.request(method, path).bearer(ADMIN_TOKEN).send();
  }

  static JsonObject ok(Api.Reply reply) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.header("Content-Type")).startsWith("application/json");
    assertThat(reply.header("Access-Control-Allow-Origin")).isNull();
    return reply.json();
  }

  static void assertProblem(Api.Reply reply, int status, String code, String field) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
    assertThat(reply.json().getString("code")).isEqualTo(code);
    if (field != null)
      assertThat(reply.json().getJsonArray("errors").encode())
          .contains("\"field\":\"" + field + "\"");
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A visitor on the landing who consents and leaves name, email and phone in the chat. */
  static Api.Session chatLead(Api api, String name, String email, String phone) {
    Api.Session s =
        api.landingSession(
            "https://landing.example/precios?ref=ads",
            new JsonObject().put("utm_source", "google"),
            "Origin",
            ORIGIN,
            "User-Agent",
            "Mozilla/5.0 AdminTest");
    for (String line : List.of("Hola", "Me llamo " + name, "mi correo es " + email, phone))
      assertThat(api.say(s, line).status()).isEqualTo(200);
    return s;
  }

  // --- access -----------------------------------------------------------------------------------

  static final List<String[]> PATHS =
      List.of(
          new String[] {"GET", "/api/admin/leads"},
          new String[] {"GET", "/api/admin/leads.csv"},
          new String[] {"GET", "/api/admin/sessions"},
          new String[] {"GET", "/api/admin/sessions/00000000-0000-4000-8000-000000000000"},
          new String[] {"DELETE", "/api/admin/sessions/00000000-0000-4000-8000-000000000000"},
          new String[] {"GET", "/api/admin/subjects?email=a%40b.example"},
          new String[] {"DELETE", "/api/admin/subjects?email=a%40b.example"});

  @Test
  void every_admin_path_needs_the_token_and_is_404_while_none_is_set() {
    RunningGateway on = gateway();
    Api api = new Api(on.baseUrl());
    // Seven refusals, under the per-IP allowance of ten: each is a 401, without CORS.
    for (int i = 0; i < PATHS.size(); i++) {
      String[] p = PATHS.get(i);
      Api.Request request = api.request(p[0], p[1]).header("Origin", ORIGIN);
      Api.Reply refused = (i % 2 == 0 ? request : request.bearer("wrong-token")).send();
      assertProblem(refused, 401, "unauthorized", null);
      assertThat(refused.header("Access-Control-Allow-Origin")).isNull();
    }
    // The right token still works meanwhile.
    ok(admin(api, "GET", "/api/admin/sessions"));
    on.close();
    RunningGateway off = gateway(c -> c.with(ConfigKeys.ADMIN_TOKEN, null));
    Api offApi = new Api(off.baseUrl());
    for (String[] p : PATHS)
      assertProblem(offApi.request(p[0], p[1]).bearer(ADMIN_TOKEN).send(), 404, "not_found", null);
  }

  // --- leads ------------------------------------------------------------------------------------

  @Test
  void lead_pages_are_newest_first_and_none_is_lost_or_repeated_while_leads_arrive() {
    RunningGateway g = gateway();
    Api api = new Api(g.baseUrl());
    Instant base = Instant.parse("2026-03-01T10:00:00Z");
    Set<String> seeded = new LinkedHashSet<>();
    for (int i = 0; i < 60; i++)
      // Every third lead shares its instant with the previous one: the id breaks the tie.
      seeded.add(
          AdminSeed.lead(
                  g.config(),
                  "Lead " + i,
                  "lead" + i + "@example.com",
                  "+3461234" + String.format("%04d", i),
                  base.plusSeconds(60L * (i - i % 3 / 2)))
              .leadId());
    List<String> seen = new ArrayList<>();
    List<Instant> times = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page =
          ok(
              admin(
                  api,
                  "GET",
                  "/api/admin/leads?until=2026-04-01&limit=7"
                      + (cursor == null ? "" : "&cursor=" + cursor)));
      for (Object o : page.getJsonArray("leads")) {
        JsonObject l = (JsonObject) o;
        seen.add(l.getString("id"));
        times.add(Instant.parse(l.getString("created_at")));
        assertThat(l.getJsonObject("consent").getString("policy_version")).isEqualTo("2026-11");
        assertThat(l.getJsonObject("utm").getString("utm_source")).isEqualTo("google");
      }
      // New leads arrive between pages, some at the very instant of the page's last row.
      AdminSeed.lead(
          g.config(), "Late", "late" + pages + "@example.com", "+34600000000", Instant.now());
      if (!times.isEmpty())
        AdminSeed.lead(
            g.config(),
            "Tie",
            "tie" + pages + "@example.com",
            "+34600000001",
            times.get(times.size() - 1));
      cursor = page.getString("next_cursor");
      pages++;
    } while (cursor != null && pages < 100);
    assertThat(new HashSet<>(seen)).hasSize(seen.size());
    // Every seeded lead, each once; the ties inserted meanwhile may land on a later page only.
    assertThat(seen).containsAll(seeded);
    for (int i = 1; i < times.size(); i++)
      assertThat(times.get(i)).isBeforeOrEqualTo(times.get(i - 1));

    // Filters: q over name, email and phone, case-insensitive; since inclusive, until exclusive.
    JsonArray byEmail = ok(admin(api, "GET", "/api/admin/leads?q=LEAD17%40")).getJsonArray("leads");
    assertThat(byEmail).hasSize(1);
    assertThat(byEmail.getJsonObject(0).getString("name")).isEqualTo("Lead 17");
    assertThat(ok(admin(api, "GET", "/api/admin/leads?q=" + enc("lead 1"))).getJsonArray("leads"))
        .hasSize(11);
    assertThat(ok(admin(api, "GET", "/api/admin/leads?q=12340042")).getJsonArray("leads"))
        .hasSize(1);
    assertThat(ok(admin(api, "GET", "/api/admin/leads?q=" + enc("%"))).getJsonArray("leads"))
        .isEmpty();
    JsonArray window =
        ok(admin(
                api,
                "GET",
                "/api/admin/leads?since=2026-03-01T10:03:00Z&until=2026-03-01T10:06:00Z&limit=200"))
            .getJsonArray("leads");
    for (Object o : window) {
      Instant at = Instant.parse(((JsonObject) o).getString("created_at"));
      assertThat(at)
          .isBetween(Instant.parse("2026-03-01T10:03:00Z"), Instant.parse("2026-03-01T10:05:59Z"));
    }
    assertThat(window).isNotEmpty();

    assertProblem(
        admin(api, "GET", "/api/admin/leads?limit=201"), 422, "validation_failed", "limit");
    assertProblem(admin(api, "GET", "/api/admin/leads?limit=x"), 422, "validation_failed", "limit");
    assertProblem(
        admin(api, "GET", "/api/admin/leads?since=yesterday"), 422, "validation_failed", "since");
    assertProblem(
        admin(api, "GET", "/api/admin/leads?until=2026-13-01"), 422, "validation_failed", "until");
    assertProblem(
        admin(api, "GET", "/api/admin/leads?cursor=bm9wZQ"), 422, "validation_failed", "cursor");
    assertProblem(
        admin(api, "GET", "/api/admin/leads.csv?since=2026-05-01&until=2026-04-01"),
        422,
        "validation_failed",
        "until");
    assertProblem(
        admin(api, "GET", "/api/admin/sessions?has_lead=maybe"),
        422,
        "validation_failed",
        "has_lead");
  }

  @Test
  void the_csv_quotes_rfc_4180_and_neutralises_formulas_in_hostile_names() {
    RunningGateway g = gateway();
    Api api = new Api(g.baseUrl());
    List<String> hostile =
        List.of(
            "=HYPERLINK(\"http://x\",\"y\")",
            "Ana \"La Jefa\" Pérez",
            "line one\r\nline two",
            "Pérez, Ana",
            "Zoë 😀 Émoji",
            "@SUM(A1)",
            "-2+3",
            "\tTabbed");
    Instant at = Instant.parse("2026-02-01T09:00:00Z");
    for (int i = 0; i < hostile.size(); i++)
      AdminSeed.lead(
          g.config(), hostile.get(i), "h" + i + "@example.com", "+34612345678", at.plusSeconds(i));
    Api.Reply csv = admin(api, "GET", "/api/admin/leads.csv");
    assertThat(csv.status()).as(csv.body()).isEqualTo(200);
    assertThat(csv.header("Content-Type")).isEqualTo("text/csv; charset=utf-8");
    assertThat(csv.header("Content-Disposition"))
        .matches("attachment; filename=\"talia-leads-\\d{4}-\\d{2}-\\d{2}\\.csv\"");
    assertThat(csv.header("Transfer-Encoding")).isEqualTo("chunked");
    assertThat(csv.body()).endsWith("\r\n");
    List<List<String>> rows = parseCsv(csv.body());
    assertThat(rows.get(0)).isEqualTo(LeadAdminApi.CSV_HEADER);
    assertThat(rows).hasSize(1 + hostile.size());
    // Newest first: the last seeded name comes first.
    List<String> names = new ArrayList<>();
    for (List<String> r : rows.subList(1, rows.size())) {
      assertThat(r).hasSize(LeadAdminApi.CSV_HEADER.size());
      names.add(r.get(2));
      assertThat(r.get(4)).isEqualTo("'+34612345678");
      assertThat(r.get(11)).isEqualTo("google");
      assertThat(r.get(13)).isEqualTo("otono");
    }
    assertThat(names)
        .containsExactly(
            "'\tTabbed",
            "'-2+3",
            "'@SUM(A1)",
            "Zoë 😀 Émoji",
            "Pérez, Ana",
            "line one\r\nline two",
            "Ana \"La Jefa\" Pérez",
            "'=HYPERLINK(\"http://x\",\"y\")");
    assertThat(csv.body()).contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    // The export was audited without any of its data, once its last row left (after the body).
    awaitTrue(
        () ->
            !TestSql.query(g.config(), "SELECT 1 FROM events WHERE type = 'admin_export'")
                .isEmpty(),
        "the csv export audited");
    List<Map<String, Object>> audit =
        TestSql.query(g.config(), "SELECT payload FROM events WHERE type = 'admin_export'");
    assertThat(audit).hasSize(1);
    String payload = (String) audit.get(0).get("payload");
    assertThat(new JsonObject(payload).getString("what")).isEqualTo("leads_csv");
    assertThat(new JsonObject(payload).getLong("rows")).isEqualTo(hostile.size());
    assertThat(payload).doesNotContain("example.com").doesNotContain("Pérez");
  }

  /** RFC 4180 as a strict reader sees it: CRLF rows, quoted fields, doubled quotes. */
  static List<List<String>> parseCsv(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"' && cell.length() == 0) {
        i++;
        while (true) {
          char q = text.charAt(i);
          if (q == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
            cell.append('"');
            i += 2;
          } else if (q == '"') {
            i++;
            break;
          } else {
            cell.append(q);
            i++;
          }
        }
      } else if (c == ',') {
        row.add(cell.toString());
        cell.setLength(0);
        i++;
      } else if (c == '\r' && text.charAt(i + 1) == '\n') {
        row.add(cell.toString());
        cell.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
        i += 2;
      } else {
        assertThat(c).as("bare CR or LF outside quotes at " + i).isNotIn('\r', '\n', '"');
        cell.append(c);
        i++;
      }
    }
    assertThat(row).isEmpty();
    return rows;
  }

  // --- sessions and subjects --------------------------------------------------------------------

  @Test
  void a_chat_shows_in_the_lists_and_its_detail_and_every_read_is_audited() {
    RunningGateway g = gateway();
    Api api = new Api(g.baseUrl());
    Api.Session s = chatLead(api, "Ana Pérez", "ana.perez@example.com", "+34 612 345 678");
    Api.Session quiet = api.consentedSession("en");

    JsonObject lead =
        ok(admin(api, "GET", "/api/admin/leads")).getJsonArray("leads").getJsonObject(0);
    assertThat(lead.getString("session_id")).isEqualTo(s.id());
    assertThat(lead.getString("name")).isEqualTo("Ana Pérez");
    assertThat(lead.getString("email")).isEqualTo("ana.perez@example.com");
    assertThat(lead.getString("phone")).isEqualTo("+34612345678");
    assertThat(lead.getString("page_url")).isEqualTo("https://landing.example/precios?ref=ads");

    JsonArray withLead =
        ok(admin(api, "GET", "/api/admin/sessions?has_lead=true")).getJsonArray("sessions");
    assertThat(withLead).hasSize(1);
    assertThat(withLead.getJsonObject(0).getString("id")).isEqualTo(s.id());
    assertThat(withLead.getJsonObject(0).getString("lead_name")).isEqualTo("Ana Pérez");
    assertThat(withLead.getJsonObject(0).getLong("message_count")).isEqualTo(8);
    JsonArray withoutLead =
        ok(admin(api, "GET", "/api/admin/sessions?has_lead=false")).getJsonArray("sessions");
    assertThat(withoutLead)
        .extracting(o -> ((JsonObject) o).getString("id"))
        .containsExactly(quiet.id());
    assertThat(ok(admin(api, "GET", "/api/admin/sessions")).getJsonArray("sessions"))
        .extracting(o -> ((JsonObject) o).getString("id"))
        .containsExactly(quiet.id(), s.id());

    JsonObject detail = ok(admin(api, "GET", "/api/admin/sessions/" + s.id()));
    assertThat(detail.getJsonObject("session").getString("id")).isEqualTo(s.id());
    assertThat(detail.getJsonObject("session").getString("status")).isEqualTo("lead_captured");
    JsonArray messages = detail.getJsonArray("messages");
    assertThat(messages).hasSize(8);
    for (int i = 0; i < messages.size(); i++) {
      assertThat(messages.getJsonObject(i).getLong("seq")).isEqualTo(i + 1L);
      assertThat(messages.getJsonObject(i).getString("author"))
          .isEqualTo(i % 2 == 0 ? "user" : "assistant");
    }
    assertThat(messages.getJsonObject(2).getString("content")).isEqualTo("Me llamo Ana Pérez");
    assertThat(detail.getJsonArray("consents")).hasSize(1);
    assertThat(detail.getJsonArray("consents").getJsonObject(0).getBoolean("granted")).isTrue();
    assertThat(detail.getJsonArray("consents").getJsonObject(0).containsKey("ip_hash")).isFalse();
    assertThat(detail.getJsonObject("lead").getString("id")).isEqualTo(lead.getString("id"));
    assertThat(detail.getJsonArray("events"))
        .extracting(o -> ((JsonObject) o).getString("type"))
        .contains("webchat_started", "consent_granted", "lead_captured");

    assertProblem(admin(api, "GET", "/api/admin/sessions/not-a-session"), 404, "not_found", null);
    assertProblem(
        admin(api, "GET", "/api/admin/sessions/00000000-0000-4000-8000-000000000000"),
        404,
        "not_found",
        null);

    // Reads of personal data were recorded: leads list, session detail (not the sessions list).
    List<Map<String, Object>> audit =
        TestSql.query(
            g.config(),
            "SELECT session_id, payload FROM events WHERE type = 'admin_export' ORDER BY occurred_at");
    assertThat(audit)
        .extracting(r -> new JsonObject((String) r.get("payload")).getString("what"))
        .containsExactly("leads", "session");
    assertThat(audit.get(1).get("session_id")).isEqualTo(s.id());
    for (Map<String, Object> r : audit) assertThat((String) r.get("payload")).doesNotContain("ana");
  }

  @Test
  void the_export_by_email_has_every_session_of_that_email_and_nothing_of_others() {
    RunningGateway g = gateway();
    Api api = new Api(g.baseUrl());
    Api.Session first = chatLead(api, "Ana Pérez", "ana@example.com", "+34 612 345 678");
    Api.Session second = chatLead(api, "Ana P", "Ana@Example.com", "+34 612 345 679");
    Api.Session other = chatLead(api, "Luis Gómez", "luis@example.com", "+34 699 000 111");

    JsonObject export =
        ok(admin(api, "GET", "/api/admin/subjects?email=" + enc(" ANA@example.com ")));
    assertThat(export.getJsonArray("sessions"))
        .extracting(o -> ((JsonObject) o).getJsonObject("session").getString("id"))
        .containsExactlyInAnyOrder(first.id(), second.id());
    assertThat(export.encode()).doesNotContain("luis").doesNotContain(other.id());
    for (Object o : export.getJsonArray("sessions"))
      assertThat(((JsonObject) o).getJsonArray("messages")).hasSize(8);

    assertThat(
            ok(admin(api, "GET", "/api/admin/subjects?email=nobody%40example.com"))
                .getJsonArray("sessions"))
        .isEmpty();
    assertProblem(admin(api, "GET", "/api/admin/subjects"), 422, "validation_failed", "email");
    assertProblem(
        admin(api, "GET", "/api/admin/subjects?email=%20"), 422, "validation_failed", "email");
    assertProblem(admin(api, "DELETE", "/api/admin/subjects"), 422, "validation_failed", "email");
    String audit =
        TestSql.query(g.config(), "SELECT payload FROM events WHERE type = 'admin_export'")
            .toString();
    assertThat(audit).contains("subject").doesNotContain("ana@").doesNotContain("Ana@");
  }

  // --- erasure ----------------------------------------------------------------------------------

  @Test
  void erasure_removes_every_personal_field_closes_the_socket_and_leaves_others_untouched() {
    RunningGateway g = gateway();
    Api api = new Api(g.baseUrl());
    TaliaConfig c = g.config();
    Api.Session gone = chatLead(api, "Ana Pérez", "ana@example.com", "+34 612 345 678");
    Api.Session kept = chatLead(api, "Luis Gómez", "luis@example.com", "+34 699 000 111");
    Map<String, Object> keptBefore = snapshot(c, kept.id());

    StreamClient socket = StreamClient.connect(g.port(), ORIGIN);
    open.add(socket);
    socket.hello(gone.id(), gone.token(), 0);
    socket.until(StreamClient.type("ready"));

    JsonObject erased = ok(admin(api, "DELETE", "/api/admin/sessions/" + gone.id()));
    assertThat(erased.getJsonArray("erased_sessions")).containsExactly(gone.id());

    // The socket is told and closed; the widget's next calls find no session.
    List<JsonObject> frames = socket.until(StreamClient.type("error"));
    assertThat(frames.get(frames.size() - 1).getString("code")).isEqualTo("session_not_found");
    assertThat(socket.awaitClose()).isEqualTo((short) 4404);
    Api.Reply history = api.history(gone);
    assertThat(history.status()).as(history.body()).isEqualTo(404);
    assertThat(history.json().getString("code")).isEqualTo("session_not_found");
    Api.Reply say = api.say(gone, "¿sigues ahí?");
    assertThat(say.status()).as(say.body()).isEqualTo(404);
    StreamClient again = StreamClient.connect(g.port(), ORIGIN);
    open.add(again);
    again.hello(gone.id(), gone.token(), 0);
    assertThat(again.until(StreamClient.type("error")).get(0).getString("code"))
        .isEqualTo("session_not_found");

    // What the database keeps: the tombstone and the consents' proof, nothing personal.
    assertThat(TestSql.count(c, "SELECT COUNT(*) FROM messages WHERE session_id = ?", gone.id()))
        .isZero();
    assertThat(TestSql.count(c, "SELECT COUNT(*) FROM leads WHERE session_id = ?", gone.id()))
        .isZero();
    List<Map<String, Object>> consents =
        TestSql.query(
            c,
            "SELECT ip_hash, user_agent, policy_version, granted FROM consents WHERE session_id = ?",
            gone.id());
    assertThat(consents).hasSize(1);
    assertThat(consents.get(0).get("ip_hash")).isNull();
    assertThat(consents.get(0).get("user_agent")).isNull();
    assertThat(consents.get(0).get("policy_version")).isEqualTo("2026-11");
    Map<String, Object> tomb =
        TestSql.query(
                c,
                "SELECT token_hash, page_url, utm, assistant_thread_id, erased_at, erasure_reason "
                    + "FROM webchat_sessions WHERE session_id = ?",
                gone.id())
            .get(0);
    assertThat(tomb.get("token_hash")).isEqualTo("erased");
    assertThat(tomb.get("page_url")).isNull();
    assertThat(tomb.get("utm")).isNull();
    assertThat(tomb.get("erased_at")).isNotNull();
    assertThat(tomb.get("erasure_reason")).isEqualTo("admin_request");
    List<Map<String, Object>> events =
        TestSql.query(c, "SELECT type, payload FROM events WHERE session_id = ?", gone.id());
    assertThat(events).isNotEmpty();
    for (Map<String, Object> e : events) {
      String payload = (String) e.get("payload");
      assertThat(payload)
          .doesNotContain("ana")
          // The whole number in both spellings: a bare "612" also matches erased_at's nanoseconds.
          .doesNotContain("612345678")
          .doesNotContain("612 345 678")
          .doesNotContain("landing.example");
      if ("session_erased".equals(e.get("type")))
        assertThat(new JsonObject(payload).getString("reason")).isEqualTo("admin_request");
      else if (!"admin_export".equals(e.get("type")))
        assertThat(new JsonObject(payload)).isEqualTo(new JsonObject().put("erased", true));
    }
    assertThat(events).extracting(e -> e.get("type")).contains("session_erased");

    // A write already past the session check when the erasure committed stores nothing.
    ai.talia.webchat.store.StoreClient store = new ai.talia.webchat.store.StoreClient(g.vertx());
    Instant now = Instant.now();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                await(
                    store.saveLead(
                        new ai.talia.webchat.store.LeadRecord(
                            java.util.UUID.randomUUID().toString(),
                            gone.id(),
                            "Ana Pérez",
                            "ana@example.com",
                            null,
                            "webchat",
                            null,
                            now,
                            now),
                        List.of("name", "email"))))
        .isInstanceOf(ai.talia.webchat.store.ConsentNotGrantedException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () ->
            await(
                store.recordConsent(
                    new ai.talia.webchat.store.ConsentRecord(
                        java.util.UUID.randomUUID().toString(),
                        gone.id(),
                        "2026-11",
                        true,
                        now,
                        "iphash",
                        "UA/1.0"))));
    assertThat(TestSql.count(c, "SELECT COUNT(*) FROM leads WHERE session_id = ?", gone.id()))
        .isZero();
    assertThat(TestSql.count(c, "SELECT COUNT(*) FROM consents WHERE session_id = ?", gone.id()))
        .isEqualTo(1);

    // The other visitor: every row as before.
    assertThat(snapshot(c, kept.id())).isEqualTo(keptBefore);
    assertThat(api.history(kept).status()).isEqualTo(200);

    // Gone from every admin view; a second erasure finds nothing.
    assertProblem(admin(api, "GET", "/api/admin/sessions/" + gone.id()), 404, "not_found", null);
    assertProblem(admin(api, "DELETE", "/api/admin/sessions/" + gone.id()), 404, "not_found", null);
    assertThat(ok(admin(api, "GET", "/api/admin/leads")).getJsonArray("leads"))
        .extracting(o -> ((JsonObject) o).getString("session_id"))
        .containsExactly(kept.id());
    assertThat(ok(admin(api, "GET", "/api/admin/sessions")).getJsonArray("sessions"))
        .extracting(o -> ((JsonObject) o).getString("id"))
        .containsExactly(kept.id());
    assertThat(
            ok(admin(api, "GET", "/api/admin/subjects?email=ana%40example.com"))
                .getJsonArray("sessions"))
        .isEmpty();
  }

  @Test
  void erasure_by_email_erases_each_session_of_that_email_only() {
    RunningGateway g = gateway();
    Api api = new Api(g.baseUrl());
    Api.Session a = chatLead(api, "Ana Pérez", "ana@example.com", "+34 612 345 678");
    Api.Session b = chatLead(api, "Ana P", "ANA@example.com", "+34 612 345 679");
    Api.Session other = chatLead(api, "Luis Gómez", "luis@example.com", "+34 699 000 111");
    JsonObject erased = ok(admin(api, "DELETE", "/api/admin/subjects?email=ana%40EXAMPLE.com"));
    assertThat(erased.getJsonArray("erased_sessions")).containsExactlyInAnyOrder(a.id(), b.id());
    assertThat(
            TestSql.query(
                g.config(),
                "SELECT erasure_reason FROM webchat_sessions WHERE session_id IN (?, ?)",
                a.id(),
                b.id()))
        .extracting(r -> r.get("erasure_reason"))
        .containsOnly("subject_request");
    assertThat(
            TestSql.count(
                g.config(), "SELECT COUNT(*) FROM messages WHERE session_id = ?", other.id()))
        .isEqualTo(8);
    assertThat(
            ok(admin(api, "DELETE", "/api/admin/subjects?email=ana%40example.com"))
                .getJsonArray("erased_sessions"))
        .isEmpty();
  }

  // --- OpenAI -----------------------------------------------------------------------------------

  @Test
  void an_erased_sessions_openai_conversation_is_deleted_there_and_retried_while_openai_fails() {
    io.vertx.core.Vertx fakeVertx = io.vertx.core.Vertx.vertx();
    open.add(() -> await(fakeVertx.close()));
    ai.talia.webchat.fakeopenai.FakeOpenAiServer fake =
        await(ai.talia.webchat.fakeopenai.FakeOpenAiServer.start(fakeVertx));
    open.add(() -> await(fake.close()));
    RunningGateway g =
        gateway(
            c ->
                c.with(ConfigKeys.ENGINE_NAME, "openai")
                    .with(ConfigKeys.OPENAI_API_KEY, fake.apiKey())
                    .with(ConfigKeys.OPENAI_BASE_URL, fake.baseUrl())
                    .with(ConfigKeys.ADMIN_OPENAI_DELETION_RETRY_SECONDS, 1));
    Api api = new Api(g.baseUrl());
    TaliaConfig c = g.config();
    Api.Session flaky = api.consentedSession("es");
    Api.Session smooth = api.consentedSession("es");
    for (Api.Session s : List.of(flaky, smooth))
      assertThat(api.say(s, "Hola").status()).isEqualTo(200);
    String flakyConversation = conversationOf(c, flaky.id());
    String smoothConversation = conversationOf(c, smooth.id());
    assertThat(fake.conversation(flakyConversation)).isNotNull();

    // OpenAI answers the first two deletions 500: the erasure is done here, OpenAI's is queued.
    fake.failConversationDeletes(2);
    ok(admin(api, "DELETE", "/api/admin/sessions/" + flaky.id()));
    awaitTrue(() -> fake.conversationDeletes().size() >= 1, "a first DELETE at OpenAI");
    awaitTrue(
        () ->
            TestSql.count(
                    c,
                    "SELECT COUNT(*) FROM openai_deletions WHERE conversation_id = ? "
                        + "AND deleted_at IS NULL AND attempts >= 1 AND last_error IS NOT NULL",
                    flakyConversation)
                == 1,
        "the failure recorded");
    assertThat(fake.conversation(flakyConversation)).isNotNull();
    // The background worker retries until OpenAI confirms.
    awaitTrue(() -> fake.conversation(flakyConversation) == null, "the conversation deleted");
    awaitTrue(
        () ->
            TestSql.count(
                    c,
                    "SELECT COUNT(*) FROM openai_deletions WHERE conversation_id = ? "
                        + "AND deleted_at IS NOT NULL",
                    flakyConversation)
                == 1,
        "the deletion recorded");
    assertThat(fake.conversationDeletes())
        .containsExactly(flakyConversation, flakyConversation, flakyConversation);
    assertThat(metric(api, "talia_openai_deletions_total{outcome=\"failed\"}")).isEqualTo(2.0);

    // With OpenAI up, the first attempt right after the commit deletes it.
    ok(admin(api, "DELETE", "/api/admin/sessions/" + smooth.id()));
    awaitTrue(
        () -> fake.conversation(smoothConversation) == null, "the second conversation deleted");
    awaitTrue(() -> metric(api, "talia_openai_deletions_pending") == 0.0, "nothing pending");
    assertThat(fake.conversationDeletes()).hasSize(4);
    assertThat(conversationOf(c, smooth.id())).isNull();
  }

  static String conversationOf(TaliaConfig c, String sessionId) {
    return (String)
        TestSql.query(
                c,
                "SELECT assistant_thread_id FROM webchat_sessions WHERE session_id = ?",
                sessionId)
            .get(0)
            .get("assistant_thread_id");
  }

  static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("never: " + what);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  // --- retention --------------------------------------------------------------------------------

  @Test
  void retention_erases_sessions_idle_longer_than_the_days_by_the_same_path() {
    RunningGateway g =
        gateway(
            c ->
                c.with(ConfigKeys.RETENTION_DAYS, 30)
                    .with(ConfigKeys.RETENTION_BATCH_SIZE, 2)
                    .with(ConfigKeys.RETENTION_FIRST_RUN_SECONDS, 3600));
    Api api = new Api(g.baseUrl());
    TaliaConfig c = g.config();
    Api.Session recent = chatLead(api, "Ana Pérez", "ana@example.com", "+34 612 345 678");
    List<String> old = new ArrayList<>();
    for (int i = 0; i < 5; i++)
      old.add(
          AdminSeed.lead(
                  c,
                  "Old " + i,
                  "old" + i + "@example.com",
                  "+34600000000",
                  Instant.now().minus(Duration.ofDays(31 + i)))
              .sessionId());
    // Last active 29 days ago, though created long before: kept.
    String active = AdminSeed.session(c, Instant.now().minus(Duration.ofDays(90)));
    TestSql.update(
        c,
        "UPDATE webchat_sessions SET last_activity = ? WHERE session_id = ?",
        AdminSeed.odt(Instant.now().minus(Duration.ofDays(29))),
        active);

    Integer erased = await(g.gateway().admin().retention().sweep());
    assertThat(erased).isEqualTo(5);
    for (String id : old) {
      Map<String, Object> row =
          TestSql.query(
                  c,
                  "SELECT erasure_reason, page_url FROM webchat_sessions WHERE session_id = ?",
                  id)
              .get(0);
      assertThat(row.get("erasure_reason")).isEqualTo("retention");
      assertThat(row.get("page_url")).isNull();
      assertThat(TestSql.count(c, "SELECT COUNT(*) FROM leads WHERE session_id = ?", id)).isZero();
    }
    assertThat(TestSql.count(c, "SELECT COUNT(*) FROM webchat_sessions WHERE erased_at IS NULL"))
        .isEqualTo(2);
    assertThat(api.history(recent).status()).isEqualTo(200);
    assertThat(metric(api, "talia_retention_erased_total")).isEqualTo(5.0);
    assertThat(await(g.gateway().admin().retention().sweep())).isZero();
  }

  static double metric(Api api, String sample) {
    for (String line : api.get("/metrics").body().split("\n", -1))
      if (line.startsWith(sample + " ") || (!sample.contains("{") && line.startsWith(sample + "{")))
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    return 0;
  }

  /** Every row of a session in the personal-data tables, to compare before and after. */
  static Map<String, Object> snapshot(TaliaConfig c, String sessionId) {
    return Map.of(
        "session",
            TestSql.query(c, "SELECT * FROM webchat_sessions WHERE session_id = ?", sessionId)
                .toString(),
        "messages",
            TestSql.query(c, "SELECT * FROM messages WHERE session_id = ? ORDER BY seq", sessionId)
                .toString(),
        "consents",
            TestSql.query(c, "SELECT * FROM consents WHERE session_id = ?", sessionId).toString(),
        "leads", TestSql.query(c, "SELECT * FROM leads WHERE session_id = ?", sessionId).toString(),
        "events",
            TestSql.query(
                    c,
                    "SELECT id, type, payload FROM events WHERE session_id = ? AND type <> 'admin_export' ORDER BY id",
                    sessionId)
                .toString());
  }
}
