#!/bin/sh
# The generic JSON webhook against a local receiver (tests/lib/feishu_server.py): real digests
# from the fixture feed via `run --feed`, one request each holding the digest's JSON document
# (every paper, a hostile title as its exact text, no raw < > &), X-Paperboy-Delivery set to the
# outbox id, signatures verified as documented (a retry signed anew; a wrong secret: 401, failed
# at once), 429 with Retry-After honoured, 408 and 503 tried again, 410/400/301 failed at once
# with the answer's words (the redirect not followed), `status` and `retry`, pacing per URL,
# `preview --format webhook`, and `check`.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-webhook.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "59-webhook: FAIL: $*" >&2; exit 1; }
cd "$T"

$PY "$PB_TESTS/lib/feishu_server.py" --port-file port --log arrivals.jsonl \
	--wh-secret wok=WSEC-good --wh-secret wrong=WSEC-other --wh-secret rls=WSEC-good --timeout 120 2>server.err &
pids="$pids $!"
i=0
while [ ! -s port ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat port)

$PY - "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" feed.xml <<'EOF'
import sys
d = open(sys.argv[1], encoding="utf-8").read()
old = "<title>GLS: Geometry-aware 3D Language Gaussian Splatting</title>"
assert old in d
d = d.replace(old, "<title>GLS &lt;img src=x onerror=alert(1)&gt; &amp; \"q\" **now** "
                   "[Verify](https://phish.example/x): Geometry-aware 3D Language Gaussian "
                   "Splatting</title>", 1)
open(sys.argv[2], "w", encoding="utf-8").write(d)
EOF

mkdir -p hooks
umask 077
for h in ok/wok ok/wrong ok/shared ratelimit/rl ratelimit/rls flaky/fl timeout/tm gone/gn bad/bd moved/mv; do
	echo "http://127.0.0.1:$P/webhook/$h" > "hooks/${h#*/}"
done
export WH_SECRET=WSEC-good
sub() {  # sub NAME HOOK MAX [extra]
	echo "  { name = \"$1\"; webhook_url_file = \"$T/hooks/$2\"; max_papers = $3; $4"
	echo "    topics = ( { name = \"3D\"; query = \"ti:\\\"gaussian splatting\\\" OR ti:3D\"; },"
	echo "               { name = \"Video\"; query = \"ti:video\"; } ); },"
}
{
	echo "state_dir = \"$T/state\";"
	echo "arxiv = { categories = [\"cs.CV\"]; };"
	echo "file = { enabled = false; };"
	echo "delivery = { retry_base_s = 1; max_attempts = 4; };"
	echo "subscribers = ("
	sub wok wok 25 "webhook_secret_env = \"WH_SECRET\";"
	sub wrong wrong 2 "webhook_secret_env = \"WH_SECRET\";"
	sub sh1 shared 2 ""
	sub sh2 shared 3 ""
	sub sh3 shared 4 ""
	sub rl rl 2 ""
	sub rls rls 1 "webhook_secret_env = \"WH_SECRET\";"
	sub fl fl 2 ""
	sub tm tm 2 ""
	sub gn gn 2 ""
	sub bd bd 2 ""
	echo "  { name = \"mv\"; webhook_url_file = \"$T/hooks/mv\"; max_papers = 1;"
	echo "    topics = ( { name = \"3D\"; query = \"ti:3D\"; } ); }"
	echo ");"
} > pb.conf

"$PAPERBOY" -c pb.conf check > check.out 2> check.err || { cat check.err >&2; fail "check"; }
grep -q "^channels: .*webhook 12" check.out || { cat check.out >&2; fail "check: webhook 12"; }
"$PAPERBOY" -c pb.conf preview --subscriber wok --format webhook --feed feed.xml > preview.jsonl \
	2> preview.err || { cat preview.err >&2; fail "preview"; }
[ "$(wc -l < preview.jsonl)" = 1 ] || fail "preview: one body, one line"

rc=0
"$PAPERBOY" -c pb.conf run --feed feed.xml --wait 20 > run1.out 2> run1.err || rc=$?
case $rc in 0|69|75) ;; *) cat run1.err >&2; fail "run exit $rc" ;; esac
grep -q "/webhook/" run1.err && fail "a webhook URL reached the log"
grep -q "WSEC-good" run1.err && fail "the secret reached the log"
sleep 0.5

matched=$(sed -n 's/.*event=digest.enqueued subscriber=wok .*matched=\([0-9]*\).*/\1/p' run1.err)
[ -n "$matched" ] || fail "no digest for wok"
$PY - arrivals.jsonl state/paperboy.db preview.jsonl "$matched" <<'EOF' || { tail -n 20 run1.err >&2; fail "arrivals"; }
import json, os, sqlite3, sys
sys.path.insert(0, os.environ["PB_TESTS"] + "/lib"); from pacing import check_paced
log = [json.loads(l) for l in open(sys.argv[1])]
db = sqlite3.connect(sys.argv[2])
rows = {s: (mid, st, err) for s, mid, st, err in db.execute(
    "SELECT subscriber, msg_id, status, last_error FROM outbox WHERE channel = 'webhook'")}
