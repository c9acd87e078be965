#!/bin/sh
# Discord webhooks and ntfy topics against a local stand-in (tests/lib/discord_ntfy_server.py)
# answering as the services document: real digests from the 2024-11-28 fixture feed (one paper
# made hostile: @everyone, user and role mentions, ~~strike~~, a spoiler, a foreign link, HTML)
# delivered by `run --feed`, every part within 2,000 characters / 4,096 bytes, in order,
# readable, pinging nobody; sent to Discord's API v10 (an unversioned webhook URL reaches v6,
# where a 429 counts milliseconds); 429 waited out for at least Discord's retry_after / ntfy's
# Retry-After; 400/401/403/404 final with the services' words, shown by `status`, put back by
# `retry`, an ntfy topic the server refuses us (403 40301) suppressed, a webhook gone (404)
# suppressed (its new URL sent the lost digest, `status` calling
# the suppression outdated until then); 5xx retried; one message per 2 s per webhook and ntfy's visitor bucket never run dry;
# `preview --format discord|ntfy` one JSON body per line; `check` on good and bad keys.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-dn.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "56-discord-ntfy: FAIL: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"

# The fixture feed with one paper's title and abstract carrying what Discord or ntfy would
# read as mentions or markup.
$PY - "$FEED" "$T/feed.xml" <<'EOF' || fail "cannot write the hostile feed"
import sys
from xml.sax.saxutils import escape
d = open(sys.argv[1], encoding="utf-8").read()
t = "<title>GLS: Geometry-aware 3D Language Gaussian Splatting</title>"
assert t in d
bad = "@everyone @here <@123456789012345678> <@&987654321> ~~struck~~ ||spoiler|| " \
      "[click](https://evil.example/x) <b>bold</b>"
d = d.replace(t, "<title>GLS: Geometry-aware 3D Gaussian Splatting %s</title>" % escape(bad), 1)
i = d.index("Abstract: Recently, 3D Gaussian Splatting")
d = d[:i] + "Abstract: " + escape(bad) + " Recently" + d[i + len("Abstract: Recently"):]
open(sys.argv[2], "w", encoding="utf-8").write(d)
EOF
FEED="$T/feed.xml"

$PY "$PB_TESTS/lib/discord_ntfy_server.py" --port-file "$T/port" --log "$T/log.jsonl" \
	--ntfy-token tk_right --ntfy-burst 3 --ntfy-replenish 0.3 --timeout 120 &
pids="$pids $!"
i=0
while [ ! -s "$T/port" ]; do
	i=$((i + 1)); [ $i -le 300 ] || fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat "$T/port")
H="http://127.0.0.1:$P/api/webhooks"
export DW_OK="$H/101/ok" DW_RL="$H/102/ratelimit" DW_GL="$H/103/global" \
	DW_UNK="$H/104/unknown" DW_401="$H/105/unauth" DW_403="$H/106/forbidden" \
	DW_FLAKY="$H/107/flaky?thread_id=42" DW_TOK="$H/109/badtoken" NTFY_TOKEN=tk_right

Q='ti:\"gaussian splatting\" OR abs:nerf OR ti:3D'
sub() {  # sub NAME KEY VALUE MAX_PAPERS
	echo "  { name = \"$1\"; $2 = \"$3\"; max_papers = $4;"
	echo "    topics = ( { name = \"3D\"; query = \"$Q\"; } ); },"
}
{
	echo "state_dir = \"$T/state\";"
	echo 'arxiv = { categories = ["cs.CV"]; };'
	echo 'file = { enabled = false; };'
	echo "ntfy = { base_url = \"http://127.0.0.1:$P\"; token_env = \"NTFY_TOKEN\"; priority = 4; };"
	echo 'delivery = { retry_base_s = 1; ntfy_interval_ms = 300; };'
	echo 'subscribers = ('
	sub dok discord_webhook_env DW_OK 4
	sub drl discord_webhook_env DW_RL 1
	sub dgl discord_webhook_env DW_GL 1
	sub dunk discord_webhook_env DW_UNK 1
	sub d401 discord_webhook_env DW_401 1
	sub d403 discord_webhook_env DW_403 1
	sub dflaky discord_webhook_env DW_FLAKY 1
	sub nok ntfy_topic ok_alice 4
	sub nlim ntfy_topic limited_bo 1
	sub nres ntfy_topic reserved_cy 4
	sub nauth ntfy_topic auth_dee 1
	sub nflaky ntfy_topic flaky_ed 1
	sub dtok discord_webhook_env DW_TOK 1
	echo '  { name = "both"; discord_webhook_env = "DW_OK"; ntfy_topic = "ok_both"; max_papers = 1;'
	echo "    topics = ( { name = \"3D\"; query = \"$Q\"; } ); }"
	echo ');'
} > "$T/pb.conf"
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }

pb check > "$T/check.out" 2>&1 || { cat "$T/check.out" >&2; fail "check"; }
grep -q "discord 9, ntfy 6" "$T/check.out" || { cat "$T/check.out" >&2; fail "check counts"; }

# preview: one JSON request body per line
for f in discord ntfy; do
	pb preview --subscriber both --format $f --feed "$FEED" > "$T/preview.$f" 2>"$T/preview.err" ||
		fail "preview --format $f: $(cat "$T/preview.err")"
done
$PY - "$T/preview.discord" "$T/preview.ntfy" <<'EOF' || fail "preview bodies"
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
n = [json.loads(l) for l in open(sys.argv[2])]
assert d and all(x["allowed_mentions"] == {"parse": []} and x["content"] for x in d), d
assert n and all(x["topic"] == "ok_both" and x["markdown"] is True for x in n), n
assert "arxiv.org/abs/" in d[0]["content"] + "".join(x["content"] for x in d)
print("   preview ok: %d discord, %d ntfy bodies" % (len(d), len(n)))
EOF

start=$(date +%s)
rc=0
pb run --feed "$FEED" --wait 60 > "$T/run1.out" 2> "$T/run1.err" || rc=$?
# Some messages fail for good on purpose: the run says so in its exit code.
[ "$rc" != 0 ] || fail "run exited 0 with messages failed"
grep -q "event=run.done .*failed=[1-9]" "$T/run1.err" || { tail -n 20 "$T/run1.err" >&2; fail "run"; }
echo "   run: $(( $(date +%s) - start )) s"
grep -q "$H" "$T/run1.err" && fail "a webhook URL reached the log"
grep -q "tk_right" "$T/run1.err" && fail "the ntfy token reached the log"
sleep 0.3

$PY - "$T/log.jsonl" "$T/state/paperboy.db" <<'EOF' || { tail -n 30 "$T/run1.err" >&2; fail "deliveries"; }
import json, os, sqlite3, sys
sys.path.insert(0, os.environ["PB_TESTS"] + "/lib"); from pacing import check_paced
log = [json.loads(l) for l in open(sys.argv[1])]
db = sqlite3.connect(sys.argv[2])
rows = {}
for sub, ch, part, n, st, err in db.execute(
        "SELECT subscriber, channel, part, n_parts, status, last_error FROM outbox"):
    rows.setdefault((sub, ch), []).append((part, n, st, err))
def arr(kind, key, val):
    return [r for r in log if r["kind"] == kind and r.get(key) == val]
def gaps(rs):
    return [b["t"] - a["t"] for a, b in zip(rs, rs[1:])]

# every request was within the limits and asked to wait; nobody was pinged
for r in log:
    assert r.get("problem") in (None,), ("a request over a limit", r)
    if r["kind"] == "discord":
        # the webhook URL as Discord hands it out has no version: Discord's default, v6,
        # would say retry_after in milliseconds
        assert r["wait"] is True and r["version"] == 10, r
        assert r["length"] <= 2000 and r["pinged"] == [], r
        assert r["body"]["allowed_mentions"] == {"parse": []}, r
    else:
        assert r["length"] <= 4096, r

