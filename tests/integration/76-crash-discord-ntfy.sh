#!/bin/sh
# Crash safety for Discord and ntfy: a run for 150 subscribers, each with a Discord webhook and
# an ntfy topic on the local stand-in, is killed with SIGKILL at random moments (7 times) and
# restarted each time, then run to the end. Every part of every digest arrives on both
# channels; a part arrives twice only when it was in flight at a kill (neither service takes
# an idempotency key), so per channel at most kills x max_total duplicates and no part more
# than once per kill; the state passes PRAGMA integrity_check.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_CRASH_SUBSCRIBERS:-150}
KILLS=${PB_CRASH_KILLS:-7}
MAX_INFLIGHT=8
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-crash-dn.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "76-crash-discord-ntfy: $*" >&2; exit 1; }

/usr/bin/python3 "$PB_TESTS/lib/discord_ntfy_server.py" --port-file "$T/port" --log "$T/log.jsonl" \
	--ntfy-burst 100000 --ntfy-replenish 0.001 --timeout 300 2>"$T/server.err" &
pids="$pids $!"
i=0
while [ ! -s "$T/port" ]; do
	i=$((i + 1)); [ $i -le 300 ] || fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat "$T/port")

# Webhooks as secret files (mode 0600), one per subscriber; topics ok_uNNNN.
/usr/bin/python3 - "$T" "$N" "$P" "$MAX_INFLIGHT" <<'EOF'
import os, sys
t, n, port, inflight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
queries = ['cat:cs.CV', 'ti:learning', 'abs:robot*', 'ti:\\"language model\\" OR abs:llm']
os.makedirs(os.path.join(t, "hooks"))
out = ['state_dir = "%s/state";' % t,
       'arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; fill_metadata = false; };',
       'file = { enabled = false; };',
       'ntfy = { base_url = "http://127.0.0.1:%d"; };' % port,
       'delivery = { max_total = %d; max_per_host = 8; retry_base_s = 1; '
       'discord_interval_ms = 400; ntfy_interval_ms = 0; };' % inflight,
       'subscribers = (']
for i in range(n):
    path = os.path.join(t, "hooks", "u%04d" % i)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, ("http://127.0.0.1:%d/api/webhooks/%d/ok\n" % (port, i)).encode())
    os.close(fd)
    out.append('  { name = "u%04d"; discord_webhook_file = "%s"; ntfy_topic = "ok_u%04d";'
               ' max_papers = %d;' % (i, path, i, i % 3 + 1))
    out.append('    topics = ( { name = "t"; query = "%s"; } ); }%s'
               % (queries[i % len(queries)], "," if i < n - 1 else ""))
out.append(");")
open(os.path.join(t, "crash.conf"), "w").write("\n".join(out) + "\n")
EOF
"$PAPERBOY" -c "$T/crash.conf" check > /dev/null || fail "the generated config does not load"

seed=${PB_CRASH_SEED:-$$}
echo "   seed=$seed kills=$KILLS subscribers=$N"
k=0
: > "$T/kills"
# Every other kill counts its delay from the run's first request to the stand-in, so some land
# in the delivery however long the build takes (seconds with AddressSanitizer on a busy
# machine); the others count it from the start and may land in the build.
arrived() { if [ -f "$T/log.jsonl" ]; then wc -l <"$T/log.jsonl"; else echo 0; fi; }
while [ $k -lt "$KILLS" ]; do
	before=$(arrived)
	"$PAPERBOY" -c "$T/crash.conf" run --feed "$FEED" --wait 5 >>"$T/run.out" 2>>"$T/run.err" &
	rp=$!
	from=start
	if [ $((k % 2)) = 1 ]; then
		from=delivery
		i=0
		while [ "$(arrived)" -le "$before" ] && kill -0 "$rp" 2>/dev/null; do
			i=$((i + 1)); [ $i -le 600 ] || fail "kill $k: nothing delivered within 30 s"
			sleep 0.05
		done
	fi
	ms=$(awk -v s="$seed" -v k="$k" 'BEGIN { srand(s + k * 7919); printf "%d", 150 + rand() * 1350 }')
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	if kill -9 "$rp" 2>/dev/null; then
		echo "   kill $k at ${ms} ms from the $from" >>"$T/kills"
	fi
	wait "$rp" 2>/dev/null || true
	k=$((k + 1))
done
real_kills=$(wc -l <"$T/kills")
[ "$real_kills" -ge 5 ] || fail "only $real_kills runs were still alive to be killed (need 5)"
sent_at_kills=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 1;")

done_ok=0
for attempt in 1 2 3 4 5; do
	"$PAPERBOY" -c "$T/crash.conf" run --feed "$FEED" --wait 30 >>"$T/run.out" 2>>"$T/run.err" || true
	pending=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0;")
	if [ "$pending" = 0 ]; then done_ok=1; break; fi
done
[ "$done_ok" = 1 ] || fail "messages still pending after 5 complete runs"
[ "$(sqlite3 "$T/state/paperboy.db" "PRAGMA integrity_check;")" = ok ] || fail "integrity_check"
sqlite3 -separator ' ' "$T/state/paperboy.db" \
	"select subscriber, channel, n_parts, status from outbox where part = 1;" > "$T/outbox.txt"
sleep 0.5

/usr/bin/python3 - "$T" "$N" "$real_kills" "$MAX_INFLIGHT" "$sent_at_kills" <<'EOF'
import collections, hashlib, json, os, sys
t, n, kills, inflight, early = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
problems = []
parts = {}
for line in open(os.path.join(t, "outbox.txt")):
    sub, ch, nparts, st = line.split()
    parts[(ch, sub)] = int(nparts)
bad = [l for l in open(os.path.join(t, "outbox.txt")) if l.split()[3] != "1"]
if bad:
    problems.append("first parts not sent: %s" % bad[:3])
got = {"discord": collections.Counter(), "ntfy": collections.Counter()}
for line in open(os.path.join(t, "log.jsonl")):
    r = json.loads(line)
    if r.get("status") != 200:
        continue
    if r["kind"] == "discord":
        sub = "u%04d" % int(r["hook"].split("/")[0])
        text = r["body"]["content"]
    else:
        sub = r["topic"][3:]
        text = r["body"]["message"]
    got[r["kind"]][(sub, hashlib.sha1(text.encode()).hexdigest())] += 1
for ch in ("discord", "ntfy"):
    per = collections.Counter(sub for sub, _h in got[ch])
    subs = [s for (c, s) in parts if c == ch]
    if len(subs) != n:
        problems.append("%s: %d subscribers in the outbox, want %d" % (ch, len(subs), n))
    short = [s for s in subs if per.get(s, 0) != parts[(ch, s)]]
    if short:
        problems.append("%s: %d subscribers without every part once at least, e.g. %s"
                        % (ch, len(short), short[:3]))
    dups = sum(v - 1 for v in got[ch].values() if v > 1)
    worst = max(got[ch].values())
    if dups > kills * inflight:
        problems.append("%s: %d duplicates for %d kills" % (ch, dups, kills))
    if worst > 1 + kills:
        problems.append("%s: one part arrived %d times" % (ch, worst))
    print("   %-8s %4d subscribers, %4d parts, %4d received, %2d duplicates (kills %d)"
          % (ch, len(subs), sum(parts[(ch, s)] for s in subs), sum(got[ch].values()), dups, kills))
if early == 0:
    problems.append("no message was sent before the last kill: the kills missed the delivery")
if problems:
    print("\n".join("   PROBLEM: " + p for p in problems))
    sys.exit(1)
EOF
