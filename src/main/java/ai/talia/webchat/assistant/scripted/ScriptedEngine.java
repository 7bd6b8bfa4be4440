package ai.talia.webchat.assistant.scripted;

import ai.talia.webchat.assistant.AssistantEngine;
import ai.talia.webchat.assistant.DeltaSink;
import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.assistant.TurnResult;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.lead.LeadFields;
import ai.talia.webchat.lead.LeadOutcome;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.StoredMessage;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The offline assistant: a deterministic lead-capture conversation (greeting, FAQ answers, asks
 * name, email and phone, confirms) whose wording lives in {@code conf/scripted.json}. It keeps no
 * state: what to ask next follows from the stored lead and the history. Lead data goes through
 * {@link Turn#leads()}, the same path the openai engine's tool uses; replies stream in chunks.
 */
public final class ScriptedEngine implements AssistantEngine {
  // The visitor's text is read on an event loop, so every pattern here is RE2J's, which matches in
  // time linear in the text whatever it is; java.util.regex rescans "zzzz…" from every position.
  // SPACE spells out java.util.regex's \\s (RE2's lacks \\x0B).
  private static final String SPACE = "[\\t\\n\\x0B\\f\\r ]";
  private static final Pattern EMAIL =
      Pattern.compile("[^\\t\\n\\x0B\\f\\r @,;:<>()\"]+@[^\\t\\n\\x0B\\f\\r @,;:<>()\"]+");
  private static final Pattern PHONE = Pattern.compile("\\+?\\d[\\d\\t\\n\\x0B\\f\\r ().-]{6,}\\d");
  private static final Pattern SPACES = Pattern.compile(SPACE + "+");
  private static final Pattern NAME_END =
      Pattern.compile("[,.;!?\\n]|" + SPACE + "(y|and|mi|my)" + SPACE);
  private static final Pattern EDGE_PUNCTUATION =
      Pattern.compile("^[[:punct:]¿¡]+|[[:punct:]¿¡]+$");

  private final Vertx vertx;
  private final JsonObject flow;
  private final String defaultLocale;
  private final int chunkChars;
  private final long chunkDelayMs;

  public ScriptedEngine(Vertx vertx, TaliaConfig config) {
    this.vertx = vertx;
    this.flow = load(config.string(ConfigKeys.SCRIPTED_FLOW_FILE));
    this.defaultLocale = config.requiredString(ConfigKeys.WEBCHAT_DEFAULT_LOCALE);
    this.chunkChars = Math.max(1, config.integer(ConfigKeys.SCRIPTED_CHUNK_CHARS));
    this.chunkDelayMs = Math.max(0, config.integer(ConfigKeys.SCRIPTED_CHUNK_DELAY_MS));
  }

  @Override
  public String name() {
    return "scripted";
  }

  @Override
  public Future<TurnResult> runTurn(Turn turn, DeltaSink deltas) {
    JsonObject words = flow.getJsonObject(turn.locale(), flow.getJsonObject(defaultLocale));
    String text = turn.userMessage().content();
    boolean firstTurn =
        turn.history().stream().noneMatch(m -> StoredMessage.ROLE_ASSISTANT.equals(m.role()));
    LeadFields heard = listen(text, words, turn);
    Future<LeadOutcome> captured =
        heard.isEmpty() ? Future.succeededFuture(null) : turn.leads().capture(heard);
    return captured
        .map(outcome -> reply(words, text, firstTurn, turn.lead(), outcome))
        .compose(
            reply ->
                stream(reply, deltas).map(v -> new TurnResult(reply, turn.conversationId(), 0, 0)));
  }

  /**
   * Lead fields in the visitor's words: an email, a phone, a name said as such (or answered when
   * asked).
   */
  private static LeadFields listen(String text, JsonObject words, Turn turn) {
    String email = null;
    Matcher e = EMAIL.matcher(text);
    if (e.find()) email = trimPunctuation(e.group());
    String phone = null;
    Matcher p = PHONE.matcher(email == null ? text : text.replace(email, " "));
    if (p.find()) phone = p.group().trim();
    String name = null;
    String lower = text.toLowerCase(Locale.ROOT);
    for (Object pattern : words.getJsonArray("name_patterns", new JsonArray())) {
      int at = lower.indexOf((String) pattern);
      if (at >= 0 && (at == 0 || !Character.isLetter(lower.charAt(at - 1)))) {
        name = nameAfter(text.substring(at + ((String) pattern).length()));
        if (name != null) break;
      }
    }
    String bare = trimPunctuation(text.trim());
    boolean hasDigits = bare.chars().anyMatch(Character::isDigit);
    if (name == null
        && email == null
        && phone == null
        && lastAsked(turn, words.getString("ask_name"))
        && SPACES.split(bare).length <= 4
        && !text.contains("?")
        && !hasDigits
        && !words
            .getJsonArray("not_names", new JsonArray())
            .contains(bare.toLowerCase(Locale.ROOT))) {
      name = bare;
    }
    // Digits that are no phone, answering the phone question: let the lead service say why.
    if (phone == null
        && email == null
        && hasDigits
        && lastAsked(turn, words.getString("ask_phone"))) phone = bare;
    return new LeadFields(name, email, phone);
  }

  private static boolean lastAsked(Turn turn, String question) {
    for (int i = turn.history().size() - 1; i >= 0; i--) {
      StoredMessage m = turn.history().get(i);
      if (StoredMessage.ROLE_ASSISTANT.equals(m.role())) return m.content().endsWith(question);
    }
    return false;
  }

  /** The words after "me llamo", up to a comma, a period, "y"/"and", or a fourth word. */
  private static @Nullable String nameAfter(String rest) {
    String cut = NAME_END.split(rest, 2)[0].trim();
    String[] parts = SPACES.split(cut);
    if (cut.isEmpty() || parts.length > 4)
      return cut.isEmpty() ? null : String.join(" ", Arrays.copyOf(parts, 4));
    return cut;
  }

  private static String trimPunctuation(String s) {
    return EDGE_PUNCTUATION.matcher(s).replaceAll("");
  }

  private static String reply(
      JsonObject w,
      String text,
      boolean firstTurn,
      @Nullable LeadRecord before,
      @Nullable LeadOutcome outcome) {
    List<String> parts = new ArrayList<>();
    LeadRecord lead = outcome != null && outcome.lead() != null ? outcome.lead() : before;
    if (firstTurn) parts.add(w.getString("greeting"));
    if (outcome != null) {
      switch (outcome.status()) {
        case CONSENT_MISSING -> {
          parts.add(w.getString("consent_missing"));
          return String.join(" ", parts);
        }
        case INVALID ->
            outcome
                .invalid()
                .keySet()
                .forEach(field -> parts.add(w.getJsonObject("invalid").getString(field)));
        case STORED -> {}
      }
      if (lead != null && lead.complete() && !outcome.storedFields().isEmpty()) {
        parts.add(fill(w.getString("complete"), lead));
        return String.join(" ", parts);
      }
      if (outcome.storedFields().contains("name"))
        parts.add(fill(w.getString("thanks_name"), Objects.requireNonNull(lead, "name stored")));
      else if (!outcome.storedFields().isEmpty()) parts.add(w.getString("thanks"));
    } else {
      String faq = faq(w, text);
      if (faq != null) parts.add(faq);
      else if (!firstTurn) parts.add(w.getString("fallback"));
    }
    parts.add(nextQuestion(w, lead));
    return String.join(" ", parts);
  }

  private static String nextQuestion(JsonObject w, @Nullable LeadRecord lead) {
    if (lead == null || lead.name() == null) return w.getString("ask_name");
    if (lead.email() == null) return w.getString("ask_email");
    if (lead.phone() == null) return w.getString("ask_phone");
    return w.getString("anything_else");
  }

  private static @Nullable String faq(JsonObject w, String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    for (Object entry : w.getJsonArray("faq")) {
      JsonObject faq = (JsonObject) entry;
      for (Object keyword : faq.getJsonArray("keywords")) {
        if (lower.contains((String) keyword)) return faq.getString("answer");
      }
    }
    return null;
  }

  private static String fill(String template, LeadRecord lead) {
    return template
        .replace("{name}", nz(lead.name()))
        .replace("{email}", nz(lead.email()))
        .replace("{phone}", nz(lead.phone()));
  }

  private static String nz(@Nullable String s) {
    return s == null ? "" : s;
  }

  /** Sends the reply in chunks that end on a word boundary; their concatenation is the reply. */
  private Future<Void> stream(String reply, DeltaSink deltas) {
    List<String> chunks = new ArrayList<>();
    int start = 0;
    while (start < reply.length()) {
      int end = Math.min(reply.length(), start + chunkChars);
      int space = reply.indexOf(' ', end);
      end = space < 0 ? reply.length() : space + 1;
      chunks.add(reply.substring(start, end));
      start = end;
    }
    Future<Void> chain = Future.succeededFuture();
    for (String chunk : chunks) {
      chain =
          chain.compose(
              v -> {
                deltas.delta(chunk);
                return chunkDelayMs > 0
                    ? vertx.timer(chunkDelayMs).mapEmpty()
                    : Future.succeededFuture();
              });
    }
    return chain;
  }

  private static JsonObject load(@Nullable String overridePath) {
    try {
      if (overridePath != null) return new JsonObject(Files.readString(Path.of(overridePath)));
      Path local = Path.of("conf/scripted.json");
      if (Files.isRegularFile(local)) return new JsonObject(Files.readString(local));
      try (InputStream in =
          ScriptedEngine.class.getClassLoader().getResourceAsStream("conf/scripted.json")) {
        if (in == null)
          throw new IllegalStateException("conf/scripted.json is missing from the classpath");
        return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "Cannot load the scripted flow (conf/scripted.json): " + e.getMessage(), e);
    }
  }
}
