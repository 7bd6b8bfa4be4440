package ai.talia.webchat.store;

/**
 * What {@link Store#claimSession} did: the session's new owner epoch, and how many pending user
 * messages it marked failed (turns cut by a crash or by the previous owner's end).
 */
public record SessionClaim(long epoch, int interrupted) {}
