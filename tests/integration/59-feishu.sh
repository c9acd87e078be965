#!/bin/sh
# Feishu/Lark custom bots against a local stand-in (tests/lib/feishu_server.py) answering as
# Feishu documents them: real digests from the fixture feed via `run --feed`, every body within
# 20 KB, parts in order with every paper and no contents list, a hostile title kept as text
# (no mention, no markup, no link off arXiv), signed bodies verified as Feishu verifies them (a
# retry signed anew; a wrong secret: 19021, failed at once), the gateway's 429 with
# x-ogw-ratelimit-reset honoured, 11232 put off a minute, keyword/IP/parameter errors failed at
# once with Feishu's words and not retried, a bot removed from its group (19001, token invalid) suppressed and asked no more,
# `status` and `retry`, pacing per bot, `preview --format feishu`, and `check`.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-feishu.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "59-feishu: FAIL: $*" >&2; exit 1; }
cd "$T"

$PY "$PB_TESTS/lib/feishu_server.py" --port-file port --log arrivals.jsonl \
	--secret oksig=SEC-good --secret okwrong=SEC-other --secret limitsig=SEC-good --timeout 120 2>server.err &
pids="$pids $!"
i=0
while [ ! -s port ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat port)

# The fixture feed, with a hostile title: a Feishu mention, Markdown and a phishing link.
$PY - "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" feed.xml <<'EOF'
import sys
d = open(sys.argv[1], encoding="utf-8").read()
old = "<title>GLS: Geometry-aware 3D Language Gaussian Splatting</title>"
assert old in d
d = d.replace(old, "<title>GLS &lt;at user_id=\"all\"&gt;all&lt;/at&gt; **now** "
                   "[Verify](https://phish.example/x): Geometry-aware 3D Language Gaussian "
                   "Splatting</title>", 1)
open(sys.argv[2], "w", encoding="utf-8").write(d)
EOF

mkdir -p hooks
for h in okbig oksig okwrong limit1 limitsig kw1 ip1 bad1 flaky1 busy1; do
	umask 077
	echo "http://127.0.0.1:$P/open-apis/bot/v2/hook/$h" > "hooks/$h"
done
export FS_SECRET=SEC-good
sub() {  # sub NAME HOOK MAX [extra]
	echo "  { name = \"$1\"; feishu_webhook_file = \"$T/hooks/$2\"; max_papers = $3; $4"
	echo "    topics = ( { name = \"3D\"; query = \"ti:\\\"gaussian splatting\\\" OR ti:3D\"; },"
	echo "               { name = \"Video\"; query = \"ti:video\"; } ); },"
}
{
	echo "state_dir = \"$T/state\";"
	echo "arxiv = { categories = [\"cs.CV\"]; };"
	echo "file = { enabled = false; };"
	echo "delivery = { retry_base_s = 1; max_attempts = 4; };"
	echo "subscribers = ("
	sub big okbig 25 ""
	sub sig oksig 3 "feishu_secret_env = \"FS_SECRET\";"
	sub wrong okwrong 2 "feishu_secret_env = \"FS_SECRET\";"
	sub lim limit1 12 ""
	sub limsig limitsig 1 "feishu_secret_env = \"FS_SECRET\";"
	sub kw kw1 2 ""
	sub ip ip1 2 ""
	sub bad bad1 2 ""
	sub flaky flaky1 2 ""
	echo "  { name = \"busy\"; feishu_webhook_file = \"$T/hooks/busy1\"; max_papers = 2;"
	echo "    topics = ( { name = \"3D\"; query = \"ti:3D\"; } ); }"
	echo ");"
} > pb.conf

"$PAPERBOY" -c pb.conf check > check.out 2> check.err || { cat check.err >&2; fail "check"; }
grep -q "^channels: .*feishu 10" check.out || { cat check.out >&2; fail "check: feishu 10"; }

"$PAPERBOY" -c pb.conf preview --subscriber big --format feishu --feed feed.xml > preview.jsonl \
	2> preview.err || { cat preview.err >&2; fail "preview"; }
"$PAPERBOY" -c pb.conf preview --subscriber big --format webhook --feed feed.xml > big.json \
	2> preview.err || { cat preview.err >&2; fail "preview webhook"; }
$PY - preview.jsonl <<'EOF' || fail "preview: one body a line, each a post within 20 KB"
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"" and len(lines) > 2, len(lines)
for l in lines[:-1]:
    assert len(l) <= 20000, len(l)
    assert json.loads(l)["msg_type"] == "post"
EOF

rc=0
"$PAPERBOY" -c pb.conf run --feed feed.xml --wait 20 > run1.out 2> run1.err || rc=$?
case $rc in 0|69|75) ;; *) cat run1.err >&2; fail "run exit $rc" ;; esac
grep -q "hook/" run1.err && fail "a webhook URL reached the log"
grep -q "SEC-good" run1.err && fail "the secret reached the log"
sleep 0.5

