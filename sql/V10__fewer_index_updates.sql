-- Fewer index updates per turn (README § Performance). Runs unchanged on PostgreSQL and on H2.
--
-- events_session_idx (session_id, occurred_at) is a prefix of events_session_order_idx (V8): every
-- query it served, the other serves, and each event paid for both.
DROP INDEX IF EXISTS events_session_idx;
-- Every turn sets the session's last_activity. An index on it made each of those updates write a
-- new entry in every index of the table (PK, created_at, last_activity) instead of a HOT update
-- in place; only the retention sweep read it, once a day, and now walks webchat_sessions_created_idx
-- instead (a session is never active before it is created).
DROP INDEX IF EXISTS webchat_sessions_activity_idx;