# Discord, the good webhook: every part once, in order, readable, hostile text inert
ok = [r for r in arr("discord", "hook", "101/ok") if r["status"] == 200]
mine = sorted(p for p in rows[("dok", "discord")])
assert all(st == 1 for _, _, st, _ in mine), mine
n_dok = mine[0][1]
both_n = rows[("both", "discord")][0][1]
assert len(ok) == n_dok + both_n, (len(ok), n_dok, both_n)
check_paced([r["t"] for r in ok], 2.0, "one message per 2 s per webhook")
texts = [r["body"]["content"] for r in ok]
whole = "\n".join(texts)
assert "https://arxiv.org/abs/2411.18066" in whole, "a link to arXiv"
assert "Geometry-aware 3D Gaussian Splatting" in whole, "a paper's title"
assert "~~struck~~" not in whole, "strike-through (TeX's ~ is a space; the unit test covers \\~)"
assert "<@123456789012345678>" not in whole and "<b>" not in whole, "mention / HTML escaped"
assert "||spoiler||" not in whole and "[click](https://evil" not in whole, "spoiler / link escaped"
assert "<a id=" not in whole and "](#" not in whole, "no anchors in a chat"

# rate limits: waited at least retry_after (2.5 s; Retry-After 3) and 1.2 s global
for hook, wait in (("102/ratelimit", 3.0), ("103/global", 2.0)):
    rs = arr("discord", "hook", hook)
    assert [r["status"] for r in rs][:2] == [429, 200], rs
    assert gaps(rs)[0] >= wait - 0.05, (hook, gaps(rs))
    assert len([r for r in rs if r["status"] == 200]) == len(rs) - 1, "nothing twice"
fl = arr("discord", "hook", "107/flaky")
assert [r["status"] for r in fl][:2] == [502, 200], fl

# permanent: one request each, failed with Discord's words
want = {"dunk": "HTTP 404: 10015 Unknown Webhook", "d401": "HTTP 401: 0 401: Unauthorized",
        "d403": "HTTP 403: 50001 Missing Access"}
for sub, words in want.items():
    rs = rows[(sub, "discord")]
    assert rs[0][2] == 2 and rs[0][3] == words, (sub, rs)
for hook in ("105/unauth", "106/forbidden"):
    n = len(arr("discord", "hook", hook))
    parts = {"105/unauth": "d401", "106/forbidden": "d403"}[hook]
    assert n == len(rows[(parts, "discord")]), (hook, n, "one request per part, none retried")
# a webhook gone (404) is asked once: the parts after the first wait, paused, for a person
assert len(arr("discord", "hook", "104/unknown")) == 1, arr("discord", "hook", "104/unknown")
for part, n, st, err in rows[("dunk", "discord")]:
    assert part == 1 or (st == 4 and err == "the destination is suppressed"), (part, st, err)
# so is one whose token Discord refuses (401 50027): Discord asks that requests stop, each 401
# counting toward its ban of the address
rs = sorted(rows[("dtok", "discord")])
assert rs[0][1] > 1 and rs[0][2] == 2 and rs[0][3] == "HTTP 401: 50027 Invalid Webhook Token", rs
assert all(st == 4 and err == "the destination is suppressed" for _, _, st, err in rs[1:]), rs
assert len(arr("discord", "hook", "109/badtoken")) == 1, arr("discord", "hook", "109/badtoken")

# ntfy
nok = [r for r in arr("ntfy", "topic", "ok_alice") if r["status"] == 200]
mine = rows[("nok", "ntfy")]
assert all(st == 1 for _, _, st, _ in mine) and len(nok) == mine[0][1], (len(nok), mine)
for i, r in enumerate(nok, 1):
    b = r["body"]
    assert b["markdown"] is True and b["priority"] == 4 and b["tags"] == ["newspaper"], b
    assert b["title"].startswith("arXiv Computer Vision Papers - 2024-11-28"), b["title"]
    if len(nok) > 1:
        assert b["title"].endswith("(%d/%d)" % (i, len(nok))), ("parts in order", b["title"])
    assert b["click"].startswith("https://arxiv.org/abs/"), b
    assert r["auth"] is True
