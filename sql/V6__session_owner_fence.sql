-- Clustered mode's last fence (README § Scaling out): if the cluster manager ever lets two actors
-- of one session run (a paused JVM, a split), the database refuses the stale one's writes.
-- Each actor that takes a session over bumps owner_epoch and checks it in every write it makes.
ALTER TABLE webchat_sessions ADD COLUMN owner_epoch BIGINT NOT NULL DEFAULT 0;

-- At most one stored reply per user message (user messages have no reply_to; NULLs are distinct
-- in both Postgres and H2). It also serves findReply.
CREATE UNIQUE INDEX messages_reply_to_uq ON messages (reply_to);
