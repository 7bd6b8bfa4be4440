package ai.talia.webchat.fakeopenai;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What the fake model does for one model call ({@code /v1/responses} or {@code
 * /v1/chat/completions}): think first (a reasoning item), stream one or more messages in N deltas
 * (a message may be {@code phase: "commentary"}), call functions whose arguments stream in pieces,
 * or answer an HTTP error; and how the stream misbehaves (delays, a cut, a stall, an {@code error}
 * event, a failed or incomplete response). A mutable builder for tests: {@code
 * FakeReply.text("Hola", 3).firstTokenDelay(200)}.
 */
public final class FakeReply {

  enum Outcome {
    STREAM,
    HTTP_ERROR,
    DROP_CONNECTION
  }

  /** A function call; its arguments stream in {@code pieces} deltas. */
  public record Call(String name, String arguments, int pieces) {}

  /**
   * An output message streamed in {@code deltas} pieces; {@code phase} is null, "commentary" or
   * "final_answer".
   */
  public record Message(String text, int deltas, String phase) {

    /** The text cut into {@code deltas} pieces on code point boundaries. */
    List<String> pieces() {
      List<String> pieces = new ArrayList<>();
      if (text == null || text.isEmpty()) return pieces;
      int[] cps = text.codePoints().toArray();
      int size = (int) Math.ceil(cps.length / (double) Math.max(1, deltas));
      for (int i = 0; i < cps.length; i += size) {
        pieces.add(new String(cps, i, Math.min(size, cps.length - i)));
      }
      return pieces;
    }

    boolean commentary() {
      return "commentary".equals(phase);
    }
  }

  final Outcome outcome;

  /** The output messages in order (none for a reply that only calls tools or only thinks). */
  final List<Message> messages = new ArrayList<>();

  final List<Call> calls = new ArrayList<>();

  /** A reasoning item before the output, thinking this long in silence; -1: none. */
  long reasoningMs = -1;

  int reasoningTokens;
  long keepAliveEveryMs;
  boolean repeatToolName;
  int inputTokens = 42;
  int outputTokens = -1;

  StreamTiming timing;
  long firstTokenDelayMs;
  long perTokenDelayMs;
  int endAfterDeltas = -1;
  int resetAfterDeltas = -1;
  int stallAfterDeltas = -1;
  int errorAfterDeltas = -1;
  String errorCode;
  String errorMessage;
  String failedCode;
  String failedMessage;
  String incompleteReason;
  boolean keepAlive;
  boolean ignoresToolChoice;
  int fragmentBytes;

  int status;
  JsonObject errorBody;
  Integer retryAfterSeconds;
  Long retryAfterMillis;

  private FakeReply(Outcome outcome) {
    this.outcome = outcome;
  }

  /** Streams {@code text} in {@code deltas} pieces of about equal length. */
  public static FakeReply text(String text, int deltas) {
    FakeReply reply = new FakeReply(Outcome.STREAM);
    reply.messages.add(new Message(text, Math.max(1, deltas), null));
    return reply;
  }

  /**
   * A reasoning model that thinks {@code ms} in silence (a reasoning item, no text) using {@code
   * tokens} reasoning tokens, and then writes nothing: combine with {@link #incomplete}, or add
   * text with {@link #thenText}.
   */
  public static FakeReply reasoningOnly(long ms, int tokens) {
    return new FakeReply(Outcome.STREAM).reasoning(ms, tokens);
  }

  public static FakeReply text(String text) {
    return text(text, Math.max(1, text.split(" ").length));
  }

  /** Calls a function; its arguments stream in three pieces. */
  public static FakeReply toolCall(String name, String argumentsJson) {
    return new FakeReply(Outcome.STREAM).thenToolCall(name, argumentsJson);
  }

  public static FakeReply captureLead(String name, String email, String phone) {
    return toolCall(
        "capture_lead",
        new JsonObject().put("name", name).put("email", email).put("phone", phone).encode());
  }

  /**
   * Thinks first: a reasoning item whose {@code output_item.added} and {@code .done} are {@code ms}
   * apart with nothing in between (unless {@link #keepAliveEvery}), before any other output. Its
   * {@code tokens} count as output tokens, as {@code output_tokens_details.reasoning_tokens}.
   */
  public FakeReply reasoning(long ms, int tokens) {
    this.reasoningMs = Math.max(0, ms);
    this.reasoningTokens = Math.max(0, tokens);
    return this;
  }

  /** Another output message after the ones this reply already has. */
  public FakeReply thenText(String text, int deltas) {
    messages.add(new Message(text, Math.max(1, deltas), null));
    return this;
  }

  /** A message with {@code phase: "commentary"} before the ones this reply already has. */
  public FakeReply commentaryFirst(String text) {
    messages.add(0, new Message(text, 1, "commentary"));
    return this;
  }

  /** Labels the messages this reply has so far {@code phase: "final_answer"}. */
  public FakeReply finalAnswerPhase() {
    messages.replaceAll(
        m -> m.phase() == null ? new Message(m.text(), m.deltas(), "final_answer") : m);
    return this;
  }

  /**
   * Chat Completions only: repeats the function name in every tool-call chunk, as some servers do.
   */
  public FakeReply repeatToolName() {
    this.repeatToolName = true;
    return this;
  }

  /** Adds a function call after whatever this reply already says (text or other calls). */
  public FakeReply thenToolCall(String name, String argumentsJson) {
    calls.add(new Call(name, argumentsJson, 3));
    return this;
  }

