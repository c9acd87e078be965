#!/bin/sh
# WeCom group robots and DingTalk robots against a local stand-in (tests/lib/cn_robots_server.py)
# answering as their docs say: real digests from the saved feed delivered, each part within the
# service's limit (4,096 content bytes; a 20,000-byte body), in order and readable; hostile
# paper text neither markup nor a mention; the frequency limits (45009, HTTP 429 with
# Retry-After, DingTalk's 130101 and its throttle) waited out and everything delivered once;
# pacing per robot; DingTalk's signature checked the way DingTalk computes it (a wrong secret:
# 310000, final, shown by status, put back by retry); 93000 and 300001 (the robot gone) final at
# once and the robot suppressed, which retry leaves alone;
# preview's bodies; check's summary and its errors (file:line:key); a second run sends nothing.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-robots.XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "54-wecom-dingtalk: FAIL: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
SECRET='SECd1f2a3b4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8'

# The feed with hostile text in one paper's title and abstract.
$PY - "$FEED" "$T/feed.xml" <<'EOF' || fail "cannot write the hostile feed"
import sys
d = open(sys.argv[1], encoding="utf-8").read()
t = "<title>SnapMem: Snapshot-based 3D Scene Memory"
assert d.count(t) == 1
bad = ("SnapMem [Verify your account](https://phish.example/login) **now** &lt;@all&gt; "
       "&lt;font color=\"warning\"&gt;alert&lt;/font&gt; # head `tick` ")
d = d.replace(t, "<title>" + bad + "Snapshot-based 3D Scene Memory", 1)
i = d.index(bad)
j = d.index("Abstract: ", i) + len("Abstract: ")
d = d[:j] + "&gt; quoted &lt;@everyone&gt; [x](https://phish.example/a) ![i](https://phish.example/i.png) " + d[j:]
open(sys.argv[2], "w", encoding="utf-8").write(d)
EOF

$PY "$PB_TESTS/lib/cn_robots_server.py" --port-file "$T/port" --log "$T/arrivals.jsonl" \
  --timeout 120 --window 3 --per-window 3 --throttle 2 --retry-after 2 \
  --dingtalk-secret "signed-dt=$SECRET" --dingtalk-secret "signed-w=$SECRET" \
  --dingtalk-keyword "signed-dt=Machine Learning" 2>"$T/server.err" &
pids="$pids $!"
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1)); [ $i -le 300 ] || fail "the stand-in did not start"
  sleep 0.1
done
P=$(cat "$T/port")
B="http://127.0.0.1:$P"

mkdir -p "$T/s"
secret() {  # secret NAME VALUE: a secret file of mode 0600
  ( umask 077; printf '%s\n' "$2" >"$T/s/$1" )
}
secret wc "$B/cgi-bin/webhook/send?key=ok-wc"
secret w429 "$B/cgi-bin/webhook/send?key=h429-1"
secret wbad "$B/cgi-bin/webhook/send?key=bad-1"
secret whx "$B/cgi-bin/webhook/send?key=ok-hx"
secret dt "$B/robot/send?access_token=signed-dt"
secret dw "$B/robot/send?access_token=signed-w"
secret dn "$B/robot/send?access_token=nosuch-1"
secret dhx "$B/robot/send?access_token=plain-hx"
secret good "$SECRET"
secret wrong "SECwrong0000000000000000000000000000000000000000000000000000000000"
cat >"$T/pb.conf" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; fill_metadata = false; };
file = { enabled = false; };
delivery = { retry_base_s = 1; wecom_interval_ms = 600; wecom_limit_wait_s = 3;
             dingtalk_interval_ms = 600; dingtalk_limit_wait_s = 3; };
