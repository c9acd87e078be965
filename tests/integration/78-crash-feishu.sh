#!/bin/sh
# Crash safety of the Feishu/Lark and JSON webhook channels: a run for 150 subscribers, each
# with a Feishu bot (every other one signing) and a JSON webhook (every other one signed), against
# the local stand-in (answers held 100 ms), is killed with SIGKILL at random moments, 7 times,
# and restarted each time; then runs until nothing is pending. Every subscriber has every part
# of its digest on both channels, every outbox row is sent, the state passes
# PRAGMA integrity_check, and a message arrives twice only when it was in flight at a kill: per
# channel at most kills x MAX_INFLIGHT duplicates, and no message more than once per kill.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_CRASH_SUBSCRIBERS:-150}
KILLS=${PB_CRASH_KILLS:-7}
MAX_INFLIGHT=8      # delivery.max_total
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-crash-feishu.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "78-crash-feishu: $*" >&2; exit 1; }

/usr/bin/python3 "$PB_TESTS/lib/feishu_server.py" --port-file "$T/port" --log "$T/arrivals.jsonl" \
	--secret-prefix oks=FS-crash-secret --wh-secret-prefix s=WH-crash-secret --delay-ms 100 \
	--timeout 300 2>"$T/server.err" &
pids="$pids $!"
i=0
while [ ! -s "$T/port" ]; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat "$T/port")

export PB_CRASH_FS_SECRET=FS-crash-secret PB_CRASH_WH_SECRET=WH-crash-secret
/usr/bin/python3 - "$T" "$N" "$P" "$MAX_INFLIGHT" <<'EOF'
import os, sys
t, n, port, inflight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
queries = ['cat:cs.CV', 'ti:learning', 'abs:robot*', 'ti:\\"language model\\" OR abs:llm',
           '(ti:diffusion OR abs:\\"gaussian splatting\\") ANDNOT ti:survey']
os.makedirs(os.path.join(t, "hooks"), exist_ok=True)
out = ['state_dir = "%s/state";' % t,
       'arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; fill_metadata = false; };',
       'file = { enabled = false; };',
       'delivery = { max_total = %d; max_per_host = 8; retry_base_s = 1; '
       'feishu_interval_ms = 400; webhook_interval_ms = 0; };' % inflight,
       'subscribers = (']
for i in range(n):
    fs = "oks%04d" % i if i % 2 else "okp%04d" % i
    wh = "s%04d" % i if i % 2 == 0 else "p%04d" % i
    for name, url in (("fs%04d" % i, "http://127.0.0.1:%d/open-apis/bot/v2/hook/%s" % (port, fs)),
                      ("wh%04d" % i, "http://127.0.0.1:%d/webhook/ok/%s" % (port, wh))):
        path = os.path.join(t, "hooks", name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, (url + "\n").encode())
        os.close(fd)
    extra = ""
    if i % 2:
        extra += ' feishu_secret_env = "PB_CRASH_FS_SECRET";'
    else:
        extra += ' webhook_secret_env = "PB_CRASH_WH_SECRET";'
    out.append('  { name = "u%04d"; feishu_webhook_file = "%s/hooks/fs%04d"; '
               'webhook_url_file = "%s/hooks/wh%04d";%s max_papers = %d;'
               % (i, t, i, t, i, extra, 2 + i % 7 * 3))
    out.append('    topics = ( { name = "t"; query = "%s"; } ); }%s'
               % (queries[i % len(queries)], "," if i < n - 1 else ""))
out.append(");")
open(os.path.join(t, "crash.conf"), "w").write("\n".join(out) + "\n")
EOF
"$PAPERBOY" -c "$T/crash.conf" check >/dev/null || fail "the generated config does not load"

seed=${PB_CRASH_SEED:-$$}
echo "   seed=$seed kills=$KILLS subscribers=$N"
k=0
while [ $k -lt "$KILLS" ]; do
	"$PAPERBOY" -c "$T/crash.conf" run --feed "$FEED" --wait 5 >>"$T/run.out" 2>>"$T/run.err" &
	rp=$!
	# 200..1500 ms, the k-th draw of an awk PRNG seeded once, so a seed reproduces the kills
	ms=$(awk -v s="$seed" -v k="$k" 'BEGIN { srand(s); for (i = 0; i <= k; i++) r = rand();
		printf "%d", 200 + r * 1300 }')
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	if kill -9 "$rp" 2>/dev/null; then
		echo "   kill $k at ${ms} ms" >>"$T/kills"
	fi
	wait "$rp" 2>/dev/null || true
	k=$((k + 1))
