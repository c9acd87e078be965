#!/bin/sh
# One-click unsubscribe over loopback, beside the write's own limit, in the same run:
#  - `paperboy serve` with N stored subscribers (one address each); bench/web_client POSTs
#    "List-Unsubscribe=One-Click" to each one's /u/TOKEN on one keep-alive connection, one
#    request at a time: each answer comes after its commit (a suppression row and the
#    subscriber's state, one transaction).
#  - the sqlite3 shell making the same commits (the same two rows per transaction, one
#    transaction per subscriber, WAL and synchronous=NORMAL as paperboy's state) on a copy of
#    the same database.
#  The two alternate, A B A B ..., over ROUNDS disjoint slices of the subscribers; the medians
#  and the median of the pairwise ratios are printed (target: paperboy >= 0.5x sqlite3).
#  - zero lost writes: the rows counted after (one suppression and one unsubscribed state per
#    200 answer, and N of each);
#  - serve's resident memory before and after MIX more requests (the unsubscribe page, the
#    POST again, a 404, in turn), which should stay flat.
# BENCH_QUICK=1 (or BENCH_WEB_N / BENCH_WEB_MIX) makes it smaller.
set -u
: "${PAPERBOY:?}" "${BUILD:?}"
if [ -n "${BENCH_QUICK:-}" ]; then N=${BENCH_WEB_N:-500}; MIX=${BENCH_WEB_MIX:-20000}
else N=${BENCH_WEB_N:-2500}; MIX=${BENCH_WEB_MIX:-100000}; fi
ROUNDS=5
PY=/usr/bin/python3
CLIENT="$BUILD/bench/web_client"
TOKEN="$BUILD/tests/tools/web_token"
T=$(mktemp -d /tmp/pb-bench-web.XXXXXX) || exit 1
SRV=""
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "bench_web: $*" >&2; exit 1; }
[ -x "$CLIENT" ] && [ -x "$TOKEN" ] || fail "missing $CLIENT or $TOKEN (make tools)"
command -v sqlite3 >/dev/null || fail "needs the sqlite3 shell"
N=$((N / ROUNDS * ROUNDS))
PER=$((N / ROUNDS))
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
now() { $PY -c 'import time; print("%.4f" % time.time())'; }
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

cat >"$T/pb.conf" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
email = { smtp_url = "smtp://127.0.0.1:9"; from = "bot@example.org"; tls = "none"; };
file = { enabled = false; };
web = { listen = "127.0.0.1:$PORT"; base_url = "http://127.0.0.1:$PORT"; rate_limit = 0; };
subscribers = ( );
EOF
$PY - "$N" >"$T/subs.jsonl" <<'EOF'
import json, sys
for i in range(int(sys.argv[1])):
    n = "s%06d" % i
    print(json.dumps({"name": n, "state": "active", "source": "cli",
                      "settings": {"name": n, "email": ["%s@example.org" % n],
                                   "topics": [{"name": "t", "query": "cat:cs.CV"}]}}))
EOF
"$PAPERBOY" -c "$T/pb.conf" subscriber import "$T/subs.jsonl" >/dev/null 2>"$T/import.err" ||
  fail "import: $(tail -n 3 "$T/import.err")"
cp "$T/state/paperboy.db" "$T/ref.db"
sqlite3 "$T/ref.db" "PRAGMA journal_mode=WAL;" >/dev/null

"$PAPERBOY" -c "$T/pb.conf" serve 2>"$T/serve.log" &
SRV=$!
i=0
until $PY -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1).close()" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 300 ] && fail "serve did not start: $(cat "$T/serve.log")"; sleep 0.1
done
# the links, as the digests carry them, and the same commits for the sqlite3 shell
$PY - "$N" >"$T/pairs" <<'EOF'
import sys
for i in range(int(sys.argv[1])):
    print("s%06d s%06d@example.org" % (i, i))
