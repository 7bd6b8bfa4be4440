package ai.talia.webchat.assistant.openai;

/**
 * A function call the model asked for: its call id, the function's name and its raw (untrusted)
 * JSON arguments.
 */
record FunctionCall(String callId, String name, String arguments) {}