done
real_kills=$(wc -l <"$T/kills" 2>/dev/null || echo 0)
[ "$real_kills" -ge 5 ] || fail "only $real_kills runs were still alive to be killed (need 5)"

done_ok=0
for attempt in 1 2 3 4 5 6; do
	"$PAPERBOY" -c "$T/crash.conf" run --feed "$FEED" --wait 20 >>"$T/run.out" 2>>"$T/run.err" || true
	pending=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0;")
	if [ "$pending" = 0 ]; then done_ok=1; break; fi
	# a retry put off past the run's wait (a transient failure on a busy machine backs off):
	# sleep until the first is due, at most 30 s
	due=$(sqlite3 "$T/state/paperboy.db" "select max(0, min(next_attempt) -
		cast(strftime('%s', 'now') as integer)) from outbox where status = 0;")
	[ "${due:-0}" -le 30 ] || due=30
	echo "   attempt $attempt: $pending pending, the first due in $due s"
	sleep "$due"
done
if [ "$done_ok" != 1 ]; then
	sqlite3 "$T/state/paperboy.db" "select subscriber, channel, part, attempts, last_error,
		next_attempt - cast(strftime('%s', 'now') as integer) from outbox where status = 0
		limit 10;" >&2
	fail "messages still pending after 6 complete runs"
fi
integrity=$(sqlite3 "$T/state/paperboy.db" "PRAGMA integrity_check;")
[ "$integrity" = ok ] || fail "integrity_check: $integrity"
sqlite3 -separator ' ' "$T/state/paperboy.db" \
	"select channel, subscriber, part, n_parts, status, msg_id from outbox order by 1, 2, 3;" \
	> "$T/outbox.txt"
sleep 0.5

/usr/bin/python3 - "$T" "$N" "$real_kills" "$MAX_INFLIGHT" <<'EOF'
import collections, hashlib, json, os, sys
t, n, kills, inflight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
problems = []
outbox = [l.split() for l in open(os.path.join(t, "outbox.txt"))]
bad = [o for o in outbox if o[4] != "1"]
if bad:
    problems.append("%d outbox rows not sent, e.g. %s" % (len(bad), bad[:3]))
want = {ch: {} for ch in ("feishu", "webhook")}
for ch, sub, part, nparts, st, mid in outbox:
    if ch in want:
        want[ch][sub] = int(nparts)
for ch in want:
    if len(want[ch]) != n:
        problems.append("%s: %d subscribers in the outbox, want %d" % (ch, len(want[ch]), n))

fs = collections.Counter()
wh = collections.Counter()
for line in open(os.path.join(t, "arrivals.jsonl")):
    r = json.loads(line)
    if r["kind"] == "feishu":
        if r["code"] == 11232:
            continue    # a restart's burst met the bot's 5 a second: tried again later
        if r["problems"] or r["code"] != 0:
            problems.append("feishu answered %s %s for %s" % (r["code"], r["problems"], r["hook"]))
            continue
        body = json.dumps(r["body"]["content"], sort_keys=True)
        fs[(r["hook"][3:], hashlib.sha1(body.encode()).hexdigest())] += 1
    elif r["kind"] == "webhook":
        if r["status"] != 204 or r["sig_ok"] is False:
            problems.append("webhook answered %s for %s" % (r["status"], r["name"]))
            continue
        wh[r["delivery"]] += 1

def report(name, got, expect):
    short = [s for s, p in expect.items() if got.get(s, 0) < p]
    if short:
        problems.append("%s: %d subscribers miss parts, e.g. %s" % (name, len(short), short[:3]))

per_sub = collections.Counter()
for (idx, _h), v in fs.items():
    per_sub["u" + idx] += 1
report("feishu", per_sub, want["feishu"])
per_sub = collections.Counter()
for mid in wh:
    per_sub[mid.split("/")[1]] += 1
report("webhook", per_sub, want["webhook"])
for name, got in (("feishu", fs), ("webhook", wh)):
    dups = sum(v - 1 for v in got.values() if v > 1)
    worst = max(got.values()) if got else 0
    if dups > kills * inflight:
        problems.append("%s: %d duplicates for %d kills of %d in flight" % (name, dups, kills, inflight))
    if worst > 1 + kills:
        problems.append("%s: one message arrived %d times" % (name, worst))
    print("   %-8s %5d messages received, %3d duplicates (kills %d)"
          % (name, sum(got.values()), dups, kills))
if problems:
    print("\n".join("   PROBLEM: " + p for p in problems[:20]))
    sys.exit(1)
EOF