whole = "\n".join(r["body"]["message"] for r in nok)
assert "https://arxiv.org/abs/2411.18066" in whole and "Geometry-aware" in whole
assert "<b>" not in whole and "[click](https://evil" not in whole
alln = [r for r in log if r["kind"] == "ntfy"]
check_paced([r["t"] for r in alln], 0.3, "ntfy paced per server")
lim = arr("ntfy", "topic", "limited_bo")
assert [r["status"] for r in lim][:2] == [429, 200] and gaps(lim)[0] >= 1.95, lim
fl = arr("ntfy", "topic", "flaky_ed")
assert [r["status"] for r in fl][:2] == [500, 200], fl
assert [r["status"] for r in arr("ntfy", "topic", "auth_dee")] == [200], "token sent"
# a topic ntfy's access control refuses us (403 40301: reserved by another account, or no
# anonymous writing) is asked once: the parts after the first wait, paused, for a person
rs = sorted(rows[("nres", "ntfy")])
assert rs[0][1] > 1 and rs[0][2] == 2 and rs[0][3] == "HTTP 403: 40301 forbidden", rs
assert all(st == 4 and err == "the destination is suppressed" for _, _, st, err in rs[1:]), rs
assert len(arr("ntfy", "topic", "reserved_cy")) == 1
for key in (("drl", "discord"), ("dgl", "discord"), ("dflaky", "discord"), ("nlim", "ntfy"),
            ("nflaky", "ntfy"), ("nauth", "ntfy"), ("both", "ntfy"), ("both", "discord")):
    assert all(st == 1 for _, _, st, _ in rows[key]), (key, rows[key])
print("   delivered: %d discord, %d ntfy requests checked" %
      (len([r for r in log if r["kind"] == "discord"]), len(alln)))
EOF

# A message to a webhook keeps which URL it was made for (the fingerprint the 404's
# suppression keeps too: the same URL), never the URL; a topic names itself.
[ "$(sqlite3 "$T/state/paperboy.db" "select count(distinct o.fingerprint) from outbox o
	join suppressions s on s.subscriber = o.subscriber and s.fingerprint = o.fingerprint
	where o.subscriber = 'dunk' and length(o.fingerprint) = 16")" = 1 ] ||
	fail "the webhook's messages do not keep its URL's fingerprint"
[ "$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where channel = 'discord'
	and (fingerprint is null or fingerprint like '%/%')")" = 0 ] ||
	fail "a Discord message without its URL's fingerprint"
[ "$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where channel = 'ntfy'
	and fingerprint is not null")" = 0 ] || fail "an ntfy message with a fingerprint"

