-- Erasure and the admin's listings (README § Admin API). Runs unchanged on PostgreSQL and on H2
-- (PostgreSQL mode).

-- An erased session keeps its row as the tombstone: id, created_at, locale, erased_at and why.
-- Its token hash is overwritten (no token matches it), its page and UTM are nulled, and every
-- lookup of the widget's or the admin's skips it.
ALTER TABLE webchat_sessions ADD COLUMN erased_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE webchat_sessions ADD COLUMN erasure_reason VARCHAR(32);

-- The OpenAI conversation of an erased session, until OpenAI confirms its deletion: written in the
-- erasure's transaction, tried after commit, retried by a background worker while OpenAI fails.
CREATE TABLE openai_deletions (
  conversation_id VARCHAR(128) PRIMARY KEY,
  session_id      VARCHAR(64)  NOT NULL,
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  attempts        INTEGER      NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
  last_error      VARCHAR(200),
  deleted_at      TIMESTAMP WITH TIME ZONE
);
CREATE INDEX openai_deletions_due_idx ON openai_deletions (deleted_at, next_attempt_at);
CREATE INDEX openai_deletions_session_idx ON openai_deletions (session_id);

-- Keyset pages, newest first, and the retention sweep.
CREATE INDEX leads_created_idx ON leads (created_at, id);
CREATE INDEX webchat_sessions_created_idx ON webchat_sessions (created_at, session_id);
CREATE INDEX webchat_sessions_activity_idx ON webchat_sessions (last_activity);