$PY - arrivals.jsonl state/paperboy.db big.json <<'EOF' || { tail -n 20 run1.err >&2; fail "arrivals"; }
import json, os, sqlite3, sys, time
sys.path.insert(0, os.environ["PB_TESTS"] + "/lib"); from pacing import check_paced
log = [json.loads(l) for l in open(sys.argv[1])]
db = sqlite3.connect(sys.argv[2])
rows = {}
for sub, part, n, st, err, nxt in db.execute(
        "SELECT subscriber, part, n_parts, status, last_error, next_attempt FROM outbox "
        "WHERE channel = 'feishu'"):
    rows[(sub, part)] = (n, st, err, nxt)
def hook(h):
    return [r for r in log if r["hook"] == h]
def title(r):
    return r["body"]["content"]["post"]["zh_cn"]["title"]
def texts(r):
    out = []
    for para in r["body"]["content"]["post"]["zh_cn"]["content"]:
        out.append("".join(e["text"] for e in para))
    return "\n".join(out)
def hrefs(r):
    return [e["href"] for para in r["body"]["content"]["post"]["zh_cn"]["content"]
            for e in para if e["tag"] == "a"]

for r in log:
    assert r["size"] <= 20000, ("body over 20 KB", r["hook"], r["size"])
    if r["code"] == 0 and r["status"] == 200:
        assert r["problems"] == [], (r["hook"], r["problems"])
        assert all(h.startswith("https://arxiv.org/") for h in hrefs(r)), hrefs(r)

# big: every part once, in order, each paper of the digest in rank order, paced
b = hook("okbig")
n = rows[("big", 1)][0]
assert n >= 3, ("several parts", n)
assert [r["code"] for r in b] == [0] * n, [r["code"] for r in b]
base = json.load(open(sys.argv[3]))["title"]
assert [title(r) for r in b] == ["%s (%d/%d)" % (base, i, n) for i in range(1, n + 1)], \
    [title(r) for r in b]
check_paced([r["t"] for r in b], 0.65, "650 ms between messages to one bot")
alltext = "\n".join(texts(r) for r in b)
# the chat Markdown: no contents list whose titles lead nowhere in a post, no rules
assert "Table of Contents" not in alltext and "———" not in alltext, "a contents list or a rule"
papers = json.load(open(sys.argv[3]))["papers"]
assert len(papers) == 25, len(papers)
at = alltext.index("Papers")
for p in papers:
    j = alltext.find(p["title"], at)
    assert j >= 0, ("paper missing or out of order", p["title"])
    at = j + 1
links = {h for r in b for h in hrefs(r)}
assert {p["url"] for p in papers} <= links, "a paper's arXiv link is missing"

# the hostile title is text: the mention and the Markdown as written, no phishing link
hostile = [r for r in b if "Verify" in texts(r)]
assert hostile, "the hostile paper is in the digest"
for r in hostile:
    assert '<at user_id="all">all</at> **now** [Verify](https://phish.example/x)' in texts(r)
    assert not any("phish" in h for h in hrefs(r))

# signed as Feishu verifies it
s = hook("oksig")
assert s and all(r["signed"] and r["code"] == 0 for r in s), s
# a wrong secret: 19021, once per message, failed with Feishu's words
w = hook("okwrong")
nw = rows[("wrong", 1)][0]
assert [r["code"] for r in w] == [19021] * nw, [r["code"] for r in w]
for p in range(1, nw + 1):
    assert rows[("wrong", p)][1] == 2, rows[("wrong", p)]
    assert rows[("wrong", p)][2] == ("19021 sign match fail or timestamp is not within one "
                                     "hour from current time"), rows[("wrong", p)]
# keyword, IP, parameters: failed at once, never retried
for h, sub, words in (("kw1", "kw", "19024 Key Words Not Found"),
                      ("ip1", "ip", "19022 Ip Not Allowed"),
                      ("bad1", "bad", "19001 param invalid: incoming webhook access token invalid")):
    n_sub = rows[(sub, 1)][0]
    assert len(hook(h)) == n_sub, (h, len(hook(h)))
    assert all(rows[(sub, p)][1:3] == (2, words) for p in range(1, n_sub + 1)), \
        [rows[(sub, p)] for p in range(1, n_sub + 1)]
# the gateway's 429: x-ogw-ratelimit-reset (2 s) waited, then every part once, in order
l = hook("limit1")
nl = rows[("lim", 1)][0]
assert l[0]["status"] == 429 and l[0]["code"] == 99991400, l[0]
ok = [r for r in l if r["code"] == 0]
assert [title(r) for r in ok] == [base if nl == 1 else "%s (%d/%d)" % (base, i, nl)
                                  for i in range(1, nl + 1)], [title(r) for r in ok]
assert l[1]["t"] - l[0]["t"] >= 2.0, ("x-ogw-ratelimit-reset honoured", l[1]["t"] - l[0]["t"])
assert len(l) == nl + 1, ("nothing twice", len(l), nl)
# a signed message retried is signed anew, when it is sent: a later timestamp, still valid
ls_ = hook("limitsig")
assert [(r["status"], r["code"]) for r in ls_] == [(429, 99991400), (200, 0)], ls_
assert all(r["signed"] for r in ls_), ls_
assert int(ls_[1]["body"]["timestamp"]) >= int(ls_[0]["body"]["timestamp"]) + 2, \
    [r["body"]["timestamp"] for r in ls_]
