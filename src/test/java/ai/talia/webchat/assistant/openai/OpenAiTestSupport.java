package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.assistant.AssistantFailure;
import ai.talia.webchat.assistant.Turn;
import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.config.TaliaConfig;
import ai.talia.webchat.fakeopenai.FakeOpenAiServer;
import ai.talia.webchat.lead.LeadCapture;
import ai.talia.webchat.lead.LeadFields;
import ai.talia.webchat.lead.LeadOutcome;
import ai.talia.webchat.store.LeadRecord;
import ai.talia.webchat.store.MessageStatus;
import ai.talia.webchat.store.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Builds engine configs pointing at the fake, turns, and a lead capture that records what it was
 * given.
 */
final class OpenAiTestSupport {
  private OpenAiTestSupport() {}

  /**
   * Fast settings for tests: short backoff, a breaker that stays closed unless a test lowers it.
   */
  static TaliaConfig config(FakeOpenAiServer fake, String apiStyle) {
    JsonObject openai =
        new JsonObject()
            .put("apiKey", fake.apiKey())
            .put("baseUrl", fake.baseUrl())
            .put("apiStyle", apiStyle)
            .put("model", "gpt-5-mini")
            .put("maxOutputTokens", 1024)
            .put("connectTimeoutMs", 2000)
            .put("requestTimeoutMs", 5000)
            .put("firstTokenTimeoutMs", 5000)
            .put("idleTimeoutMs", 5000)
            .put("maxToolRounds", 3)
            .put(
                "retry",
                new JsonObject()
                    .put("maxRetries", 2)
                    .put("baseDelayMs", 20)
                    .put("maxDelayMs", 3000))
            .put(
                "breaker",
                new JsonObject().put("failureThreshold", 100).put("resetTimeoutMs", 30000));
    return new TaliaConfig(new JsonObject().put("openai", openai));
  }

  static TaliaConfig with(TaliaConfig config, Map<ConfigKeys, Object> overrides) {
    TaliaConfig out = config;
    for (Map.Entry<ConfigKeys, Object> e : overrides.entrySet())
      out = out.with(e.getKey(), e.getValue());
    return out;
  }

  static Turn turn(
      String sessionId,
      String text,
      String conversationId,
      List<StoredMessage> history,
      LeadCapture leads) {
    return new Turn(
        sessionId,
        "es",
        message(sessionId, StoredMessage.ROLE_USER, text, history.size() + 1),
        conversationId,
        history,
        null,
        new JsonObject().put("page_url", "https://talia.example/precios?utm=x"),
        leads,
        id -> io.vertx.core.Future.succeededFuture());
  }

  static StoredMessage message(String sessionId, String role, String text, long seq) {
    return new StoredMessage(
        UUID.randomUUID().toString(),
        sessionId,
        seq,
        role,
        text,
        Instant.now(),
        null,
        MessageStatus.COMPLETED,
        null,
        null,
        0,
        0);
  }

  static List<StoredMessage> history(String sessionId, int count) {
    List<StoredMessage> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String role = i % 2 == 0 ? StoredMessage.ROLE_USER : StoredMessage.ROLE_ASSISTANT;
      out.add(message(sessionId, role, role + " message " + i, i + 1));
    }
    return out;
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("expected success, got " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The failure a turn ended with; fails the test when it succeeded. */
  static AssistantFailure failure(Future<?> future) {
    try {
      Object result = future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      throw new AssertionError("expected the turn to fail, it answered: " + result);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AssistantFailure f) return f;
      throw new AssertionError("expected an AssistantFailure, got " + e.getCause(), e.getCause());
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A lead capture that records every call and answers "stored" (complete once all three fields
   * were seen).
   */
  static final class RecordingLeads implements LeadCapture {
    final List<LeadFields> captured = new CopyOnWriteArrayList<>();
    private String name;
    private String email;
    private String phone;

    @Override
    public Future<LeadOutcome> capture(LeadFields fields) {
      captured.add(fields);
      List<String> stored = new ArrayList<>();
      if (fields.name() != null) {
        name = fields.name();
        stored.add("name");
      }
      if (fields.email() != null) {
        email = fields.email();
        stored.add("email");
      }
      if (fields.phone() != null) {
        phone = fields.phone();
        stored.add("phone");
      }
      LeadRecord lead =
          new LeadRecord(
              "lead-1",
              "s",
              name,
              email,
              phone,
              "webchat",
              "consent-1",
              Instant.now(),
              Instant.now());
      return Future.succeededFuture(
          new LeadOutcome(LeadOutcome.Status.STORED, lead, stored, Map.of()));
    }
  }
}