# A webhook Discord says is gone (404), or whose token it refuses (401 50027), is suppressed,
# and only those (not a bare 401, nor a 403); so is an ntfy topic the server refuses us (403
# 40301), not one refused for a wrong token (401): the next run makes no request to it.
[ "$(sqlite3 "$T/state/paperboy.db" "select subscriber, channel, dest, reason from suppressions
	order by subscriber")" = "dtok|discord|webhook|HTTP 401: 50027 Invalid Webhook Token
dunk|discord|webhook|HTTP 404: 10015 Unknown Webhook
nres|ntfy|reserved_cy|HTTP 403: 40301 forbidden" ] ||
	{ sqlite3 "$T/state/paperboy.db" "select * from suppressions" >&2; fail "404: not suppressed"; }
grep -q 'level=warn event=deliver.suppressed subscriber=nres channel=ntfy dest=reserved_cy reason="HTTP 403: 40301 forbidden"' \
	"$T/run1.err" || { grep suppressed "$T/run1.err" >&2; fail "403: the topic's suppression not logged"; }
nres=$(grep -c '"topic": "reserved_cy"' "$T/log.jsonl")
pb run --only nres --feed "$FEED" --date 2024-11-29 --wait 10 > "$T/run403.out" 2> "$T/run403.err" || true
grep -q "event=run.suppressed .*subscriber=nres" "$T/run403.err" ||
	{ tail -n 20 "$T/run403.err" >&2; fail "403: the next run did not skip the topic"; }
[ "$(grep -c '"topic": "reserved_cy"' "$T/log.jsonl")" = "$nres" ] || fail "403: asked again"
n404=$(grep -c '"hook": "104/unknown"' "$T/log.jsonl")
pb run --only dunk --feed "$FEED" --date 2024-11-29 --wait 10 > "$T/run404.out" 2> "$T/run404.err" || true
grep -q "event=run.suppressed .*subscriber=dunk" "$T/run404.err" ||
	{ tail -n 20 "$T/run404.err" >&2; fail "404: the next run did not skip the webhook"; }
[ "$(grep -c '"hook": "104/unknown"' "$T/log.jsonl")" = "$n404" ] || fail "404: asked again"
# status lists the suppression as it is while the configuration has the gone URL, and as
# outdated, to be lifted by the next run, once the new one is written there (no URL shown)
pb status > "$T/st404.out" 2>&1 || { cat "$T/st404.out" >&2; fail "status 404"; }
grep -Eq '^  dunk +discord +webhook +since .*10015 Unknown Webhook$' "$T/st404.out" ||
	{ cat "$T/st404.out" >&2; fail "status 404: the suppression not listed as it is"; }
DW_UNK="$H/108/ok" pb status > "$T/stnew.out" 2>&1 || { cat "$T/stnew.out" >&2; fail "status new"; }
grep -Eq '^  dunk +discord +webhook +since .*10015 Unknown Webhook \(outdated: webhook changed since; lifted at the next run\)$' \
	"$T/stnew.out" || { cat "$T/stnew.out" >&2; fail "status new: the suppression not outdated"; }
[ "$(grep -c 'outdated' "$T/stnew.out")" = 1 ] || { cat "$T/stnew.out" >&2; fail "status new: outdated others"; }
grep -q "$H" "$T/st404.out" "$T/stnew.out" && fail "status shows a webhook URL"
# subscriber list and show say the same: suppressed, then active with the outdated one noted
pb subscriber list > "$T/sl404.out" 2>&1 || { cat "$T/sl404.out" >&2; fail "subscriber list 404"; }
grep -Eq '^dunk +.*suppressed' "$T/sl404.out" || { cat "$T/sl404.out" >&2; fail "list 404: not suppressed"; }
DW_UNK="$H/108/ok" pb subscriber list > "$T/slnew.out" 2>&1 || { cat "$T/slnew.out" >&2; fail "subscriber list new"; }
grep -E '^dunk ' "$T/slnew.out" | grep -q suppressed && { cat "$T/slnew.out" >&2; fail "list new: still suppressed"; }
grep -Eq '^dunk +.*active' "$T/slnew.out" || { cat "$T/slnew.out" >&2; fail "list new: not active"; }
pb subscriber show dunk > "$T/ss404.out" 2>&1 || { cat "$T/ss404.out" >&2; fail "subscriber show 404"; }
grep -Eq '^suppressed +discord webhook since .*10015 Unknown Webhook$' "$T/ss404.out" ||
	{ cat "$T/ss404.out" >&2; fail "show 404: the suppression not shown as it is"; }
DW_UNK="$H/108/ok" pb subscriber show dunk > "$T/ssnew.out" 2>&1 || { cat "$T/ssnew.out" >&2; fail "subscriber show new"; }
grep -Eq '^suppressed +discord webhook since .*10015 Unknown Webhook \(outdated: webhook changed since; lifted at the next run\)$' \
	"$T/ssnew.out" || { cat "$T/ssnew.out" >&2; fail "show new: the suppression not outdated"; }
grep -q "$H" "$T/sl404.out" "$T/slnew.out" "$T/ss404.out" "$T/ssnew.out" && fail "subscriber list/show shows a webhook URL"
n28=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where subscriber = 'dunk'
	and digest_date = '2024-11-28' and status in (2, 4)")
[ "$n28" -ge 1 ] || fail "404: the lost digest is not in the outbox ($n28)"
# The suppression is that URL's: the team's new webhook, in the configuration where the gone
# one was, is sent the next digest (the suppression lifted, and said so without the URL), and
# first the digest the gone one lost (its part refused, the later ones paused), each part once.
DW_UNK="$H/108/ok" pb run --only dunk --feed "$FEED" --date 2024-11-30 --wait 30 \
	> "$T/runnew.out" 2> "$T/runnew.err" ||
	{ tail -n 20 "$T/runnew.err" >&2; fail "new webhook: run"; }
grep -q "event=run.unsuppressed .*subscriber=dunk channel=discord .*released=$n28 .*webhook changed" \
	"$T/runnew.err" || { tail -n 20 "$T/runnew.err" >&2; fail "new webhook: not said"; }
$PY - "$T/log.jsonl" "$T/state/paperboy.db" <<'EOF' || { tail -n 20 "$T/runnew.err" >&2; fail "new webhook: the lost digest"; }
import json, sqlite3, sys
log = [json.loads(l) for l in open(sys.argv[1])]
db = sqlite3.connect(sys.argv[2])
rows = db.execute("SELECT digest_date, part, status FROM outbox WHERE subscriber = 'dunk'"
                  " ORDER BY digest_date, part").fetchall()
assert rows and all(st == 1 for _, _, st in rows), ("dunk's digests not all sent", rows)
assert sorted({d for d, _, _ in rows}) == ["2024-11-28", "2024-11-30"], rows
new = [r for r in log if r["kind"] == "discord" and r["hook"] == "108/ok"]
assert all(r["status"] == 200 for r in new) and len(new) == len(rows), (len(new), rows)
# in order: the lost digest's parts, then the new day's, none twice
bodies = [r["body"]["content"] for r in new]
assert len(set(bodies)) == len(bodies), "a part sent twice"
n28 = len([1 for d, _, _ in rows if d == "2024-11-28"])
assert "2024-11-28" in bodies[0] and "2024-11-30" in bodies[n28], bodies
assert not any("2024-11-30" in b for b in bodies[:n28]), bodies
print("   new webhook: %d part(s) of the lost digest, then %d of the new day's" %
      (n28, len(rows) - n28))
EOF
grep -q "$H" "$T/runnew.err" && fail "new webhook: its URL reached the log"
grep -q '"hook": "108/ok".*"status": 200' "$T/log.jsonl" ||
	{ tail -n 20 "$T/runnew.err" >&2; fail "new webhook: nothing sent to it"; }
[ "$(grep -c '"hook": "104/unknown"' "$T/log.jsonl")" = "$n404" ] ||
	fail "new webhook: the gone one asked"
[ "$(sqlite3 "$T/state/paperboy.db" "select count(*) from suppressions
	where subscriber = 'dunk'")" = 0 ] || fail "new webhook: still suppressed"

# status shows the final failures with the services' words; retry puts them back
pb status --errors 10 > "$T/status.out" 2>&1 || true
grep -q "10015 Unknown Webhook" "$T/status.out" || { cat "$T/status.out" >&2; fail "status: Discord's words"; }
grep -q "40301 forbidden" "$T/status.out" || { cat "$T/status.out" >&2; fail "status: ntfy's words"; }
grep -q "$H" "$T/status.out" && fail "status shows a webhook URL"
pb retry > "$T/retry.out" 2>&1 || { cat "$T/retry.out" >&2; fail "retry"; }
n=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0")
[ "$n" -ge 4 ] || fail "retry put back $n messages"

# A wrong token: ntfy's 401 is final, tried once.
sed "s|$T/state|$T/state2|" "$T/pb.conf" > "$T/tok.conf"
NTFY_TOKEN=tk_wrong "$PAPERBOY" -c "$T/tok.conf" run --only nauth --feed "$FEED" --wait 10 \
	> /dev/null 2>&1 && fail "a run with a wrong token exited 0"
[ "$(sqlite3 "$T/state2/paperboy.db" "select status, last_error from outbox")" = \
	"2|HTTP 401: 40101 unauthorized" ] || fail "wrong token: not failed with ntfy's words"
[ "$(grep -c '"topic": "auth_dee".*"status": 401' "$T/log.jsonl")" = 1 ] || fail "wrong token: retried"

# check: a bad topic, a webhook that is not a URL
sed 's/ok_alice/no spaces allowed/' "$T/pb.conf" > "$T/bad1.conf"
"$PAPERBOY" -c "$T/bad1.conf" check > "$T/bad1.out" 2>&1 && fail "check accepted a bad topic"
grep -q "bad1.conf:[0-9]*: subscribers.\[7\].ntfy_topic: subscriber nok: not an ntfy topic name" "$T/bad1.out" ||
	{ cat "$T/bad1.out" >&2; fail "check: bad topic message"; }
DW_OK="not a url" "$PAPERBOY" -c "$T/pb.conf" check > "$T/bad2.out" 2>&1 &&
	fail "check accepted a webhook that is not a URL"
grep -q "discord_webhook.*not an http(s) URL" "$T/bad2.out" || { cat "$T/bad2.out" >&2; fail "check: webhook message"; }
exit 0
