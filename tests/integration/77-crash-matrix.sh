#!/bin/sh
# Matrix exactly once under SIGKILL: a run delivering digests to 150 rooms on a homeserver
# stand-in (tests/lib/matrix_server.py: it answers each stored event 60 ms late, so a kill finds
# events stored whose answers were never read, and answers M_LIMIT_EXCEEDED on a schedule) is
# killed at random moments, 7 times, and restarted until nothing is pending. Then every part
# of every digest is stored exactly once: zero duplicate events, whatever was in flight at a
# kill, since a message sent again carries the same transaction id and the homeserver answers
# it with the event it already has. The number of such repeated requests is printed: it is
# how often the transaction id kept a duplicate out.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_CRASH_ROOMS:-150}
KILLS=${PB_CRASH_KILLS:-7}
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-crash-matrix.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "77-crash-matrix: $*" >&2; exit 1; }

TOKEN=syt_crash_token_5b1d
$PY "$PB_TESTS/lib/matrix_server.py" --port-file "$T/port" --log "$T/hs.jsonl" \
	--token "$TOKEN" --delay-ms 60 --limit-every 40 --limit-ms 1000 --timeout 200 \
	2>"$T/hs.err" &
pids="$pids $!"
i=0
while [ ! -s "$T/port" ]; do
	i=$((i + 1)); [ $i -le 300 ] || fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat "$T/port")

# N rooms, one subscriber each, digests of 10 to 40 papers (one to three events).
$PY - "$T" "$N" "$P" <<'EOF'
import sys
t, n, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
q = ["cat:cs.CV", "cat:cs.LG", "cat:cs.RO", "ti:learning", "abs:robot*"]
out = ['state_dir = "%s/state";' % t,
       'arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; fill_metadata = false; };',
       'file = { enabled = false; };',
       'matrix = { homeserver = "http://127.0.0.1:%d"; token_env = "PB_CRASH_MX"; };' % port,
       'delivery = { max_total = 8; max_per_host = 8; retry_base_s = 1;',
       '             matrix_room_interval_ms = 200; matrix_interval_ms = 50; };',
       'subscribers = (']
for i in range(n):
    out.append('  { name = "r%03d"; matrix_room = "!room%03d:localhost"; max_papers = %d;'
               % (i, i, 10 + i % 4 * 10))
    out.append('    topics = ( { name = "t"; query = "%s"; } ); }%s'
               % (q[i % len(q)], "," if i < n - 1 else ""))
out.append(");")
open(t + "/crash.conf", "w").write("\n".join(out) + "\n")
EOF
export PB_CRASH_MX="$TOKEN"
"$PAPERBOY" -c "$T/crash.conf" check >/dev/null || fail "the generated config does not load"

seed=${PB_CRASH_SEED:-$$}
echo "   seed=$seed kills=$KILLS rooms=$N"
k=0
: >"$T/kills"
# Every other kill counts its delay from the run's first request to the stand-in, so some land
# in the delivery however long the build takes (seconds with AddressSanitizer on a busy
# machine); the others count it from the start (700..2200 ms: past the enqueue, about half a
# second on an idle machine, into the delivery) and may land in the build.
arrived() { if [ -f "$T/hs.jsonl" ]; then wc -l <"$T/hs.jsonl"; else echo 0; fi; }
while [ $k -lt "$KILLS" ]; do
	before=$(arrived)
	"$PAPERBOY" -c "$T/crash.conf" run --feed "$FEED" --wait 5 >>"$T/run.out" 2>>"$T/run.err" &
	rp=$!
	from=start
	base=700
	if [ $((k % 2)) = 1 ]; then
		from=delivery
		base=100
		i=0
		while [ "$(arrived)" -le "$before" ] && kill -0 "$rp" 2>/dev/null; do
			i=$((i + 1)); [ $i -le 600 ] || fail "kill $k: nothing delivered within 60 s"
			sleep 0.05
		done
	fi
	ms=$(awk -v s="$seed" -v k="$k" -v b="$base" 'BEGIN { srand(s + k * 7919); printf "%d", b + rand() * 1500 }')
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	if kill -9 "$rp" 2>/dev/null; then
		echo "kill $k at ${ms} ms from the $from" >>"$T/kills"
	fi
	wait "$rp" 2>/dev/null || true
	k=$((k + 1))
done
real_kills=$(wc -l <"$T/kills")
[ "$real_kills" -ge $((KILLS - 1)) ] || fail "only $real_kills runs were still alive to be killed"

done_ok=0
for attempt in 1 2 3 4 5 6; do
	"$PAPERBOY" -c "$T/crash.conf" run --feed "$FEED" --wait 20 >>"$T/run.out" 2>>"$T/run.err" || true
	pending=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0;")
	if [ "$pending" = 0 ]; then done_ok=1; break; fi
done
[ "$done_ok" = 1 ] || fail "messages still pending after 6 complete runs"
[ "$(sqlite3 "$T/state/paperboy.db" "PRAGMA integrity_check;")" = ok ] || fail "integrity_check"
sqlite3 -separator '|' "$T/state/paperboy.db" \
	"select dest, msg_id, part, n_parts, status from outbox where channel = 'matrix';" >"$T/outbox.txt"
grep -q "$TOKEN" "$T/run.err" && fail "the access token reached the log"

$PY - "$T/hs.jsonl" "$T/outbox.txt" "$N" "$real_kills" <<'EOF'
import collections, hashlib, json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[2])]
n, kills = int(sys.argv[3]), int(sys.argv[4])
problems = []
if len(set(r[0] for r in rows)) != n:
    problems.append("%d rooms in the outbox, want %d" % (len(set(r[0] for r in rows)), n))
bad = [r for r in rows if r[4] != "1"]
if bad:
    problems.append("%d outbox rows not sent, e.g. %s" % (len(bad), bad[:3]))
# What must be stored: one event per outbox message, under the transaction id from its id.
want = {(dest, "pb" + hashlib.sha256(mid.encode()).hexdigest()[:32]) for dest, mid, _, _, _ in rows}
stored = collections.Counter((r["room"], r["txn"]) for r in log if r["stored"])
content = collections.Counter((r["room"], r["content"]["body"]) for r in log if r["stored"])
dups = sum(v - 1 for v in stored.values()) + sum(v - 1 for v in content.values())
missing = want - set(stored)
stray = set(stored) - want
if dups:
    problems.append("%d duplicate events" % dups)
if missing:
    problems.append("%d parts never stored, e.g. %s" % (len(missing), sorted(missing)[:3]))
if stray:
    problems.append("%d events stored for no outbox message" % len(stray))
repeats = sum(1 for r in log if r["repeat"])
limited = sum(1 for r in log if r["status"] == 429)
print("   matrix  %d rooms, %d parts, %d requests, %d events stored, %d duplicate events, "
      "%d repeated transaction ids answered with their first event, %d rate-limited, kills %d"
      % (n, len(want), len(log), sum(stored.values()), dups, repeats, limited, kills))
# Without a repeat the kills found nothing in flight: the test would prove nothing.
if repeats == 0:
    problems.append("no request was a repeat: no kill found an event stored and unanswered")
if problems:
    print("\n".join("   PROBLEM: " + p for p in problems))
    sys.exit(1)
EOF
