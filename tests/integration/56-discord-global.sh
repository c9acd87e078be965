#!/bin/sh
# Discord's global rate limit against the local stand-in (tests/lib/discord_ntfy_server.py): a
# 429 with "global": true (X-RateLimit-Global, X-RateLimit-Scope: global) holds every request
# of the client, to any webhook, for its retry_after, and each request sent meanwhile is
# another 429 (too many get the address banned). One webhook meets the limit at its first
# message while four others, each with several parts paced 300 ms apart, are under way: once
# the 429 is answered, no Discord request at all arrives until the limit is over; every part
# is then delivered once, in order. The same for Cloudflare's ban of the address: a 429 with
# no X-RateLimit-Scope (Discord's own always has one) and no wait named, answered to every
# webhook for 0.5 s: the others wait as long as the message that met it (its backoff, at
# least 0.75 s with retry_base_s = 1), so none is sent into the ban.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-dg.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "56-discord-global: FAIL: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"

scenario() {  # scenario KIND: global or banned
K=$1
$PY "$PB_TESTS/lib/discord_ntfy_server.py" --port-file "$T/port.$K" --log "$T/log.$K.jsonl" \
	--timeout 120 &
srv=$!
pids="$pids $srv"
i=0
while [ ! -s "$T/port.$K" ]; do
	i=$((i + 1)); [ $i -le 300 ] || fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat "$T/port.$K")
H="http://127.0.0.1:$P/api/webhooks"
export DW_GL="$H/201/$K" DW_1="$H/211/ok" DW_2="$H/212/ok" DW_3="$H/213/ok" \
	DW_4="$H/214/ok"

Q='ti:\"gaussian splatting\" OR abs:nerf OR ti:3D'
sub() {  # sub NAME ENV MAX_PAPERS
	echo "  { name = \"$1\"; discord_webhook_env = \"$2\"; max_papers = $3;"
	echo "    topics = ( { name = \"3D\"; query = \"$Q\"; } ); },"
}
{
	echo "state_dir = \"$T/state.$K\";"
	echo 'arxiv = { categories = ["cs.CV"]; };'
	echo 'file = { enabled = false; };'
	echo 'delivery = { retry_base_s = 1; discord_interval_ms = 300; };'
	echo 'subscribers = ('
	sub dgl DW_GL 1
	sub d1 DW_1 12
	sub d2 DW_2 12
	sub d3 DW_3 12
	sub d4 DW_4 12 | sed '$s/},$/}/'
	echo ');'
} > "$T/pb.$K.conf"

start=$(date +%s)
"$PAPERBOY" -c "$T/pb.$K.conf" run --feed "$FEED" --wait 60 > "$T/run.$K.out" 2> "$T/run.$K.err" ||
	{ tail -n 20 "$T/run.$K.err" >&2; fail "$K: run"; }
echo "   $K: run: $(( $(date +%s) - start )) s"
grep -q "$H" "$T/run.$K.err" && fail "$K: a webhook URL reached the log"

$PY - "$T/log.$K.jsonl" "$T/state.$K/paperboy.db" "$K" <<'EOF' || { grep deliver "$T/run.$K.err" | tail -n 30 >&2; fail "$K: deliveries"; }
import json, sqlite3, sys
log = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["kind"] == "discord"]
db = sqlite3.connect(sys.argv[2])
kind = sys.argv[3]
first = [r for r in log if r["hook"] == "201/" + kind and r["status"] == 429]
assert len(first) == 1 and not first[0].get("problem"), first
t = first[0]["t"]
# What was on its way when the 429 was answered may still arrive; nothing sent after.
late = [(round(r["t"] - t, 3), r["hook"]) for r in log
        if r.get("problem") == kind and r["t"] > t + 0.15]
assert not late, ("requests sent during the limit", kind, late)
n_parts = {}
for sub, n, status in db.execute("select subscriber, n_parts, status from outbox"):
    assert status == 1, (sub, status)
    n_parts[sub] = n
assert all(n_parts[s] >= 3 for s in ("d1", "d2", "d3", "d4")), ("parts under way", n_parts)
for sub, hook in (("d1", "211/ok"), ("d2", "212/ok"), ("d3", "213/ok"), ("d4", "214/ok")):
    ok = [r for r in log if r["hook"] == hook and r["status"] == 200]
    assert len(ok) == n_parts[sub], (hook, "each part once", len(ok), n_parts[sub])
    heads = [r["body"]["content"][:40] for r in ok]
    assert len(set(heads)) == len(heads), (hook, "nothing twice")
held = len([r for r in log if r.get("problem") == kind])
print("   %s: %d Discord requests, %d met the limit (on their way when it came)" %
      (kind, len(log), held))
EOF
kill "$srv" 2>/dev/null || true
}
scenario global
scenario banned
