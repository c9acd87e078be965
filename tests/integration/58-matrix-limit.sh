#!/bin/sh
# Matrix's rate limit is the account's, not a room's: Synapse counts the messages a user sends
# (rc_message, 10 at once then 0.2 a second by default) whatever the room, and answers each one
# over it 429 M_LIMIT_EXCEEDED with retry_after_ms. The homeserver stand-in
# (tests/lib/matrix_server.py --account-limit) keeps such a bucket for the access token while
# digests go to ten rooms: once a 429 is answered, no request at all arrives until its
# retry_after_ms is over (what was on its way may still arrive), so no room spends its
# attempts on 429s meanwhile, and with delivery.max_attempts = 3 every part of every digest is
# stored once.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-matrix-limit.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "58-matrix-limit: FAIL: $*" >&2; exit 1; }

TOKEN=syt_limit_token_7c2e
$PY "$PB_TESTS/lib/matrix_server.py" --port-file "$T/port" --log "$T/hs.jsonl" \
	--token "$TOKEN" --account-limit 3:1 --timeout 120 2>"$T/hs.err" &
pids="$pids $!"
i=0
while [ ! -s "$T/port" ]; do
	i=$((i + 1)); [ $i -le 300 ] || fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat "$T/port")

{
	echo "state_dir = \"$T/state\";"
	echo 'arxiv = { categories = ["cs.CV"]; fill_metadata = false; };'
	echo 'file = { enabled = false; };'
	echo "matrix = { homeserver = \"http://127.0.0.1:$P\"; token_env = \"PB_MX_TOKEN\"; };"
	echo 'delivery = { retry_base_s = 1; max_attempts = 3; matrix_room_interval_ms = 200;'
	echo '             matrix_interval_ms = 50; };'
	echo 'subscribers = ('
	for n in 1 2 3 4 5 6 7 8 9 10; do
		sep=","; [ $n = 10 ] && sep=""
		echo "  { name = \"r$n\"; matrix_room = \"!ok-room$n:localhost\"; max_papers = 8;"
		echo "    topics = ( { name = \"cv\"; query = \"cat:cs.CV\"; } ); }$sep"
	done
	echo ');'
} >"$T/pb.conf"

export PB_MX_TOKEN="$TOKEN"
start=$(date +%s)
"$PAPERBOY" -c "$T/pb.conf" run --feed "$FEED" --wait 60 >"$T/run.out" 2>"$T/run.err" || true
echo "   run: $(( $(date +%s) - start )) s"

$PY - "$T/hs.jsonl" "$T/state/paperboy.db" <<'EOF' || { grep deliver "$T/run.err" | tail -n 20 >&2; fail "deliveries"; }
import collections, json, sqlite3, sys
log = [json.loads(l) for l in open(sys.argv[1])]
db = sqlite3.connect(sys.argv[2])
rows = list(db.execute("select dest, part, status, coalesce(last_error, '') from outbox "
                       "where channel = 'matrix'"))
assert len(rows) >= 10, rows
bad = [r for r in rows if r[2] != 1]
assert not bad, ("parts not sent", bad)
stored = [r for r in log if r["stored"]]
keys = collections.Counter((r["room"], r["txn"]) for r in stored)
assert len(stored) == len(rows) and max(keys.values()) == 1, (len(stored), len(rows))
limited = [r for r in log if r["status"] == 429]
assert limited, "the account's limit was never met"
# After a 429 the whole account waits: no request of any room arrives before the wait is
# over, but those on their way when it was answered.
early = [(r["room"], round(q["t"] - r["t"], 3), q["room"]) for r in limited for q in log
         if r["t"] + 0.15 < q["t"] < r["t"] + r["retry_after_ms"] / 1000.0]
assert not early, ("requests sent while the account was limited", early[:10])
print("   %d requests, %d events stored in %d rooms, %d met the account's limit" %
      (len(log), len(stored), len(set(r[0] for r in rows)), len(limited)))
EOF
exit 0