subscribers = (
  { name = "wc"; wecom_webhook_file = "$T/s/wc"; max_papers = 8;
    topics = ( { name = "vision"; query = "cat:cs.CV"; } ); },
  { name = "w429"; wecom_webhook_file = "$T/s/w429"; max_papers = 1;
    topics = ( { name = "robots"; query = "cat:cs.RO"; } ); },
  { name = "wbad"; wecom_webhook_file = "$T/s/wbad"; max_papers = 1;
    topics = ( { name = "robots"; query = "cat:cs.RO"; } ); },
  { name = "dt"; dingtalk_webhook_file = "$T/s/dt"; dingtalk_secret_file = "$T/s/good";
    max_papers = 40; topics = ( { name = "learning"; query = "cat:cs.LG"; } ); },
  { name = "dw"; dingtalk_webhook_file = "$T/s/dw"; dingtalk_secret_file = "$T/s/wrong";
    max_papers = 1; topics = ( { name = "robots"; query = "cat:cs.RO"; } ); },
  { name = "dn"; dingtalk_webhook_file = "$T/s/dn"; max_papers = 1;
    topics = ( { name = "robots"; query = "cat:cs.RO"; } ); },
  { name = "hx"; wecom_webhook_file = "$T/s/whx"; dingtalk_webhook_file = "$T/s/dhx";
    topics = ( { name = "memory"; query = "ti:snapmem"; } ); }
);
EOF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }

# check: the summary counts the robots; bad values are named by file, line and key
pb check >"$T/check" 2>&1 || { cat "$T/check" >&2; fail "check"; }
grep -q 'wecom 4, dingtalk 4' "$T/check" || { cat "$T/check" >&2; fail "check summary"; }
secret ftp "ftp://127.0.0.1/robot/send?access_token=x"
sed "s|dingtalk_webhook_file = \"$T/s/dn\"|dingtalk_webhook_file = \"$T/s/ftp\"|" "$T/pb.conf" >"$T/bad1.conf"
rc=0; "$PAPERBOY" -c "$T/bad1.conf" check >"$T/bad1.out" 2>&1 || rc=$?
[ "$rc" = 78 ] || fail "check passed a DingTalk webhook that is not http(s) (rc $rc)"
grep -q "bad1.conf:17: subscribers.\[5\].dingtalk_webhook_file: the webhook from .* is not an http(s) URL" \
  "$T/bad1.out" || { cat "$T/bad1.out" >&2; fail "check: the bad webhook's file:line:key"; }
sed "s|wecom_webhook_file = \"$T/s/wbad\"|wecom_webhook_env = \"PB_NO_SUCH_HOOK\"|" "$T/pb.conf" >"$T/bad2.conf"
rc=0; env -u PB_NO_SUCH_HOOK "$PAPERBOY" -c "$T/bad2.conf" check >"$T/bad2.out" 2>&1 || rc=$?
[ "$rc" = 78 ] && grep -q "bad2.conf:11: subscribers.\[2\].wecom_webhook_env: environment variable PB_NO_SUCH_HOOK is not set" \
  "$T/bad2.out" || { cat "$T/bad2.out" >&2; fail "check: an unset WeCom webhook variable"; }
sed "s|wecom_webhook_file = \"$T/s/wbad\"|wecom_webhook = \"$B/x\"|" "$T/pb.conf" >"$T/bad3.conf"
rc=0; "$PAPERBOY" -c "$T/bad3.conf" check >"$T/bad3.out" 2>&1 || rc=$?
[ "$rc" = 78 ] && grep -q "bad3.conf:11: .*wecom_webhook" "$T/bad3.out" ||
  { cat "$T/bad3.out" >&2; fail "check: a webhook written in the file"; }

