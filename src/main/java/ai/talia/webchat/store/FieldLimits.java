package ai.talia.webchat.store;

/**
 * The one definition of each text limit, as the columns of {@code sql/} hold it on both stores.
 *
 * <p>Lengths are UTF-16 code units (Java's {@code String.length()}, JavaScript's {@code length}):
 * what the embedded store's {@code VARCHAR(n)} counts, and never fewer than the code points that
 * Postgres' {@code VARCHAR(n)} counts, so a value within its limit fits on both. A character
 * outside the Basic Multilingual Plane (most emoji) counts 2.
 */
public final class FieldLimits {
  private FieldLimits() {}

  /** {@code webchat_sessions.session_id} and every column that points to it. */
  public static final int SESSION_ID = 64;

  /** {@code messages.client_message_id}. */
  public static final int CLIENT_MESSAGE_ID = 128;

  /**
   * {@code messages.content}: what the store holds of any message, an assistant's long reply
   * included ({@code sql/V9__long_replies.sql}).
   */
  public static final int MESSAGE_CONTENT = 1_000_000;

  /** The most {@code limits.contentMaxChars} may allow a visitor's message. */
  public static final int VISITOR_CONTENT = 16_000;

  /** {@code webchat_sessions.page_url}. */
  public static final int PAGE_URL = 2048;

  /**
   * {@code webchat_sessions.utm}, as JSON text. Half its column, so that the {@code
   * webchat_started} event (page URL and utm, escaped) stays within {@code events.payload}.
   */
  public static final int UTM_JSON = 2000;

  /** {@code webchat_sessions.locale}. */
  public static final int LOCALE = 16;

  /** {@code consents.policy_version}. */
  public static final int POLICY_VERSION = 64;

  /** {@code consents.user_agent}: a longer header is cut to this. */
  public static final int USER_AGENT = 512;

  /** {@code leads.name}. */
  public static final int LEAD_NAME = 200;

  /** {@code leads.email}. */
  public static final int LEAD_EMAIL = 320;

  /** {@code leads.phone} (E.164 needs 16). */
  public static final int LEAD_PHONE = 32;

  /** {@code webchat_sessions.assistant_thread_id}. */
  public static final int ASSISTANT_THREAD_ID = 128;

  /** {@code value} cut to at most {@code max} UTF-16 units, never between a surrogate pair. */
  public static String truncate(String value, int max) {
    if (value == null || value.length() <= max) return value;
    int end = max;
    if (Character.isHighSurrogate(value.charAt(end - 1))) end--;
    return value.substring(0, end);
  }
}