EOF
"$TOKEN" "$T/state/web.secret" "" unsub - - <"$T/pairs" >"$T/paths" || fail "web_token failed"
$PY - "$T" "$ROUNDS" "$PER" <<'EOF'
import sys, time
t, rounds, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
paths = open(t + "/paths").read().split()
now = int(time.time())
for r in range(rounds):
    open("%s/paths.%d" % (t, r), "w").write("\n".join(paths[r * per:(r + 1) * per]) + "\n")
    with open("%s/ref.%d.sql" % (t, r), "w") as f:
        f.write("PRAGMA synchronous=NORMAL;\nPRAGMA busy_timeout=10000;\n")
        for i in range(r * per, (r + 1) * per):
            n = "s%06d" % i
            f.write("BEGIN IMMEDIATE;\n"
                    "INSERT INTO suppressions(subscriber, channel, dest, reason, since) VALUES"
                    "('%s', 'email', '%s@example.org', 'unsubscribed by the recipient (one-click)', %d);\n"
                    "UPDATE subscribers SET state = 'unsubscribed', reason = 'unsubscribed by the "
                    "recipient (one-click)', updated = %d WHERE name = '%s';\n"
                    "COMMIT;\n" % (n, n, now, now, n))
EOF

RSS0=$(rss "$SRV")
: >"$T/rates"
for r in $(seq 0 $((ROUNDS - 1))); do
  "$CLIENT" "$PORT" post "$T/paths.$r" >"$T/a.$r" || fail "web_client failed: $(cat "$T/a.$r")"
  grep -q "ok=$PER other=0 " "$T/a.$r" || fail "not every POST was answered 200: $(cat "$T/a.$r")"
  A=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' "$T/a.$r")
  t0=$(now)
  sqlite3 "$T/ref.db" <"$T/ref.$r.sql" >/dev/null || fail "sqlite3 failed"
  t1=$(now)
  B=$($PY -c "print('%.1f' % ($PER / ($t1 - $t0)))")
  echo "$A $B" >>"$T/rates"
done
RSS1=$(rss "$SRV")

# zero lost writes: in the state serve wrote (read while it still runs)
SUP=$(sqlite3 "$T/state/paperboy.db" "SELECT count(*) FROM suppressions WHERE reason LIKE '%one-click%';")
UNS=$(sqlite3 "$T/state/paperboy.db" "SELECT count(*) FROM subscribers WHERE state = 'unsubscribed';")
REF=$(sqlite3 "$T/ref.db" "SELECT count(*) FROM suppressions;")

"$CLIENT" "$PORT" mix "$T/paths" "$MIX" >"$T/mix" || fail "web_client mix failed: $(cat "$T/mix")"
grep -q "other=0 " "$T/mix" || fail "the mix got unexpected answers: $(cat "$T/mix")"
RSS2=$(rss "$SRV")

$PY - "$T/rates" <<'EOF'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
a = [r[0] for r in rows]; b = [r[1] for r in rows]
ratios = [x / y for x, y in rows]
print("one-click unsubscribe POSTs, %d rounds A (paperboy serve) / B (sqlite3 shell), alternating" % len(rows))
for i, (x, y) in enumerate(rows):
    print("  round %d  paperboy %8.1f /s   sqlite3 %8.1f /s   ratio %.2f" % (i + 1, x, y, x / y))
print("  median   paperboy %8.1f /s   sqlite3 %8.1f /s   median ratio %.2f (min %.2f, max %.2f; target >= 0.5)"
      % (statistics.median(a), statistics.median(b), statistics.median(ratios), min(ratios), max(ratios)))
EOF
echo "  writes: $N POSTs answered 200; in serve's state $SUP suppressions and $UNS subscribers unsubscribed (lost: $((N - SUP)) and $((N - UNS))); sqlite3's copy $REF rows"
echo "  serve's resident memory: ${RSS0} KB at the start, ${RSS1} KB after the $N POSTs, ${RSS2} KB after $MIX more requests ($(sed 's/^/mix: /' "$T/mix"))"
echo "commands:"
echo "  $PAPERBOY -c pb.conf subscriber import subs.jsonl   # $N subscribers, one address each"
echo "  $PAPERBOY -c pb.conf serve                          # web.rate_limit = 0"
echo "  $TOKEN state/web.secret '' unsub - - <pairs >paths   # the /u/TOKEN links, as pb_link_make writes them"
echo "  $CLIENT PORT post paths.R                           # A: $PER POSTs per round, keep-alive"
echo "  sqlite3 ref.db <ref.R.sql                           # B: $PER x (BEGIN IMMEDIATE; INSERT suppression; UPDATE subscriber; COMMIT), synchronous=NORMAL, WAL"
echo "  $CLIENT PORT mix paths $MIX                         # memory: GET page, POST again, 404, in turn"
[ "$SUP" = "$N" ] && [ "$UNS" = "$N" ] || fail "lost writes: $SUP suppressions, $UNS unsubscribed of $N"