# preview: the request bodies, one per line, valid JSON
for sc in wc:wecom dt:dingtalk hx:wecom hx:dingtalk; do
  s=${sc%:*} ch=${sc#*:}
  pb preview --subscriber "$s" --format "$ch" --feed "$T/feed.xml" >"$T/preview-$s-$ch" 2>"$T/preview.err" ||
    { cat "$T/preview.err" >&2; fail "preview $s $ch"; }
  $PY -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/preview-$s-$ch" ||
    fail "preview $s $ch: a line is not JSON"
done
[ "$(wc -l <"$T/preview-wc-wecom")" -ge 3 ] || fail "preview: wc's digest in fewer than 3 WeCom parts"
[ "$(wc -l <"$T/preview-dt-dingtalk")" -ge 3 ] || fail "preview: dt's digest in fewer than 3 DingTalk parts"

start=$(date +%s)
pb run --feed "$T/feed.xml" --wait 60 >"$T/run1.out" 2>"$T/run1.err" || true
took=$(( $(date +%s) - start ))
grep -q "$SECRET" "$T/run1.err" && fail "the DingTalk secret reached the log"
grep -Eq 'key=|access_token=' "$T/run1.err" && fail "a webhook URL reached the log"

$PY - "$T" <<'EOF' || { tail -n 30 "$T/run1.err" >&2; fail "arrivals"; }
import json, os, sqlite3, sys
sys.path.insert(0, os.environ["PB_TESTS"] + "/lib"); from pacing import check_paced
t = sys.argv[1]
log = [json.loads(l) for l in open(os.path.join(t, "arrivals.jsonl"))]
def robot(r):
    return [x for x in log if x["robot"] == r]
def preview(s, ch):
    return [json.loads(l) for l in open(os.path.join(t, "preview-%s-%s" % (s, ch)))]
def gaps(rs):
    return [b["t"] - a["t"] for a, b in zip(rs, rs[1:])]
def text(x):
    m = x["body"]["markdown"]
    return m.get("content", m.get("text"))

assert not [x for x in log if x["errcode"] in (40008, 40035, 40058, 460101)], "malformed or too long"
# delivered whole, in order, once: the accepted bodies are preview's, in its order
for s, ch, r in (("wc", "wecom", "ok-wc"), ("dt", "dingtalk", "signed-dt"),
                 ("hx", "wecom", "ok-hx"), ("hx", "dingtalk", "plain-hx")):
    got = [x["body"] for x in robot(r) if x["errcode"] == 0]
    want = preview(s, ch)
    assert got == want, (r, len(got), len(want))
    for x in robot(r):
        lim = 4096 if ch == "wecom" else 19700
        assert x.get("bytes", 0) <= lim, (r, x.get("bytes"))
    if len(want) > 1:
        check_paced([x["t"] for x in robot(r)], 0.6, "pacing " + r)
# readable: titles and arXiv links
allw = "\n".join(text(x) for x in robot("ok-wc") if x["errcode"] == 0)
assert "](https://arxiv.org/abs/" in allw and "**Authors:**" in allw, allw[:300]
assert "# arXiv Computer Vision" in allw
alld = "\n".join(text(x) for x in robot("signed-dt") if x["errcode"] == 0)
assert "](https://arxiv.org/abs/" in alld
dtitles = [x["body"]["markdown"]["title"] for x in robot("signed-dt") if x["errcode"] == 0]
assert all(tt.startswith("arXiv ") for tt in dtitles) and dtitles[-1].endswith("/%d)" % len(dtitles)), dtitles
assert all(x["signed"] for x in robot("signed-dt")), "unsigned request to a signed robot"
# the frequency limits: waited out (delivery.*_limit_wait_s = 3, Retry-After 2), then sent
w = robot("ok-wc")
i = [k for k, x in enumerate(w) if x["errcode"] == 45009]
assert i, ("the stand-in's WeCom limit never answered 45009", [x["errcode"] for x in w])
for k in i:
    assert w[k + 1]["t"] - w[k]["t"] >= 2.95, ("45009 not waited out", gaps(w))
d = robot("signed-dt")
i = [k for k, x in enumerate(d) if x["errcode"] == 130101]
assert i, ("no 130101", [x["errcode"] for x in d])
for k in i:
    assert d[k + 1]["t"] - d[k]["t"] >= 2.95, ("130101 not waited out", gaps(d))
h = robot("h429-1")
assert [x["status"] for x in h] == [429, 200] and gaps(h)[0] >= 1.95, h
# final answers: one request each
for r, code in (("bad-1", 93000), ("signed-w", 310000), ("nosuch-1", 300001)):
    assert [x["errcode"] for x in robot(r)] == [code], (r, robot(r))
# hostile text: no link off arXiv, no tag, no mention, no bold or heading of its own
for r in ("ok-hx", "plain-hx"):
    for x in robot(r):
        s = text(x)
        assert "SnapMem" in s and "Verify your account" in s, s[:400]
        assert "phish.example" in s  # shown as text ...
        assert "](https://phish" not in s and "<" not in s, s[:600]
        assert "**now**" not in s and "\n# head" not in s and "\n> quoted" not in s
        assert "`tick`" not in s and "\\" not in s
db = sqlite3.connect(os.path.join(t, "state", "paperboy.db"))
rows = {s: (st, err) for s, st, err in db.execute(
    "SELECT subscriber, status, last_error FROM outbox WHERE part = 1")}
assert rows["wbad"][0] == 2 and rows["wbad"][1].startswith("errcode 93000: invalid webhook url"), rows["wbad"]
assert rows["dw"] == (2, "errcode 310000: sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"), rows["dw"]
assert rows["dn"] == (2, "errcode 300001: token is not exist"), rows["dn"]
left = list(db.execute("SELECT subscriber, part, status FROM outbox WHERE status <> 1 "
                       "AND subscriber NOT IN ('wbad', 'dw', 'dn')"))
assert not left, left
print("   robots ok: %d requests, wecom %d parts, dingtalk %d parts" % (
    len(log), len(preview("wc", "wecom")), len(preview("dt", "dingtalk"))))
EOF
echo "   run took ${took} s"
[ "$took" -le 40 ] || fail "the run took ${took} s"

# status shows the final errors in the services' words; retry puts them back
pb status >"$T/status" 2>&1 || true
grep -q "errcode 93000: invalid webhook url" "$T/status" || { cat "$T/status" >&2; fail "status: 93000"; }
grep -q "errcode 310000: sign not match" "$T/status" || { cat "$T/status" >&2; fail "status: 310000"; }
# a reason longer than status shows is cut between characters, never inside one
long=$(/usr/bin/python3 -c 'print("a" * 296 + "\u00e9" + "b" * 200)')
sqlite3 "$T/state/paperboy.db" "update outbox set last_error = '$long' where subscriber = 'wbad' and part = 1;"
pb status >"$T/status2" 2>&1 || true
grep -q "a\{296\}\.\.\." "$T/status2" || { cat "$T/status2" >&2; fail "status: the long reason not cut before its character"; }
/usr/bin/python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/status2" ||
  fail "status: a cut left half a character"
# the robots that are gone are suppressed; one refusing a signature is not
sup=$(sqlite3 "$T/state/paperboy.db" "select subscriber || ' ' || channel || ' ' || reason from suppressions order by 1;")
printf '%s\n' "$sup" | grep -q "^dn dingtalk errcode 300001: token is not exist$" || { echo "$sup" >&2; fail "300001 not suppressed"; }
printf '%s\n' "$sup" | grep -q "^wbad wecom errcode 93000: invalid webhook url" || { echo "$sup" >&2; fail "93000 not suppressed"; }
[ "$(printf '%s\n' "$sup" | wc -l)" = 2 ] || { echo "$sup" >&2; fail "suppressed more than the two robots gone"; }
pb retry --subscriber dw >"$T/retry" 2>&1 || { cat "$T/retry" >&2; fail "retry"; }
[ "$(sqlite3 "$T/state/paperboy.db" "select status from outbox where subscriber = 'dw';")" = 0 ] ||
  fail "retry did not put dw's message back"
pb retry --subscriber dn >"$T/retry" 2>&1 || { cat "$T/retry" >&2; fail "retry dn"; }
[ "$(sqlite3 "$T/state/paperboy.db" "select status from outbox where subscriber = 'dn';")" = 2 ] ||
  fail "retry put back a message of a suppressed robot"

# a second run enqueues nothing new and sends only what retry put back (refused again)
n1=$(wc -l <"$T/arrivals.jsonl")
pb run --feed "$T/feed.xml" --wait 10 >"$T/run2.out" 2>"$T/run2.err" || true
n2=$(wc -l <"$T/arrivals.jsonl")
[ $((n2 - n1)) = 1 ] || fail "the second run made $((n2 - n1)) requests, want 1 (dw's)"
tail -n 1 "$T/arrivals.jsonl" | grep -q '"robot": "signed-w"' || fail "the second run sent something else"
exit 0