  public static FakeReply httpError(int status, String type, String code, String message) {
    FakeReply reply = new FakeReply(Outcome.HTTP_ERROR);
    reply.status = status;
    reply.errorBody = OpenAiErrors.body(message, type, null, code);
    return reply;
  }

  public static FakeReply rateLimited() {
    return httpError(
        429,
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for gpt-5-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. "
            + "Please try again in 20s.");
  }

  public static FakeReply insufficientQuota() {
    return httpError(
        429,
        "insufficient_quota",
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.");
  }

  public static FakeReply serverError() {
    return httpError(
        500,
        "server_error",
        null,
        "The server had an error while processing your request. Sorry about that!");
  }

  public static FakeReply overloaded() {
    return httpError(
        503, "server_error", null, "The engine is currently overloaded, please try again later.");
  }

  /** Closes the connection without answering anything. */
  public static FakeReply dropConnection() {
    return new FakeReply(Outcome.DROP_CONNECTION);
  }

  /** Adds a {@code retry-after} header, in whole seconds as HTTP has it. */
  public FakeReply retryAfter(int seconds) {
    this.retryAfterSeconds = seconds;
    return this;
  }

  /** Adds a {@code retry-after-ms} header (OpenAI and Azure send it beside {@code retry-after}). */
  public FakeReply retryAfterMs(long ms) {
    this.retryAfterMillis = ms;
    return this;
  }

  /** Records when this reply's stream really wrote its first delta and ended. */
  public FakeReply timing(StreamTiming timing) {
    this.timing = timing;
    return this;
  }

  public FakeReply firstTokenDelay(long ms) {
    this.firstTokenDelayMs = ms;
    return this;
  }

  public FakeReply perTokenDelay(long ms) {
    this.perTokenDelayMs = ms;
    return this;
  }

  /** Ends the HTTP response cleanly after {@code k} deltas, without a terminal event. */
  public FakeReply endAfter(int k) {
    this.endAfterDeltas = k;
    return this;
  }

  /** Closes the connection abruptly after {@code k} deltas. */
  public FakeReply resetAfter(int k) {
    this.resetAfterDeltas = k;
    return this;
  }

  /** Stops sending after {@code k} deltas but keeps the connection open. */
  public FakeReply stallAfter(int k) {
    this.stallAfterDeltas = k;
    return this;
  }

  /** Sends an {@code error} event after {@code k} deltas, then ends the stream. */
  public FakeReply errorAfter(int k, String code, String message) {
    this.errorAfterDeltas = k;
    this.errorCode = code;
    this.errorMessage = message;
    return this;
  }

  /** Ends with {@code response.failed} instead of {@code response.completed}. */
  public FakeReply failed(String code, String message) {
    this.failedCode = code;
    this.failedMessage = message;
    return this;
  }

  /** Ends with {@code response.incomplete} (Chat Completions: {@code finish_reason} "length"). */
  public FakeReply incomplete(String reason) {
    this.incompleteReason = reason;
    return this;
  }

  /** Sends a {@code : keep-alive} comment between events. */
  public FakeReply keepAlive() {
    this.keepAlive = true;
    return this;
  }

  /**
   * While the stream waits (thinking, a first-token delay), sends a {@code : keep-alive} comment
   * every {@code ms}.
   */
  public FakeReply keepAliveEvery(long ms) {
    this.keepAliveEveryMs = ms;
    return this;
  }

  /** Writes every event in pieces of {@code bytes} bytes (splitting lines and UTF-8 characters). */
  public FakeReply fragmentWrites(int bytes) {
    this.fragmentBytes = bytes;
    return this;
  }

  /** A misbehaving model: calls its tools even with {@code tool_choice:"none"}. */
  public FakeReply ignoreToolChoice() {
    this.ignoresToolChoice = true;
    return this;
  }

  public FakeReply usage(int input, int output) {
    this.inputTokens = input;
    this.outputTokens = output;
    return this;
  }

  boolean hasCalls() {
    return !calls.isEmpty();
  }

  int outputTokens() {
    if (outputTokens >= 0) return outputTokens;
    int words = 0;
    for (Message m : messages) words += m.text().split("\\s+").length;
    return words + calls.size() * 20 + reasoningTokens;
  }

  /** What a Chat Completions server streams as content: the messages' text, joined. */
  String chatText() {
    if (messages.isEmpty()) return null;
    StringBuilder out = new StringBuilder();
    for (Message m : messages) out.append(m.text());
    return out.toString();
  }

  /**
   * This reply as the model gives it when tools are off ({@code tool_choice:"none"}): its text
   * only.
   */
  FakeReply withoutTools() {
    FakeReply copy = new FakeReply(outcome);
    copy.messages.addAll(messages);
    if (copy.messages.isEmpty()) copy.messages.add(new Message("De acuerdo.", 1, null));
    copy.reasoningMs = reasoningMs;
    copy.reasoningTokens = reasoningTokens;
    copy.keepAliveEveryMs = keepAliveEveryMs;
    copy.inputTokens = inputTokens;
    copy.outputTokens = outputTokens;
    copy.timing = timing;
    copy.firstTokenDelayMs = firstTokenDelayMs;
    copy.perTokenDelayMs = perTokenDelayMs;
    return copy;
  }

  static List<String> pieces(String s, int n) {
    List<String> out = new ArrayList<>();
    int size = Math.max(1, (int) Math.ceil(s.length() / (double) Math.max(1, n)));
    for (int i = 0; i < s.length(); i += size)
      out.add(s.substring(i, Math.min(s.length(), i + size)));
    if (out.isEmpty()) out.add("");
    return out;
  }
}
