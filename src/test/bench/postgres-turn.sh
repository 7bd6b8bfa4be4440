#!/usr/bin/env bash
# Postgres's own ceiling for today's statements of a scripted turn (README § Performance): pgbench
# runs what SqlStore sends per turn against the schema of every sql/ migration, pipelined as the
# gateway sends it, with no gateway at all. A "tps" here is a turn. Per turn, two writes:
#   the user message: the owner-epoch fence, its insert (pending), its webchat_message_sent event;
#   the reply: the session row's update (the fence in it), the reply's insert, the user message
#   marked completed, its webchat_message_received event.
# Each write is its own pipelined BEGIN … COMMIT here: 2 commits a turn. The gateway's group commit
# puts many sessions' writes in one transaction (≈ 0.38 commits a turn in the throughput phase), so
# this is a floor of that ceiling for the same statements.
#
#   src/test/bench/postgres-turn.sh [clients=16] [seconds=20]
#
# Needs psql and pgbench; TALIA_TEST_DB_URL names the server (default postgresql://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
clients="${1:-16}"
seconds="${2:-20}"
base="${TALIA_TEST_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
db="talia_pgbench_$$"
here="$(cd "$(dirname "$0")/../../.." && pwd)"
server="${base%/*}"
script="$(mktemp)"
trap 'rm -f "$script"; psql -q "$base" -c "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT

psql -q "$base" -c "CREATE DATABASE $db"
# Every migration in version order, as Flyway applies them (sql/postgres/ holds Postgres-only ones).
for f in $(ls "$here"/sql/V*__*.sql "$here"/sql/postgres/V*__*.sql | awk -F/ '{print $NF "\t" $0}' | sort -V | cut -f2); do
  psql -q -v ON_ERROR_STOP=1 "$server/$db" -f "$f"
done
psql -q "$server/$db" -c "INSERT INTO webchat_sessions (session_id, token_hash, locale, created_at, last_activity)
  SELECT 's' || g, 'hash', 'es', now(), now() FROM generate_series(1, 200) g"

cat > "$script" <<'SQL'
\set s random(1, 200)
\set r random(1, 2000000000)
\startpipeline
BEGIN;
SELECT 1 / (CASE WHEN owner_epoch = 0 THEN 1 ELSE 0 END) AS fence FROM webchat_sessions WHERE session_id = 's' || :s;
INSERT INTO messages (id, session_id, seq, role, content, created_at, client_message_id, status, reply_to, error_code, input_tokens, output_tokens)
  VALUES ('u' || :client_id || '-' || :r, 's' || :s, :r, 'user', '¿Qué precio tiene?', now(), 'c' || :client_id || '-' || :r, 'pending', NULL, NULL, 0, 0);
INSERT INTO events (id, type, session_id, occurred_at, payload)
  VALUES ('e' || :client_id || '-' || :r, 'webchat_message_sent', 's' || :s, now(), '{"message_id":"u","seq":1,"client_message_id":"c","length":18}');
COMMIT;
\endpipeline
\startpipeline
BEGIN;
UPDATE webchat_sessions SET turns = turns + 1, tokens_used = tokens_used + 0, last_activity = now(), owner_epoch = owner_epoch / (CASE WHEN owner_epoch = 0 THEN 1 ELSE 0 END) WHERE session_id = 's' || :s;
INSERT INTO messages (id, session_id, seq, role, content, created_at, client_message_id, status, reply_to, error_code, input_tokens, output_tokens)
  VALUES ('a' || :client_id || '-' || :r, 's' || :s, :r + 1, 'assistant', 'TalIA tiene un plan Inicio de 49 € al mes y un plan Empresa a medida; los dos incluyen 14 días de prueba gratis.', now(), NULL, 'completed', 'u' || :client_id || '-' || :r, NULL, 0, 0);
UPDATE messages SET status = 'completed', error_code = NULL WHERE id = 'u' || :client_id || '-' || :r;
INSERT INTO events (id, type, session_id, occurred_at, payload)
  VALUES ('f' || :client_id || '-' || :r, 'webchat_message_received', 's' || :s, now(), '{"message_id":"a","seq":2,"reply_to":"u","length":120,"input_tokens":0,"output_tokens":0}');
COMMIT;
\endpipeline
SQL

# Ids are the client number and a random number: a collision (about 1 in 400 runs) aborts that one client.
pgbench -n -M prepared -c "$clients" -j 2 -T "$seconds" -f "$script" "$server/$db" 2>&1 \
  | grep -E '^(number of (clients|transactions actually processed|failed)|latency average|tps)'
