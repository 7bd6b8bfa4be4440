package ai.talia.webchat.assistant.openai;

/** Reads the events of one streamed model call and tells the stream how it is going. */
interface StreamHandler {

  void onEvent(SseEvent event, StreamControl control);

  /** The request went out: from here on the API may act on it. */
  default void onSent() {}

  /** The API answered with this HTTP status (before any event). */
  default void onStatus(int status) {}

  /**
   * The connection ended; a handler that accepts an end without its terminal event completes here.
   */
  default void onEnd(StreamControl control) {}

  /** What a handler may say about the stream it reads. */
  interface StreamControl {
    /** The model produced output (text or a tool call): the first-output timer stops. */
    void outputStarted();

    /** A terminal event arrived: the call succeeded. */
    void completed();

    /**
     * The stream reported a failure (or made no sense): the call fails and the connection is
     * closed.
     */
    void failed(UpstreamError error);
  }
}
