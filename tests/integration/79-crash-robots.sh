#!/bin/sh
# Crash safety of the WeCom and DingTalk robots: a run for 150 subscribers, each with a WeCom
# webhook and a DingTalk robot (every other one signed), against the stand-in
# (tests/lib/cn_robots_server.py), killed with SIGKILL at random moments and restarted until
# nothing is pending. Every part of every digest reaches its robot; a part may arrive twice
# only when it was in flight at a kill: at most kills x MAX_INFLIGHT duplicates per channel,
# and no part more than once per kill.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_CRASH_SUBSCRIBERS:-150}
KILLS=${PB_CRASH_KILLS:-8}
MAX_INFLIGHT=8
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
SECRET='SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0'
T=$(mktemp -d /tmp/pb-crash-robots.XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "79-crash-robots: $*" >&2; exit 1; }

secrets=""
i=0
while [ $i -lt "$N" ]; do
  [ $((i % 2)) = 0 ] && secrets="$secrets --dingtalk-secret $(printf 'u%04d' $i)=$SECRET"
  i=$((i + 1))
done
# shellcheck disable=SC2086
/usr/bin/python3 "$PB_TESTS/lib/cn_robots_server.py" --port-file "$T/port" --log "$T/arrivals.jsonl" \
  --timeout 300 --per-window 100000 $secrets 2>"$T/server.err" &
pids="$pids $!"
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1)); [ $i -le 300 ] || fail "the stand-in did not start"
  sleep 0.1
done
P=$(cat "$T/port")

/usr/bin/python3 - "$T" "$N" "$P" "$MAX_INFLIGHT" "$SECRET" <<'EOF' || fail "cannot write the config"
import os, sys
t, n, port, inflight, secret = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
queries = ["cat:cs.CV", "ti:learning", "abs:robot*", "au:Wang AND cat:cs.LG"]
os.makedirs(os.path.join(t, "s"))
def secret_file(name, value):
    p = os.path.join(t, "s", name)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (value + "\n").encode())
    os.close(fd)
    return p
out = ['state_dir = "%s/state";' % t,
       'arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; fill_metadata = false; };',
       'file = { enabled = false; };',
       'delivery = { max_total = %d; max_per_host = 8; retry_base_s = 1; '
       'wecom_interval_ms = 0; dingtalk_interval_ms = 0; };' % inflight,
       "subscribers = ("]
sec = secret_file("secret", secret)
for i in range(n):
    u = "u%04d" % i
    w = secret_file("w" + u, "http://127.0.0.1:%d/cgi-bin/webhook/send?key=%s" % (port, u))
    d = secret_file("d" + u, "http://127.0.0.1:%d/robot/send?access_token=%s" % (port, u))
    signed = ' dingtalk_secret_file = "%s";' % sec if i % 2 == 0 else ""
    out.append('  { name = "%s"; wecom_webhook_file = "%s"; dingtalk_webhook_file = "%s";%s'
               % (u, w, d, signed))
    out.append('    max_papers = %d; topics = ( { name = "t"; query = "%s"; } ); }%s'
               % (i % 6 + 3, queries[i % len(queries)], "," if i < n - 1 else ""))
out.append(");")
open(os.path.join(t, "pb.conf"), "w").write("\n".join(out) + "\n")
EOF
"$PAPERBOY" -c "$T/pb.conf" check >/dev/null || fail "the generated config does not load"

seed=${PB_CRASH_SEED:-$$}
echo "   seed=$seed kills=$KILLS subscribers=$N"
k=0
while [ $k -lt "$KILLS" ]; do
  "$PAPERBOY" -c "$T/pb.conf" run --feed "$FEED" --wait 5 >>"$T/run.out" 2>>"$T/run.err" &
  rp=$!
  # 100..900 ms, from an awk PRNG so a seed reproduces the kill points
  ms=$(awk -v s="$seed" -v k="$k" 'BEGIN { srand(s + k * 7919); printf "%d", 100 + rand() * 800 }')
  sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
  if kill -9 "$rp" 2>/dev/null; then
    echo "   kill $k at ${ms} ms" >>"$T/kills"
  fi
  wait "$rp" 2>/dev/null || true
  k=$((k + 1))
done
real_kills=$(wc -l <"$T/kills" 2>/dev/null || echo 0)
[ "$real_kills" -ge $((KILLS - 2)) ] || fail "only $real_kills runs were still alive to be killed"

done_ok=0
for attempt in 1 2 3 4 5; do
  "$PAPERBOY" -c "$T/pb.conf" run --feed "$FEED" --wait 20 >>"$T/run.out" 2>>"$T/run.err" || true
  pending=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0;")
  if [ "$pending" = 0 ]; then done_ok=1; break; fi
done
[ "$done_ok" = 1 ] || fail "messages still pending after 5 complete runs"
[ "$(sqlite3 "$T/state/paperboy.db" "PRAGMA integrity_check;")" = ok ] || fail "integrity_check"
sqlite3 -separator ' ' "$T/state/paperboy.db" \
  "select subscriber, channel, part, n_parts, status from outbox;" >"$T/outbox.txt"
sleep 0.5

/usr/bin/python3 - "$T" "$N" "$real_kills" "$MAX_INFLIGHT" <<'EOF'
import collections, hashlib, json, os, sys
t, n, kills, inflight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
problems = []
outbox = [l.split() for l in open(os.path.join(t, "outbox.txt"))]
bad = [o for o in outbox if o[4] != "1"]
if bad:
    problems.append("%d outbox rows not sent, e.g. %s" % (len(bad), bad[:3]))
parts = {(s, ch): int(np) for s, ch, p, np, st in outbox}
if len(parts) != 2 * n:
    problems.append("%d (subscriber, channel) digests in the outbox, want %d" % (len(parts), 2 * n))
got = {"wecom": collections.Counter(), "dingtalk": collections.Counter()}
total = 0
for line in open(os.path.join(t, "arrivals.jsonl")):
    r = json.loads(line)
    if r["status"] != 200 or r["errcode"] != 0:
        problems.append("refused: %s" % line.strip()[:200])
        continue
    m = r["body"]["markdown"]
    h = hashlib.sha1(json.dumps(m, sort_keys=True).encode()).hexdigest()
    got[r["kind"]][(r["robot"], h)] += 1
for ch in ("wecom", "dingtalk"):
    per = collections.Counter(robot for robot, _ in got[ch])
    short = [s for (s, c), np in parts.items() if c == ch and per.get(s, 0) != np]
    if short:
        problems.append("%s: %d robots got a wrong number of distinct parts, e.g. %s"
                        % (ch, len(short), [(s, per.get(s, 0), parts[(s, ch)]) for s in short[:3]]))
    dups = sum(v - 1 for v in got[ch].values())
    total += dups
    worst = max(got[ch].values())
    if dups > kills * inflight:
        problems.append("%s: %d duplicates for %d kills" % (ch, dups, kills))
    if worst > 1 + kills:
        problems.append("%s: one part arrived %d times" % (ch, worst))
    print("   %-8s %4d robots, %5d parts received, %3d duplicates (kills %d)"
          % (ch, len(per), sum(got[ch].values()), dups, kills))
# delivery.max_total bounds the transfers in flight over both channels together
if total > kills * inflight:
    problems.append("%d duplicates in all for %d kills of %d in flight" % (total, kills, inflight))
if problems:
    print("\n".join("   PROBLEM: " + p for p in problems[:20]))
    sys.exit(1)
EOF
