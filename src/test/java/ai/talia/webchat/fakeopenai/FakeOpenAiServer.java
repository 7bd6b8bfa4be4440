package ai.talia.webchat.fakeopenai;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * A fake OpenAI API on a random local port, faithful to the wire format of {@code
 * shared/openai-wire.md}: {@code /v1/conversations} (create, get, update, delete, items), {@code
 * /v1/responses} (JSON, or SSE with {@code event:} lines and sequence numbers) and {@code
 * /v1/chat/completions} (chunks, tool calls by index, usage chunk, {@code [DONE]}), OpenAI's error
 * body and statuses, {@code x-request-id} and {@code retry-after} headers, and a bearer key check.
 *
 * <p>A response on a conversation adds its input and whatever output it produced to the
 * conversation, also when it ends failed, incomplete or cut: the input of a failed turn is in the
 * conversation, and a client that sends it again has sent it twice. Items of a {@code store:false}
 * response are not kept, so an input that names one by id is refused. It can play a server without
 * the Conversations API (Azure OpenAI answers 404 there) and one that needs a query parameter or a
 * header (Azure's {@code api-version}, {@code api-key}).
 *
 * <p>Each model call takes the next {@link FakeReply} from the programme ({@link #enqueue}); with
 * the programme empty, the {@link ScriptedLeadModel} answers. Every request is recorded.
 */
public final class FakeOpenAiServer {
  public static final String API_KEY = "sk-test-FAKE0123456789abcdefXYZ";

  private final Vertx vertx;
  private final String apiKey;
  private final Deque<FakeReply> programme = new ConcurrentLinkedDeque<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final Map<String, FakeConversation> conversations = new ConcurrentHashMap<>();
  private volatile Function<ModelRequest, FakeReply> model = new ScriptedLeadModel();
  private volatile boolean recording = true;

  /** 0 while the Conversations API exists; else the status {@code /v1/conversations} answers. */
  private volatile int conversationsStatus;

  private final java.util.concurrent.atomic.AtomicInteger failedDeletes =
      new java.util.concurrent.atomic.AtomicInteger();

  private final java.util.concurrent.atomic.AtomicInteger lostItemsAnswers =
      new java.util.concurrent.atomic.AtomicInteger();
  private final Map<String, String> requiredQuery = new ConcurrentHashMap<>();
  private final Map<String, String> requiredHeaders = new ConcurrentHashMap<>();

  /** Ids of items the API keeps (output of stored responses, conversation items). */
  private final Set<String> persisted = ConcurrentHashMap.newKeySet();

  private HttpServer server;

  private FakeOpenAiServer(Vertx vertx, String apiKey) {
    this.vertx = vertx;
    this.apiKey = apiKey;
  }

  public static Future<FakeOpenAiServer> start(Vertx vertx) {
    return start(vertx, API_KEY);
  }

  public static Future<FakeOpenAiServer> start(Vertx vertx, String apiKey) {
    FakeOpenAiServer fake = new FakeOpenAiServer(vertx, apiKey);
    return fake.listen().map(fake);
  }

  private Future<HttpServer> listen() {
    Router router = Router.router(vertx);
    router
        .route()
        .handler(
            (PlatformHandler)
                ctx -> {
                  ctx.put(ARRIVED_AT, System.nanoTime());
                  ctx.next();
                })
        .handler(BodyHandler.create().setBodyLimit(16 * 1024 * 1024))
        .handler(this::record);
    router.route("/v1/*").handler(this::requireDeployment);
    router.route("/v1/*").handler(this::authorize);
    router.route("/v1/conversations*").handler(this::conversationsApi);
    router.post("/v1/*").handler(this::requireJson);
    router.post("/v1/conversations").handler(this::createConversation);
    router
        .get("/v1/conversations/:id")
        .handler(ctx -> withConversation(ctx, c -> json(ctx, 200, c.toJson())));
    router
        .post("/v1/conversations/:id")
        .handler(ctx -> withConversation(ctx, c -> updateConversation(ctx, c)));
    router
        .delete("/v1/conversations/:id")
        .handler(
            ctx -> {
              if (failedDeletes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(
                    ctx,
                    500,
                    OpenAiErrors.body(
                        "The server had an error processing your request. Sorry about that! You "
                            + "can retry your request, or contact us through our help center at "
                            + "help.openai.com if you keep seeing this error.",
                        "server_error",
                        null,
                        null));
                return;
              }
              ctx.next();
            })
        .handler(
            ctx ->
                withConversation(
                    ctx,
                    c -> {
                      conversations.remove(c.id());
                      json(
                          ctx,
                          200,
                          new JsonObject()
                              .put("id", c.id())
                              .put("object", "conversation.deleted")
                              .put("deleted", true));
                    }));
    router
        .get("/v1/conversations/:id/items")
        .handler(ctx -> withConversation(ctx, c -> listItems(ctx, c)));
    router
        .post("/v1/conversations/:id/items")
        .handler(ctx -> withConversation(ctx, c -> addItems(ctx, c)));
    router.post("/v1/responses").handler(this::createResponse);
    router.post("/v1/chat/completions").handler(this::createChatCompletion);
    router
        .route()
        .last()
        .handler(
            ctx ->
                error(
                    ctx,
                    404,
                    OpenAiErrors.invalidRequest(
                        "Invalid URL (" + ctx.request().method() + " " + ctx.request().path() + ")",
                        null,
                        null)));
    return vertx
        .createHttpServer()
        .requestHandler(router)
        .listen(0, "127.0.0.1")
        .onSuccess(s -> server = s);
  }

  // ---- programme and inspection -------------------------------------------------------------

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  public int port() {
    return server.actualPort();
  }

  public String apiKey() {
    return apiKey;
  }

  /** The next model calls' behaviour, in order. */
  public FakeOpenAiServer enqueue(FakeReply... replies) {
    programme.addAll(List.of(replies));
    return this;
  }

  /** The same reply {@code times} times (e.g. fail with 500 twice). */
  public FakeOpenAiServer enqueue(int times, java.util.function.Supplier<FakeReply> reply) {
    for (int i = 0; i < times; i++) programme.add(reply.get());
    return this;
  }

  /** What answers once the programme is empty (the scripted lead-capture model by default). */
  public FakeOpenAiServer model(Function<ModelRequest, FakeReply> model) {
    this.model = model;
    return this;
  }

  /** Stops keeping requests (the load benchmark sends too many to keep). */
  public FakeOpenAiServer recordRequests(boolean on) {
    this.recording = on;
    return this;
  }

  public int programmeLeft() {
    return programme.size();
  }

  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  public List<RecordedRequest> requests(String method, String path) {
    return requests.stream().filter(r -> r.is(method, path)).toList();
  }

  /** The bodies of every {@code POST /v1/responses}. */
  public List<JsonObject> responseCalls() {
    return requests("POST", "/v1/responses").stream().map(RecordedRequest::body).toList();
  }

  public List<JsonObject> chatCompletionCalls() {
    return requests("POST", "/v1/chat/completions").stream().map(RecordedRequest::body).toList();
  }

  public FakeConversation conversation(String id) {
    return conversations.get(id);
  }

  public Map<String, FakeConversation> conversations() {
    return Map.copyOf(conversations);
  }

  /** Makes the API forget a conversation, as when it expired or was deleted. */
  public void forget(String conversationId) {
    conversations.remove(conversationId);
  }

  /**
   * Plays a server without the Conversations API: every {@code /v1/conversations} call answers
   * {@code status} (404 as Azure OpenAI, or 405) in Azure's error shape.
   */
  public FakeOpenAiServer withoutConversations(int status) {
    this.conversationsStatus = status;
    return this;
  }

  /**
   * The next {@code times} item appends to a conversation are stored but answered 500, as when the
   * API took a batch and its answer was lost.
   */
  public FakeOpenAiServer loseItemsAnswers(int times) {
    lostItemsAnswers.set(times);
    return this;
  }

  /**
   * The next {@code times} {@code DELETE /v1/conversations/{id}} answer 500 {@code server_error}
   * (and delete nothing), as when OpenAI is down.
   */
  public FakeOpenAiServer failConversationDeletes(int times) {
    failedDeletes.set(times);
    return this;
  }

  /** The ids of every {@code DELETE /v1/conversations/{id}} received, failed ones included. */
  public List<String> conversationDeletes() {
    return requests.stream()
        .filter(r -> "DELETE".equals(r.method()) && r.path().startsWith("/v1/conversations/"))
        .map(r -> r.path().substring("/v1/conversations/".length()))
        .toList();
  }

  /** Every call must carry this query parameter (Azure's {@code api-version}); else a 404. */
  public FakeOpenAiServer requireQueryParam(String name, String value) {
    requiredQuery.put(name, value);
    return this;
  }

  /** Every call must carry this header (Azure's {@code api-key}); else a 401. */
  public FakeOpenAiServer requireHeader(String name, String value) {
    requiredHeaders.put(name, value);
    return this;
  }

  public void reset() {
    programme.clear();
    requests.clear();
    conversations.clear();
    persisted.clear();
    requiredQuery.clear();
    requiredHeaders.clear();
    conversationsStatus = 0;
    lostItemsAnswers.set(0);
    failedDeletes.set(0);
    model = new ScriptedLeadModel();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  // ---- plumbing -------------------------------------------------------------------------------

  /** The routing context's key for when the request reached the fake, before its body was read. */
  private static final String ARRIVED_AT = "fake.arrivedAt";

  private static long arrivedAt(RoutingContext ctx) {
    Long at = ctx.get(ARRIVED_AT);
    return at == null ? System.nanoTime() : at;
  }

  private void record(RoutingContext ctx) {
    String raw = ctx.body().asString();
    JsonObject body = null;
    if (raw != null && !raw.isBlank()) {
      try {
        body = new JsonObject(raw);
      } catch (DecodeException | ClassCastException ignored) {
        // kept raw only
      }
    }
    if (recording)
      requests.add(
          new RecordedRequest(
              ctx.request().method().name(),
              ctx.request().path(),
              MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers()),
              body,
              raw));
    ctx.next();
  }

  private void requireDeployment(RoutingContext ctx) {
    for (Map.Entry<String, String> q : requiredQuery.entrySet()) {
      if (!q.getValue().equals(ctx.request().getParam(q.getKey()))) {
        azureError(ctx, 404, "Resource not found");
        return;
      }
    }
    for (Map.Entry<String, String> h : requiredHeaders.entrySet()) {
      if (!h.getValue().equals(ctx.request().getHeader(h.getKey()))) {
        azureError(
            ctx,
            401,
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
                + "provide a valid key for an active subscription and use a correct regional API "
                + "endpoint for your resource.");
        return;
      }
    }
    ctx.next();
  }

  private void conversationsApi(RoutingContext ctx) {
    int status = conversationsStatus;
    if (status == 0) {
      ctx.next();
      return;
    }
    azureError(ctx, status, status == 404 ? "Resource not found" : "Method Not Allowed");
  }

  /** Azure OpenAI's own error shape: the code is the status, as a string. */
  private void azureError(RoutingContext ctx, int status, String message) {
    json(
        ctx,
        status,
        new JsonObject()
            .put(
                "error",
                new JsonObject().put("code", String.valueOf(status)).put("message", message)));
  }

  private void authorize(RoutingContext ctx) {
    String auth = ctx.request().getHeader("Authorization");
    if (auth == null || !auth.startsWith("Bearer ")) {
      error(
          ctx,
          401,
          OpenAiErrors.invalidRequest(
              "You didn't provide an API key. You need to provide your API key in an "
                  + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
                  + "https://platform.openai.com/account/api-keys.",
              null,
              null));
      return;
    }
    String key = auth.substring("Bearer ".length()).trim();
    if (!key.equals(apiKey)) {
      error(
          ctx,
          401,
          OpenAiErrors.invalidRequest(
              "Incorrect API key provided: "
                  + OpenAiErrors.masked(key)
                  + ". You can find your API key at https://platform.openai.com/account/api-keys.",
              null,
              "invalid_api_key"));
      return;
    }
    ctx.next();
  }

  private void requireJson(RoutingContext ctx) {
    String raw = ctx.body().asString();
    try {
      if (raw == null
          || raw.isBlank()
          || !(io.vertx.core.json.Json.decodeValue(raw) instanceof JsonObject))
        throw new DecodeException("not an object");
      ctx.next();
    } catch (DecodeException e) {
      error(
          ctx,
          400,
          OpenAiErrors.invalidRequest(
              "We could not parse the JSON body of your request. (HINT: This likely means "
                  + "you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
                  + "valid JSON.)",
              null,
              null));
    }
  }

  private void withConversation(
      RoutingContext ctx, java.util.function.Consumer<FakeConversation> then) {
    String id = ctx.pathParam("id");
    FakeConversation conversation = conversations.get(id);
    if (conversation == null) {
      error(ctx, 404, notFound(id));
      return;
    }
    then.accept(conversation);
  }

  private static JsonObject notFound(String conversationId) {
    return OpenAiErrors.invalidRequest(
        "Conversation with id '" + conversationId + "' not found.", null, null);
  }

  private String newId() {
    byte[] bytes = new byte[12];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private HttpServerResponse headers(RoutingContext ctx) {
    return ctx.response()
        .putHeader("x-request-id", "req_" + newId())
        .putHeader(
            "openai-processing-ms", String.valueOf(ThreadLocalRandom.current().nextInt(20, 400)))
        .putHeader("openai-version", "2020-10-01");
  }

  private void json(RoutingContext ctx, int status, JsonObject body) {
    headers(ctx)
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encodePrettily());
  }

  private void error(RoutingContext ctx, int status, JsonObject body) {
    json(ctx, status, body);
  }

  private void modelHeaders(RoutingContext ctx) {
    headers(ctx)
        .putHeader("x-ratelimit-limit-requests", "500")
        .putHeader("x-ratelimit-remaining-requests", "499")
        .putHeader("x-ratelimit-reset-requests", "120ms")
        .putHeader("x-ratelimit-limit-tokens", "200000")
        .putHeader("x-ratelimit-remaining-tokens", "199000")
        .putHeader("x-ratelimit-reset-tokens", "300ms");
  }

  /**
   * An HTTP error or a dropped connection, when the reply is one; false when it is a normal answer.
   */
  private boolean answeredWithFailure(RoutingContext ctx, FakeReply reply) {
    if (reply.outcome == FakeReply.Outcome.DROP_CONNECTION) {
      ctx.request().connection().close();
      return true;
    }
    if (reply.outcome == FakeReply.Outcome.HTTP_ERROR) {
      if (reply.retryAfterSeconds != null)
        ctx.response().putHeader("retry-after", String.valueOf(reply.retryAfterSeconds));
      if (reply.retryAfterMillis != null)
        ctx.response().putHeader("retry-after-ms", String.valueOf(reply.retryAfterMillis));
      error(ctx, reply.status, reply.errorBody);
      return true;
    }
    return false;
  }

  private FakeReply nextReply(ModelRequest request, boolean toolsOff) {
    FakeReply reply = programme.poll();
    if (reply == null) reply = model.apply(request);
    // A faithful model never calls a tool with tool_choice "none".
    boolean dropCalls =
        toolsOff
            && reply.outcome == FakeReply.Outcome.STREAM
            && reply.hasCalls()
            && !reply.ignoresToolChoice;
    return dropCalls ? reply.withoutTools() : reply;
  }

  // ---- conversations --------------------------------------------------------------------------

  private void createConversation(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    JsonObject metadata = body.getJsonObject("metadata", new JsonObject());
    String problem = checkMetadata(metadata);
    if (problem != null) {
      error(ctx, 400, OpenAiErrors.invalidRequest(problem, "metadata", "invalid_value"));
      return;
    }
    JsonArray items = body.getJsonArray("items", new JsonArray());
    if (items.size() > 20) {
      error(
          ctx,
          400,
          OpenAiErrors.invalidRequest(
              "Invalid 'items': array too long. Expected an array with maximum length 20, "
                  + "but got an array with length "
                  + items.size()
                  + " instead.",
              "items",
              "array_above_max_length"));
      return;
    }
    FakeConversation conversation = new FakeConversation("conv_" + newId(), metadata);
    List<JsonObject> stored = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Object item = items.getValue(i);
      JsonObject normal =
          item instanceof JsonObject o ? InputItems.normalize(o, this::newId) : null;
      if (normal == null) {
        error(
            ctx,
            400,
            OpenAiErrors.invalidRequest(
                "Invalid value for 'items[" + i + "]'.", "items[" + i + "]", "invalid_value"));
        return;
      }
      stored.add(normal);
    }
    conversation.add(stored);
    keep(stored);
    conversations.put(conversation.id(), conversation);
    json(ctx, 200, conversation.toJson());
  }

  private void updateConversation(RoutingContext ctx, FakeConversation conversation) {
    JsonObject metadata = ctx.body().asJsonObject().getJsonObject("metadata", new JsonObject());
    String problem = checkMetadata(metadata);
    if (problem != null) {
      error(ctx, 400, OpenAiErrors.invalidRequest(problem, "metadata", "invalid_value"));
      return;
    }
    conversation.metadata(metadata);
    json(ctx, 200, conversation.toJson());
  }

  private static String checkMetadata(JsonObject metadata) {
    if (metadata.size() > 16)
      return "Invalid 'metadata': too many properties. Expected an object with at most 16 properties.";
    for (Map.Entry<String, Object> e : metadata) {
      if (e.getKey().length() > 64)
        return "Invalid 'metadata': keys can be at most 64 characters long.";
      if (!(e.getValue() instanceof String s) || s.length() > 512)
        return "Invalid 'metadata': values must be strings of at most 512 characters.";
    }
    return null;
  }

  private void listItems(RoutingContext ctx, FakeConversation conversation) {
    int limit = Math.max(1, Math.min(100, intParam(ctx, "limit", 20)));
    String order = ctx.request().getParam("order", "desc");
    String after = ctx.request().getParam("after");
    List<JsonObject> all = new ArrayList<>(conversation.items());
    if ("desc".equals(order)) java.util.Collections.reverse(all);
    int start = 0;
    if (after != null) {
      for (int i = 0; i < all.size(); i++)
        if (after.equals(all.get(i).getString("id"))) start = i + 1;
    }
    List<JsonObject> page =
        all.subList(Math.min(start, all.size()), Math.min(all.size(), start + limit));
    json(
        ctx,
        200,
        new JsonObject()
            .put("object", "list")
            .put("data", new JsonArray(new ArrayList<>(page)))
            .put("first_id", page.isEmpty() ? null : page.get(0).getString("id"))
            .put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).getString("id"))
            .put("has_more", start + limit < all.size()));
  }

  private static int intParam(RoutingContext ctx, String name, int fallback) {
    try {
      return Integer.parseInt(ctx.request().getParam(name, String.valueOf(fallback)));
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private void addItems(RoutingContext ctx, FakeConversation conversation) {
    Object value = ctx.body().asJsonObject().getValue("items");
    if (!(value instanceof JsonArray items)) {
      error(
          ctx,
          400,
          OpenAiErrors.invalidRequest(
              "Missing required parameter: 'items'.", "items", "missing_required_parameter"));
      return;
    }
    if (items.size() > 20) {
      error(
          ctx,
          400,
          OpenAiErrors.invalidRequest(
              "Invalid 'items': array too long. Expected an array with maximum length 20, "
                  + "but got an array with length "
                  + items.size()
                  + " instead.",
              "items",
              "array_above_max_length"));
      return;
    }
    List<JsonObject> added = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Object item = items.getValue(i);
      JsonObject normal =
          item instanceof JsonObject o ? InputItems.normalize(o, this::newId) : null;
      if (normal == null) {
        error(
            ctx,
            400,
            OpenAiErrors.invalidRequest(
                "Invalid value for 'items[" + i + "]'.", "items[" + i + "]", "invalid_value"));
        return;
      }
      String callId = normal.getString("call_id");
      if ("function_call_output".equals(normal.getString("type"))
          && !conversation.hasCall(callId)) {
        error(
            ctx,
            400,
            OpenAiErrors.invalidRequest(
                "No tool call found for function call output with call_id " + callId + ".",
                "items",
                null));
        return;
      }
      added.add(normal);
    }
    conversation.add(added);
    keep(added);
    if (lostItemsAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      error(
          ctx,
          500,
          OpenAiErrors.body(
              "The server had an error while processing your request. Sorry about that!",
              "server_error",
              null,
              null));
      return;
    }
    json(
        ctx,
        200,
        new JsonObject()
            .put("object", "list")
            .put("data", new JsonArray(new ArrayList<>(added)))
            .put("first_id", added.isEmpty() ? null : added.get(0).getString("id"))
            .put("last_id", added.isEmpty() ? null : added.get(added.size() - 1).getString("id"))
            .put("has_more", false));
  }

  // ---- responses ------------------------------------------------------------------------------

  private void createResponse(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    JsonObject problem = RequestChecks.responses(body);
    if (problem != null) {
      error(ctx, 400, problem);
      return;
    }
    Object conversationValue = body.getValue("conversation");
    String conversationId =
        conversationValue instanceof JsonObject o ? o.getString("id") : (String) conversationValue;
    FakeConversation conversation =
        conversationId == null ? null : conversations.get(conversationId);
    if (conversationId != null && conversation == null) {
      error(ctx, 404, notFound(conversationId));
      return;
    }
    List<JsonObject> inputItems = InputItems.fromInput(body.getValue("input"), this::newId);
    if (inputItems == null) {
      error(
          ctx,
          400,
          OpenAiErrors.invalidRequest(
              "Invalid 'input': expected a string or an array of input items.",
              "input",
              "invalid_type"));
      return;
    }
    String unknown = unknownItemId(body.getValue("input"));
    if (unknown != null) {
      error(
          ctx,
          400,
          OpenAiErrors.invalidRequest(
              "Item with id '"
                  + unknown
                  + "' not found. Items are not persisted when `store` is set to false. Try again "
                  + "with `store` set to true, or remove this item from your input.",
              "input",
              null));
      return;
    }
    boolean store = body.getBoolean("store", true);
    List<String> toolOutputs = new ArrayList<>();
    Set<String> answered = new HashSet<>();
    Set<String> calledInInput = new HashSet<>();
    for (JsonObject item : inputItems) {
      if ("function_call".equals(item.getString("type")))
        calledInInput.add(item.getString("call_id"));
      if ("function_call_output".equals(item.getString("type"))) {
        toolOutputs.add(item.getString("output"));
        answered.add(item.getString("call_id"));
      }
    }
    if (conversation == null) {
      for (String callId : answered) {
        if (!calledInInput.contains(callId)) {
          error(
              ctx,
              400,
              OpenAiErrors.invalidRequest(
                  "No tool call found for function call output with call_id " + callId + ".",
                  "input",
                  null));
          return;
        }
      }
    }
    if (conversation != null) {
      for (String callId : answered) {
        if (!conversation.hasCall(callId) && !calledInInput.contains(callId)) {
          error(
              ctx,
              400,
              OpenAiErrors.invalidRequest(
                  "No tool call found for function call output with call_id " + callId + ".",
                  "input",
                  null));
          return;
        }
      }
      for (String pending : conversation.pendingCallIds()) {
        if (!answered.contains(pending)) {
          error(
              ctx,
              400,
              OpenAiErrors.invalidRequest(
                  "No tool output found for function call " + pending + ".", "input", null));
          return;
        }
      }
      if (conversation.busy()) {
        error(
            ctx,
            409,
            OpenAiErrors.invalidRequest(
                "Another response is already in progress for this conversation. "
                    + "Wait for it to finish before creating a new one.",
                "conversation",
                "conversation_locked"));
        return;
      }
    }
    String instructions = body.getString("instructions");
    String userText = InputItems.lastUserText(inputItems);
    boolean toolsOff =
        "none".equals(body.getValue("tool_choice"))
            || body.getJsonArray("tools", new JsonArray()).isEmpty();
    FakeReply reply =
        nextReply(
            new ModelRequest(
                "responses", body.copy(), instructions, userText, toolOutputs, arrivedAt(ctx)),
            toolsOff);
    if (answeredWithFailure(ctx, reply)) return;
    // The response exists from here on: its input is in the conversation whatever becomes of it.
    if (conversation != null) conversation.add(inputItems);
    if (store) keep(inputItems);
    ResponsesEvents events =
        new ResponsesEvents(body, reply, "resp_" + newId(), conversationId, this::newId);
    modelHeaders(ctx);
    if (!body.getBoolean("stream", false)) {
      events.events(); // builds the output items
      if (conversation != null) conversation.add(events.outputItems());
      if (store) keep(events.outputItems());
      json(ctx, 200, events.finalResponse());
      return;
    }
    List<EventStreamWriter.Emission> emissions = events.events();
    if (conversation != null) conversation.busy(true);
    EventStreamWriter[] writer = new EventStreamWriter[1];
    writer[0] =
        new EventStreamWriter(
            vertx,
            ctx.response(),
            reply,
            events::errorEvent,
            () -> {
              // Completed, incomplete, failed or cut: what it produced stays.
              List<JsonObject> produced = events.outputItemsDoneWithin(writer[0].sent());
              if (store) keep(produced);
              if (conversation == null) return;
              conversation.busy(false);
              conversation.add(produced);
            });
    writer[0].start(emissions);
  }

  private void keep(List<JsonObject> items) {
    for (JsonObject item : items) {
      if (item.getString("id") != null) persisted.add(item.getString("id"));
    }
  }

  /** The first item of {@code input} that names an id the API does not keep, or null. */
  private String unknownItemId(Object input) {
    if (!(input instanceof JsonArray array)) return null;
    for (Object entry : array) {
      if (entry instanceof JsonObject item
          && item.getString("id") != null
          && !persisted.contains(item.getString("id"))) return item.getString("id");
    }
    return null;
  }

  // ---- chat completions -----------------------------------------------------------------------

  private void createChatCompletion(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    JsonObject problem = RequestChecks.chatCompletions(body);
    if (problem != null) {
      error(ctx, 400, problem);
      return;
    }
    JsonArray messages = body.getJsonArray("messages");
    String instructions = null;
    String userText = null;
    List<String> toolOutputs = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      String role = m.getString("role");
      if (("system".equals(role) || "developer".equals(role)) && instructions == null)
        instructions = InputItems.text(m.getValue("content"));
    }
    // The latest exchange: the tool results after the last assistant message, or the last user
    // text.
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    if ("tool".equals(last.getString("role"))) {
      for (int i = messages.size() - 1;
          i >= 0 && "tool".equals(messages.getJsonObject(i).getString("role"));
          i--) {
        toolOutputs.add(0, InputItems.text(messages.getJsonObject(i).getValue("content")));
      }
    } else if ("user".equals(last.getString("role"))) {
      userText = InputItems.text(last.getValue("content"));
    }
    boolean toolsOff =
        "none".equals(body.getValue("tool_choice"))
            || body.getJsonArray("tools", new JsonArray()).isEmpty();
    FakeReply reply =
        nextReply(
            new ModelRequest(
                "chat_completions",
                body.copy(),
                instructions,
                userText,
                toolOutputs,
                arrivedAt(ctx)),
            toolsOff);
    if (answeredWithFailure(ctx, reply)) return;
    ChatCompletionChunks chunks =
        new ChatCompletionChunks(body, reply, "chatcmpl-" + newId(), this::newId);
    modelHeaders(ctx);
    if (!body.getBoolean("stream", false)) {
      json(ctx, 200, chunks.completion());
      return;
    }
    new EventStreamWriter(vertx, ctx.response(), reply, chunks::errorEvent, () -> {})
        .start(chunks.chunks());
  }
}