assert ls_[1]["body"]["sign"] != ls_[0]["body"]["sign"]
# a 502 from a gateway: tried again
f = hook("flaky1")
assert f[0]["status"] == 502 and all(r["code"] == 0 for r in f[1:]), f
assert all(rows[("flaky", p)][1] == 1 for p in range(1, rows[("flaky", 1)][0] + 1))
# 11232: put off a minute (no hint from Feishu), not failed, not sent twice
u = hook("busy1")
assert [r["code"] for r in u] == [11232], [r["code"] for r in u]
n_, st, err, nxt = rows[("busy", 1)]
assert st == 0 and err.startswith("11232 frequency limited"), rows[("busy", 1)]
assert nxt - u[0]["t"] >= 59, ("a minute", nxt - u[0]["t"])
for sub in ("big", "sig", "lim", "flaky"):
    assert all(v[1] == 1 for k, v in rows.items() if k[0] == sub), sub
print("   feishu ok: %d requests checked, %d parts for big" % (len(log), n))
EOF

# status shows the failures in Feishu's words; retry puts them back, and they are tried again
"$PAPERBOY" -c pb.conf status --errors 20 > status.out 2> status.err || true
grep -q "19024 Key Words Not Found" status.out || { cat status.out >&2; fail "status: words"; }
grep -q "19021 sign match fail" status.out || fail "status: sign"
# the bot removed from its group is suppressed; the keyword, IP and signature refusals are not
sup=$(sqlite3 state/paperboy.db "select subscriber || ' ' || channel || ' ' || reason from suppressions order by 1;")
printf '%s\n' "$sup" | grep -q "^bad feishu 19001 param invalid: incoming webhook access token invalid$" ||
	{ echo "$sup" >&2; fail "19001 (token invalid) not suppressed"; }
[ "$(printf '%s\n' "$sup" | wc -l)" = 1 ] || { echo "$sup" >&2; fail "suppressed more than the bot gone"; }
n_bad=$(grep -c '"hook": "bad1"' arrivals.jsonl)
"$PAPERBOY" -c pb.conf retry --subscriber bad > retry.out 2> retry.err || fail "retry bad: exit $?"
[ "$(sqlite3 state/paperboy.db "select distinct status from outbox where subscriber = 'bad';")" = 2 ] ||
	fail "retry put back a message of a suppressed bot"
n_kw=$(grep -c '"hook": "kw1"' arrivals.jsonl)
"$PAPERBOY" -c pb.conf retry --subscriber kw > retry.out 2> retry.err || fail "retry: exit $?"
rc=0
"$PAPERBOY" -c pb.conf run --feed feed.xml --wait 5 > run2.out 2> run2.err || rc=$?
[ "$(grep -c '"hook": "kw1"' arrivals.jsonl)" -gt "$n_kw" ] || fail "retry: kw not tried again"
[ "$(grep -c '"hook": "bad1"' arrivals.jsonl)" = "$n_bad" ] || fail "a suppressed bot asked again"
# the second run sends nothing to the bots that took their digest
$PY - arrivals.jsonl <<'EOF' || fail "second run: a message sent twice"
import json, sys, collections
c = collections.Counter()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["code"] == 0 and r["status"] == 200:
        c[(r["hook"], r["body"]["content"]["post"]["zh_cn"]["title"])] += 1
assert c and max(c.values()) == 1, [k for k, v in c.items() if v > 1]
EOF

# check: a webhook written in the config itself, and one that is not a URL, name the place
cat > bad1.conf <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
subscribers = ( { name = "x"; feishu_webhook = "https://open.feishu.cn/open-apis/bot/v2/hook/x";
  topics = ( { name = "t"; query = "ti:x"; } ); } );
EOF
"$PAPERBOY" -c bad1.conf check > /dev/null 2> bad1.err && fail "check: an inline webhook passed"
grep -q "bad1.conf:3: subscribers.\[0\].feishu_webhook: .*feishu_webhook_env" bad1.err ||
	{ cat bad1.err >&2; fail "check: inline webhook message"; }
cat > bad2.conf <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
subscribers = ( { name = "x";
  feishu_webhook_env = "PB_FS_NOT_URL";
  topics = ( { name = "t"; query = "ti:x"; } ); } );
EOF
PB_FS_NOT_URL="open.feishu.cn/open-apis/bot/v2/hook/x" "$PAPERBOY" -c bad2.conf check \
	> /dev/null 2> bad2.err && fail "check: a webhook without a scheme passed"
grep -q "bad2.conf:4: subscribers.\[0\].feishu_webhook.*not an http(s) URL" bad2.err ||
	{ cat bad2.err >&2; fail "check: not a URL message"; }
echo "   feishu ok: status, retry, second run, check"
exit 0
