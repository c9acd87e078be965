#!/bin/sh
# The state's size and what a durable "sent" mark costs.
#  1. Bytes per subscriber per day: one `paperboy run` for PB_BENCH_SUBSCRIBERS (2,000)
#     subscribers (email + Slack + Telegram each, tests/lib/gen_config.py), the 1,504-item
#     feed from a local arXiv stand-in, Postfix's smtp-sink and the chat stand-in as peers.
#     Beside it the old way (schema 6: every payload whole): the same rows with the payloads'
#     whole sizes, from the bodies' recorded sizes. Goal: <= 4 KB per subscriber per day.
#  2. Delivery time of BENCH_N (5,000) emails to smtp-sink through pb_deliver_run
#     (tests/tools/deliver_drive) with the state's synchronous=FULL (each group of results
#     synced before the loop goes on) and, as the reference, synchronous=NORMAL (a power loss
#     may undo the last marks), from copies of one filled outbox, alternating FULL NORMAL
#     (BENCH_ROUNDS, 5, pairs); medians, and the median of the pairs' ratios (the machine's
#     speed drifts less within a pair). Goal: FULL within 10% of NORMAL.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${BUILD:?}"
TESTS="$(cd "$(dirname "$0")/../tests" && pwd)"
N=${PB_BENCH_SUBSCRIBERS:-2000}
M=${BENCH_N:-5000}
ROUNDS=${BENCH_ROUNDS:-5}
DRIVE="$BUILD/tests/tools/deliver_drive"
PY=/usr/bin/python3
T=$(mktemp -d /var/tmp/pb-bench-store.XXXXXX)   # a real disk: syncs must cost what they cost
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT INT TERM
fail() { echo "bench_store: $*" >&2; exit 1; }
[ -x "$DRIVE" ] || fail "missing $DRIVE (make tools)"
command -v sqlite3 >/dev/null || fail "needs the sqlite3 shell"
wait_file() { i=0; while [ ! -s "$1" ]; do i=$((i+1)); [ $i -le 300 ] || fail "no $1"; sleep 0.1; done; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

$PY "$TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" --log "$T/arxiv.log" \
  --fixtures "$PB_FIXTURES" --rss rss2-all-archives-2024-11-28-1504items.xml 2>/dev/null &
pids="$pids $!"
$PY "$TESTS/lib/chat_server.py" --port-file "$T/chat.port" --log "$T/chat.log" --quiet-log \
  --token "123456:BENCH-token" --timeout 1800 2>/dev/null &
pids="$pids $!"
SMTP_PORT=$(free_port)
SINK_USER=""; [ "$(id -u)" = 0 ] && SINK_USER="-u nobody"
# shellcheck disable=SC2086
/usr/sbin/smtp-sink $SINK_USER 127.0.0.1:"$SMTP_PORT" 1024 &
pids="$pids $!"
wait_file "$T/arxiv.port"; wait_file "$T/chat.port"
i=0; until $PY -c "import socket; socket.create_connection(('127.0.0.1',$SMTP_PORT),1).close()" 2>/dev/null; do
  i=$((i+1)); [ $i -le 300 ] || fail "smtp-sink did not listen"; sleep 0.1; done
AP=$(cat "$T/arxiv.port")

# ---- 1. bytes per subscriber per day ----
mkdir -p "$T/size"
$PY "$TESTS/lib/gen_config.py" --dir "$T/size" --subscribers "$N" --smtp-port "$SMTP_PORT" \
  --chat-port "$(cat "$T/chat.port")" --token-env PB_BENCH_TOKEN --telegram-rate 1000 \
  --rss-url "http://127.0.0.1:$AP/rss" --api-url "http://127.0.0.1:$AP/api/query"
export PB_BENCH_TOKEN="123456:BENCH-token"
RUN_CMD="$PAPERBOY -c $T/size/paperboy.conf run --wait 60"
$RUN_CMD >"$T/size/out" 2>"$T/size/log" || { tail -5 "$T/size/log"; fail "run failed"; }
DB="$T/size/state/paperboy.db"
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
FILE=$(wc -c <"$DB")
# Per-subscriber tables (their pages, indexes included) and the rest (the papers' corpus,
# shared by every subscriber however many there are).
SQL_PAGES="SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN"
STATE_NOW=$(sqlite3 "$DB" "$SQL_PAGES ('outbox', 'sqlite_autoindex_outbox_1', 'outbox_order',
  'outbox_next', 'outbox_errors', 'outbox_body', 'chunks', 'sqlite_autoindex_chunks_1',
  'chunks_free', 'ledger', 'runs', 'runs_date');")
CHUNKS=$(sqlite3 "$DB" "$SQL_PAGES ('chunks', 'sqlite_autoindex_chunks_1', 'chunks_free', 'outbox_body');")
WHOLE=$(sqlite3 "$DB" "SELECT sum(size) FROM outbox_body;")
MSGS=$(sqlite3 "$DB" "SELECT count(*) FROM outbox;")
OLD=$((STATE_NOW - CHUNKS + WHOLE))
echo "1. state per subscriber per day, after one run for $N subscribers ($MSGS messages)"
echo "   command: $RUN_CMD"
echo "   (peers: arxiv_server.py 127.0.0.1:$AP, smtp-sink 127.0.0.1:$SMTP_PORT, chat_server.py)"
$PY - "$N" "$STATE_NOW" "$OLD" "$FILE" "$WHOLE" "$CHUNKS" <<'EOF'
import sys
n, now, old, file, whole, chunks = map(int, sys.argv[1:])
kb = lambda b: b / n / 1024
print("   chunked bodies (now):      %6.2f KB/subscriber  (outbox, bodies, chunks, ledger, runs;"
      " goal <= 4 KB)" % kb(now))
print("   whole payloads (old way):  %6.2f KB/subscriber  (the same rows, payloads whole: %.1f MB)"
      % (kb(old), whole / 1048576))
print("   bodies alone: %.2f KB chunked vs %.2f KB whole per subscriber, %.1fx smaller"
      % (kb(chunks), kb(whole), whole / chunks if chunks else 0))
print("   whole file:   %.2f KB/subscriber (%.1f MB, the day's paper corpus included, the same"
      " for any number of subscribers)" % (kb(file), file / 1048576))
EOF

# ---- 2. delivery with synchronous=FULL vs NORMAL ----
FILL_CMD="$DRIVE --db $T/template.db --email $M --size 12000 --enqueue-only --quiet"
# shellcheck disable=SC2086
$FILL_CMD >"$T/fill.out" 2>"$T/fill.err" || { cat "$T/fill.err"; fail "enqueue failed"; }
# --email $M again: the subscribers are the configuration's, and delivery holds what it has for
# a subscriber not in it
DELIVER="$DRIVE --db $T/run.db --email $M --smtp smtp://127.0.0.1:$SMTP_PORT --tls none --max-total 8 --max-host 8 --max-wait 5 --deliver-only --quiet"
: >"$T/full.ms"; : >"$T/normal.ms"
r=0
while [ $r -lt $ROUNDS ]; do
  for mode in full normal; do
    rm -f "$T/run.db" "$T/run.db-wal" "$T/run.db-shm"
    cp "$T/template.db" "$T/run.db"
    # shellcheck disable=SC2086
    $DELIVER --sync $mode >"$T/d.out" 2>"$T/d.err" || { cat "$T/d.err"; fail "deliver ($mode) failed"; }
    grep -q "sent=$M " "$T/d.out" || { cat "$T/d.out"; fail "deliver ($mode) did not send all $M"; }
    sed -n 's/.* deliver_ms=\([0-9]*\).*/\1/p' "$T/d.out" >>"$T/$mode.ms"
  done
  r=$((r + 1))
done
FULL=$(median <"$T/full.ms")
NORMAL=$(median <"$T/normal.ms")
echo "2. delivering $M emails (12 KB) to smtp-sink, 8 sessions: median of $ROUNDS, alternating FULL NORMAL"
echo "   synchronous=FULL (sent marks synced, grouped): $FULL ms  (runs: $(tr '\n' ' ' <"$T/full.ms"))"
echo "   synchronous=NORMAL (reference):                $NORMAL ms  (runs: $(tr '\n' ' ' <"$T/normal.ms"))"
$PY - "$T/full.ms" "$T/normal.ms" <<'EOF'
import statistics, sys
f = [float(x) for x in open(sys.argv[1])]
n = [float(x) for x in open(sys.argv[2])]
print("   FULL / NORMAL = %.3f of the medians, %.3f the median of the pairs' ratios (goal <= 1.10)"
      % (statistics.median(f) / statistics.median(n),
         statistics.median(a / b for a, b in zip(f, n))))
EOF
echo "   commands: $FILL_CMD"
echo "             cp template.db run.db; $DELIVER --sync full|normal"
