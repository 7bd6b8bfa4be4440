package ai.talia.webchat.assistant.openai;

import org.jspecify.annotations.Nullable;

/**
 * One dispatched server-sent event: its type ({@code event:} line, "message" when absent), its data
 * (the {@code data:} lines joined by "\n") and the last event id seen (or null).
 */
public record SseEvent(String type, String data, @Nullable String id) {}
