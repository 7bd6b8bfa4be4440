#!/usr/bin/env bash
# Postgres's own ceiling for the gateway's turns (README § Performance): pgbench runs the two
# transactions the gateway writes per turn (the user message, then the reply), pipelined as the
# gateway sends them, against the real schema, with no gateway at all. A "tps" here is a turn.
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
psql -q "$server/$db" -f "$here/sql/V1__webchat_core.sql"
psql -q "$server/$db" -c "INSERT INTO webchat_sessions (session_id, token_hash, locale, created_at, last_activity)
  SELECT 's' || g, 'hash', 'es', now(), now() FROM generate_series(1, 200) g"

cat > "$script" <<'EOF'
\set s random(1, 200)
\set r random(1, 2000000000)
\startpipeline
BEGIN;
INSERT INTO messages (id, session_id, seq, role, content, created_at, client_message_id, status, reply_to, error_code, input_tokens, output_tokens)
  VALUES ('u' || :client_id || '-' || :r, 's' || :s, :r, 'user', '¿Qué precio tiene?', now(), 'c' || :client_id || '-' || :r, 'pending', NULL, NULL, 0, 0);
INSERT INTO events (id, type, session_id, occurred_at, payload)
  VALUES ('e' || :client_id || '-' || :r, 'webchat_message_sent', 's' || :s, now(), '{"message_id":"u","seq":1,"client_message_id":"c","length":18}');
COMMIT;
\endpipeline
\startpipeline
BEGIN;
INSERT INTO messages (id, session_id, seq, role, content, created_at, client_message_id, status, reply_to, error_code, input_tokens, output_tokens)
  VALUES ('a' || :client_id || '-' || :r, 's' || :s, :r + 1, 'assistant', 'TalIA tiene un plan Inicio de 49 € al mes y un plan Empresa a medida; los dos incluyen 14 días de prueba gratis.', now(), NULL, 'completed', 'u' || :client_id || '-' || :r, NULL, 0, 0);
UPDATE messages SET status = 'completed', error_code = NULL WHERE id = 'u' || :client_id || '-' || :r;
UPDATE webchat_sessions SET turns = turns + 1, tokens_used = tokens_used + 0, last_activity = now() WHERE session_id = 's' || :s;
INSERT INTO events (id, type, session_id, occurred_at, payload)
  VALUES ('f' || :client_id || '-' || :r, 'webchat_message_received', 's' || :s, now(), '{"message_id":"a","seq":2,"reply_to":"u","length":120,"input_tokens":0,"output_tokens":0}');
COMMIT;
\endpipeline
EOF

# Ids are the client number and a random number: a collision (about 1 in 400 runs) aborts that one client.
pgbench -n -M prepared -c "$clients" -j 2 -T "$seconds" -f "$script" "$server/$db" 2>&1 \
  | grep -E '^(number of (clients|transactions actually processed|failed)|latency average|tps)'
