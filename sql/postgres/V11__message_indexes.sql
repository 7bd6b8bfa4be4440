-- Fewer index writes per message (README § Performance). PostgreSQL only: H2 has neither partial
-- indexes nor a fillfactor, so Flyway does not see this directory; MessageIndexesMigration runs this
-- file as migration 11 on PostgreSQL and records migration 11 as done, changing nothing, on H2.
--
-- A reply has no client message id and a visitor's message no reply_to, yet each message wrote an
-- entry for its NULL into both unique indexes. As partial indexes of the same names they hold only
-- the non-NULL keys, which are all they ever enforced or served (NULLs never conflict).
ALTER TABLE messages DROP CONSTRAINT messages_session_client_id_uq;
CREATE UNIQUE INDEX messages_session_client_id_uq ON messages (session_id, client_message_id)
  WHERE client_message_id IS NOT NULL;
DROP INDEX messages_reply_to_uq;
CREATE UNIQUE INDEX messages_reply_to_uq ON messages (reply_to) WHERE reply_to IS NOT NULL;
-- Every turn updates its user message's status right after the insert. In a full heap page that
-- update cannot stay on the page, so it wrote a new entry into each of the table's indexes; with a
-- fifth of each page kept free most of them are HOT updates in place. It applies to pages written
-- from now on.
ALTER TABLE messages SET (fillfactor = 80);