assert all(s in rows for s in ("wok", "wrong", "sh1", "rl", "gn", "mv")), rows.keys()
def name(n):
    return [r for r in log if r["kind"] == "webhook" and r["name"] == n]

for r in log:
    assert r["ctype"] == "application/json; charset=utf-8", r["ctype"]

# the signed digest: verified, one request, the outbox id, the same document as the preview
w = name("wok")
assert len(w) == 1 and w[0]["status"] == 204 and w[0]["sig_ok"] is True, w
assert w[0]["delivery"] == rows["wok"][0] == "2024-11-28/wok/webhook/webhook/1", (w[0]["delivery"], rows["wok"])
doc = w[0]["body"]
assert doc == json.loads(open(sys.argv[3]).read()), "the request is the previewed document"
assert doc["version"] == 1 and doc["subscriber"] == "wok" and doc["date"] == "2024-11-28"
assert len(doc["papers"]) == 25 and doc["more"] == int(sys.argv[4]) - 25, (doc["more"], sys.argv[4])
for p in doc["papers"]:
    assert p["url"] == "https://arxiv.org/abs/%sv%d" % (p["id"], p["version"]), p["url"]
    assert p["title"] and p["authors"] and p["abstract"] and p["categories"], p["id"]
    assert p["primary"] == p["categories"][0] and p["topic"] in ("3D", "Video")
# the hostile title is its exact text
t = [p["title"] for p in doc["papers"] if p["id"] == "2411.18066"]
assert t == ['GLS <img src=x onerror=alert(1)> & "q" **now** [Verify](https://phish.example/x): '
             'Geometry-aware 3D Language Gaussian Splatting'], t
assert all(r["size"] > 0 for r in w)
# a wrong secret: 401, once, failed with the receiver's words
x = name("wrong")
assert [r["status"] for r in x] == [401] and x[0]["sig_ok"] is False, x
assert rows["wrong"][1:] == (2, "HTTP 401: signature does not match"), rows["wrong"]
# unsigned requests carry no signature headers
assert not any(r["signed"] for r in name("shared")), "signed without a secret"
# pacing per URL: three subscribers share one URL, a second apart
s = name("shared")
assert len(s) == 3 and all(r["status"] == 204 for r in s), s
check_paced([r["t"] for r in s], 1.0, "one request a second per URL")
assert sorted(r["delivery"] for r in s) == sorted(rows[k][0] for k in ("sh1", "sh2", "sh3"))
# 429 with Retry-After, 503, 408: tried again, delivered once
for n_, first in (("rl", 429), ("fl", 503), ("tm", 408)):
    a = name(n_)
    assert [r["status"] for r in a] == [first, 204], (n_, a)
    assert a[0]["delivery"] == a[1]["delivery"], "the same delivery id on a retry"
    assert rows[n_][1] == 1, rows[n_]
rl = name("rl")
assert rl[1]["t"] - rl[0]["t"] >= 2.0, ("Retry-After honoured", rl[1]["t"] - rl[0]["t"])
# a signed request retried is signed anew, when it is sent
r2 = name("rls")
assert [(r["status"], r["sig_ok"]) for r in r2] == [(429, True), (204, True)], r2
assert int(r2[1]["timestamp"]) >= int(r2[0]["timestamp"]) + 2, [r["timestamp"] for r in r2]
# 410, 400, 301: failed at once with the answer's words; the redirect is not followed
for n_, words in (("gn", "HTTP 410: gone: this hook was deleted on 2024-11-01 by its owner"),
                  ("bd", "HTTP 400: bad request: the field papers is not expected here"),
                  ("mv", "HTTP 301: moved")):
    assert len(name(n_)) == 1, (n_, name(n_))
    assert rows[n_][1:] == (2, words), rows[n_]
print("   webhook ok: %d requests checked" % len(log))
EOF

"$PAPERBOY" -c pb.conf status --errors 20 > status.out 2> status.err || true
grep -q "HTTP 410: gone: this hook was deleted" status.out || { cat status.out >&2; fail "status"; }
"$PAPERBOY" -c pb.conf retry --subscriber gn > retry.out 2> retry.err || fail "retry: exit $?"
rc=0
"$PAPERBOY" -c pb.conf run --feed feed.xml --wait 5 > run2.out 2> run2.err || rc=$?
[ "$(grep -c '"name": "gn"' arrivals.jsonl)" = 2 ] || fail "retry: gn not tried again"
[ "$(grep -c '"name": "wok"' arrivals.jsonl)" = 1 ] || fail "second run: wok sent twice"

cat > bad.conf <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
subscribers = ( { name = "x";
  webhook_url_env = "PB_WH_NOT_URL";
  topics = ( { name = "t"; query = "ti:x"; } ); } );
EOF
PB_WH_NOT_URL="ftp://example.org/hook" "$PAPERBOY" -c bad.conf check > /dev/null 2> bad.err &&
	fail "check: an ftp webhook passed"
grep -q "bad.conf:4: subscribers.\[0\].webhook_url.*not an http(s) URL" bad.err ||
	{ cat bad.err >&2; fail "check: not a URL message"; }
echo "   webhook ok: status, retry, second run, check"
exit 0
