package ai.talia.webchat.support;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * A plain HTTP client for tests (the JDK's, so the gateway is exercised from outside the Vert.x
 * instance under test, as a browser or curl would).
 */
public final class Api {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public Api(String base) {
    this.base = base;
  }

  public record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  public record Session(String id, String token) {}

  public Request request(String method, String path) {
    return new Request(method, path);
  }

  public Reply get(String path) {
    return request("GET", path).send();
  }

  public Reply post(String path, JsonObject body) {
    return request("POST", path).json(body).send();
  }

  /** Creates a session and grants consent: ready to chat. */
  public Session consentedSession(String locale) {
    return consentedSession(new JsonObject().put("locale", locale));
  }

  /**
   * A visitor who came to a landing page ({@code page_url} and {@code utm} as the widget sends
   * them), in Spanish, with consent granted; {@code headers} (name, value, …) go with both
   * requests.
   */
  public Session landingSession(String pageUrl, JsonObject utm, String... headers) {
    return consentedSession(
        new JsonObject().put("locale", "es").put("page_url", pageUrl).put("utm", utm), headers);
  }

  /**
   * Creates a session from {@code body} ({@code POST /sessions}) and grants consent; {@code
   * headers} (name, value, …) go with both requests.
   */
  public Session consentedSession(JsonObject body, String... headers) {
    Session s =
        created(request("POST", "/api/webchat/sessions").headers(headers).json(body).send());
    Reply consent = consent(s, true, headers);
    if (consent.status() != 201)
      throw new AssertionError("consent failed: " + consent.status() + " " + consent.body());
    return s;
  }

  public Session newSession(String locale) {
    return created(post("/api/webchat/sessions", new JsonObject().put("locale", locale)));
  }

  private static Session created(Reply created) {
    if (created.status() != 201)
      throw new AssertionError("session failed: " + created.status() + " " + created.body());
    return new Session(
        created.json().getString("session_id"), created.json().getString("session_token"));
  }

  /**
   * {@code POST /consent} of the current policy version, granted or withdrawn; {@code headers}
   * (name, value, …) go with it.
   */
  public Reply consent(Session s, boolean granted, String... headers) {
    return request("POST", "/api/webchat/consent")
        .headers(headers)
        .bearer(s.token())
        .json(
            new JsonObject()
                .put("session_id", s.id())
                .put("policy_version", "2026-11")
                .put("granted", granted))
        .send();
  }

  public Reply say(Session s, String content) {
    return say(s, content, UUID.randomUUID().toString());
  }

  public Reply say(Session s, String content, String clientMessageId) {
    return request("POST", "/api/webchat/messages")
        .bearer(s.token())
        .json(userMessage(s, content, clientMessageId))
        .send();
  }

  /** A message with {@code Prefer: respond-async}: answered 202 once stored, before its turn. */
  public Reply sayAsync(Session s, String content, String clientMessageId) {
    return request("POST", "/api/webchat/messages")
        .bearer(s.token())
        .header("Prefer", "respond-async")
        .json(userMessage(s, content, clientMessageId))
        .send();
  }

  private static JsonObject userMessage(Session s, String content, String clientMessageId) {
    return new JsonObject()
        .put("session_id", s.id())
        .put("author", "user")
        .put("content", content)
        .put("client_message_id", clientMessageId);
  }

  public Reply history(Session s) {
    return request("GET", "/api/webchat/history/" + s.id() + "?limit=200").bearer(s.token()).send();
  }

  public final class Request {
    private final HttpRequest.Builder builder;
    private final String method;
    private HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();

    private Request(String method, String path) {
      this.method = method;
      this.builder =
          HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    }

    public Request header(String name, String value) {
      builder.header(name, value);
      return this;
    }

    /** Headers as name, value, name, value… */
    public Request headers(String... namesAndValues) {
      for (int i = 0; i + 1 < namesAndValues.length; i += 2)
        header(namesAndValues[i], namesAndValues[i + 1]);
      return this;
    }

    public Request bearer(String token) {
      return header("Authorization", "Bearer " + token);
    }

    public Request json(JsonObject json) {
      return raw(json.encode()).header("Content-Type", "application/json");
    }

    public Request raw(String text) {
      body = HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8);
      return this;
    }

    public Reply send() {
      try {
        HttpResponse<String> r =
            HTTP.send(builder.method(method, body).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r.headers());
      } catch (Exception e) {
        throw new IllegalStateException(method + " failed: " + e, e);
      }
    }
  }
}
