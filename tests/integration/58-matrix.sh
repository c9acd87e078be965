#!/bin/sh
# Matrix delivery against a local homeserver stand-in (tests/lib/matrix_server.py) on
# 127.0.0.1: real digests from the fixture feed sent as m.room.message events (parts within
# 16 KB of HTML and the 65,536-byte event limit, in order, titles and arXiv links readable, the
# HTML only tags Matrix clients accept), hostile paper text neither markup nor a mention,
# M_LIMIT_EXCEEDED's retry_after_ms honoured, 403 M_FORBIDDEN pausing its room, 404
# M_NOT_FOUND and 401 M_UNKNOWN_TOKEN failed at once with the server's words and not retried
# (`status` shows them, `retry` puts them back), pacing per room and per homeserver, a message
# sent again with its transaction id stored once, `preview --format matrix` and `check`.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-matrix.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "58-matrix: FAIL: $*" >&2; exit 1; }

TOKEN='syt_cGFwZXJib3k_secretTOKEN_1234'
$PY "$PB_TESTS/lib/matrix_server.py" --port-file "$T/port" --log "$T/hs.jsonl" \
	--token "$TOKEN" --limit-ms 2000 --timeout 120 2>"$T/hs.err" &
pids="$pids $!"
i=0
while [ ! -s "$T/port" ]; do
	i=$((i + 1)); [ $i -le 300 ] || fail "the stand-in did not start"
	sleep 0.1
done
P=$(cat "$T/port")

# The hostile feed: the 4-item fixture with HTML, a mention, Markdown and links in a title.
$PY - "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" \
	"$T/hostile.xml" <<'EOF'
import sys
from xml.sax.saxutils import escape
d = open(sys.argv[1], encoding="utf-8").read()
bad = ('<script>alert(1)</script> @room <a href="https://evil.example/">click</a> R&D '
       '<img src=x onerror=alert(1)> **bold** [x](https://evil.example/)')
d = d.replace("<title>The Drift Contract:", "<title>The Drift " + escape(bad) + " Contract:", 1)
open(sys.argv[2], "w", encoding="utf-8").write(d)
EOF

conf() {  # conf FILE STATE TOKEN_ENV
	cat >"$1" <<EOF
state_dir = "$2";
arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; fill_metadata = false; };
file = { enabled = false; };
matrix = { homeserver = "http://127.0.0.1:$P/"; token_env = "$3"; };
delivery = { retry_base_s = 1; matrix_room_interval_ms = 1000; matrix_interval_ms = 100;
             max_total = 8; };
subscribers = (
  { name = "alice"; matrix_room = "!ok-alice:localhost"; max_papers = 40;
    topics = ( { name = "cv"; query = "cat:cs.CV"; } ); },
  { name = "bob"; matrix_room = "!limited-bob:localhost"; max_papers = 12;
    topics = ( { name = "lg"; query = "cat:cs.LG"; } ); },
  { name = "carol"; matrix_room = "!forbidden-carol:localhost"; max_papers = 20;
    topics = ( { name = "ro"; query = "cat:cs.RO"; } ); },
  { name = "dave"; matrix_room = "!gone-dave:localhost"; max_papers = 20;
    topics = ( { name = "ro"; query = "cat:cs.RO"; } ); },
  { name = "erin"; matrix_room = "!flaky-erin:localhost"; max_papers = 5;
    topics = ( { name = "cv"; query = "cat:cs.CV"; } ); },
  { name = "hostile"; matrix_room = "!ok-hostile:localhost";
    topics = ( { name = "drift"; query = "ti:drift"; } ); }
);
EOF
}
conf "$T/pb.conf" "$T/state" PB_MX_TOKEN
export PB_MX_TOKEN="$TOKEN"
"$PAPERBOY" -c "$T/pb.conf" check >"$T/check.out" 2>&1 || { cat "$T/check.out" >&2; fail "check"; }
grep -q "matrix 6" "$T/check.out" || { cat "$T/check.out" >&2; fail "check counts the rooms"; }

# preview: the events' contents, one per line, each valid JSON.
"$PAPERBOY" -c "$T/pb.conf" preview --subscriber alice --format matrix --feed "$FEED" \
	>"$T/preview.jsonl" 2>"$T/preview.err" || fail "preview --format matrix"
$PY - "$T/preview.jsonl" <<'EOF' || fail "preview output"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 2, len(lines)
for l in lines:
    ev = json.loads(l)
    assert ev["msgtype"] == "m.notice" and ev["format"] == "org.matrix.custom.html", ev.keys()
    assert ev["m.mentions"] == {} and ev["body"] and ev["formatted_body"]
EOF

"$PAPERBOY" -c "$T/pb.conf" run --feed "$FEED" --wait 20 >"$T/run1.out" 2>"$T/run1.err" || true
"$PAPERBOY" -c "$T/pb.conf" run --feed "$T/hostile.xml" --only hostile --wait 10 >"$T/run2.out" 2>"$T/run2.err" \
	|| true
grep -q "$TOKEN" "$T/run1.err" "$T/run2.err" && fail "the access token reached the log"
sqlite3 -separator '|' "$T/state/paperboy.db" "select dest, part, n_parts, status, \
	coalesce(last_error, ''), msg_id from outbox where channel = 'matrix' order by dest, part;" \
	>"$T/outbox.txt"

$PY - "$T/hs.jsonl" "$T/outbox.txt" <<'EOF' || { tail -n 20 "$T/run1.err" >&2; fail "delivery"; }
import collections, json, os, re, sys
sys.path.insert(0, os.environ["PB_TESTS"] + "/lib"); from pacing import check_paced
log = [json.loads(l) for l in open(sys.argv[1])]
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[2])]
by_room = collections.defaultdict(list)
for r in log:
    by_room[r["room"]].append(r)
want = collections.defaultdict(list)
for dest, part, n, st, err, mid in rows:
    want[dest].append((int(part), int(n), int(st), err))

def gaps(rs):
    return [b["t"] - a["t"] for a, b in zip(rs, rs[1:])]

# Every stored event once: no transaction stored twice, one stored event per sent part.
stored = [r for r in log if r["stored"]]
keys = collections.Counter((r["room"], r["txn"]) for r in stored)
assert max(keys.values()) == 1, [k for k, v in keys.items() if v > 1]
for room in ("!ok-alice:localhost", "!limited-bob:localhost", "!flaky-erin:localhost",
             "!ok-hostile:localhost"):
    parts = want[room]
    assert parts and all(st == 1 for _, _, st, _ in parts), (room, parts)
    ev = [r for r in by_room[room] if r["stored"]]
    assert len(ev) == len(parts), (room, len(ev), len(parts))
    # Parts in order: the papers' numbers run 1, 2, 3, ... across the events.
    nums = [int(m) for r in ev for m in re.findall(r"(?m)^(\d+)\. .*\(https://arxiv\.org/abs/",
                                                   r["content"]["body"])]
    assert nums == list(range(1, len(nums) + 1)), (room, nums)
    for r in ev:
        c = r["content"]
        assert r["len"] <= 65536 and len(json.dumps(c["formatted_body"])) <= 16384 + 2, r["len"]
        assert not r["html_bad"], (room, r["html_bad"])
        assert c["m.mentions"] == {}, c.get("m.mentions")
    if room != "!ok-hostile:localhost":
        assert len(nums) >= 5, (room, nums)
        assert 'href="https://arxiv.org/abs/' in ev[0]["content"]["formatted_body"]
        assert "(https://arxiv.org/abs/" in ev[0]["content"]["body"]
    # One event per second per room.
    check_paced([r["t"] for r in by_room[room]], 1.0, room)
alice = [r for r in by_room["!ok-alice:localhost"]]
assert len(alice) >= 3, "40 papers take several events"
assert re.search(r"(?m)^1\. \S", alice[0]["content"]["body"])

# M_LIMIT_EXCEEDED: the first request waited for, then everything once.
bob = by_room["!limited-bob:localhost"]
assert bob[0]["status"] == 429 and bob[1]["status"] == 200, [r["status"] for r in bob]
assert bob[1]["txn"] == bob[0]["txn"], "the retry reuses the transaction id"
assert gaps(bob)[0] >= 2.0, ("retry_after_ms 2000 honoured", gaps(bob))
erin = by_room["!flaky-erin:localhost"]
assert [r["status"] for r in erin[:2]] == [502, 200] and gaps(erin)[0] >= 0.7, erin[:2]

# 403 M_FORBIDDEN pauses the room: one request, every part paused.
carol = by_room["!forbidden-carol:localhost"]
assert len(carol) == 1 and carol[0]["status"] == 403, carol
assert all(st == 4 for _, _, st, _ in want["!forbidden-carol:localhost"]), want["!forbidden-carol:localhost"]
assert want["!forbidden-carol:localhost"][0][3].startswith("HTTP 403: M_FORBIDDEN: User @paperboy")
# 404 M_NOT_FOUND is final: each part tried once, failed with the server's words.
dave = by_room["!gone-dave:localhost"]
dparts = want["!gone-dave:localhost"]
assert len(dave) == len(dparts) and len(set(r["txn"] for r in dave)) == len(dave), dave
assert all(st == 2 and err == "HTTP 404: M_NOT_FOUND: Unknown room !gone-dave:localhost"
           for _, _, st, err in dparts), dparts

# Hostile paper text is text: escaped in the HTML, plain in the body, no mention.
h = [r for r in by_room["!ok-hostile:localhost"] if r["stored"]]
fb = "".join(r["content"]["formatted_body"] for r in h)
body = "".join(r["content"]["body"] for r in h)
assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fb and "<script" not in fb, fb[:400]
assert "&lt;img src=x onerror=alert(1)&gt;" in fb and "<img" not in fb
assert "evil.example" in fb and '<a href="https://evil.example' not in fb
assert "**bold** [x](https://evil.example/)" in body
assert "<script>alert(1)</script> @room" in body and "R&D" in body and "R&amp;D" in fb

# Pacing on the homeserver: one event per 100 ms in all.
ts = sorted(r["t"] for r in log if r["room"] != "!ok-hostile:localhost")
check_paced(ts, 0.1, "homeserver pacing")
print("   matrix ok: %d requests, %d events stored, %d rooms" % (len(log), len(stored),
                                                                 len(by_room)))
EOF

"$PAPERBOY" -c "$T/pb.conf" status >"$T/status.out" 2>&1 || true
grep -q "HTTP 404: M_NOT_FOUND: Unknown room" "$T/status.out" || { cat "$T/status.out" >&2; fail "status shows the error"; }

# A message the homeserver stored whose result was never recorded (a crash between the two):
# sent again with the same transaction id, the homeserver keeps one event.
n_alice=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where dest = '!ok-alice:localhost';")
sqlite3 "$T/state/paperboy.db" "update outbox set status = 0, next_attempt = 0 where dest = '!ok-alice:localhost';"
"$PAPERBOY" -c "$T/pb.conf" run --feed "$FEED" --wait 10 >"$T/run3.out" 2>"$T/run3.err" || true
$PY - "$T/hs.jsonl" "$n_alice" <<'EOF' || fail "resent messages"
import collections, json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
a = [r for r in log if r["room"] == "!ok-alice:localhost"]
stored = [r for r in a if r["stored"]]
again = [r for r in a if r["repeat"]]
assert len(stored) == n and len(again) == n, (len(stored), len(again), n)
assert [r["event_id"] for r in again] == [r["event_id"] for r in stored], "same event ids"
print("   resent: %d requests answered with their first event, none stored twice" % len(again))
EOF
[ "$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where dest = '!ok-alice:localhost' and status = 1;")" = "$n_alice" ] \
	|| fail "resent messages not recorded as sent"

# A wrong access token: 401 M_UNKNOWN_TOKEN fails each message at once; retry puts them back.
conf "$T/bad.conf" "$T/state2" PB_MX_BAD
PB_MX_BAD=syt_wrong_token "$PAPERBOY" -c "$T/bad.conf" run --feed "$FEED" --only erin --wait 10 \
	>"$T/bad.out" 2>"$T/bad.err" || true
n_erin=$(sqlite3 "$T/state2/paperboy.db" "select count(*) from outbox where status = 2 and last_error = 'HTTP 401: M_UNKNOWN_TOKEN: Invalid access token passed.';")
[ "$n_erin" -ge 1 ] || { sqlite3 "$T/state2/paperboy.db" "select status, last_error from outbox;" >&2; fail "401 failed"; }
[ "$(grep -c '"errcode": "M_UNKNOWN_TOKEN"' "$T/hs.jsonl")" = "$n_erin" ] || fail "401 retried"
PB_MX_BAD=syt_wrong_token "$PAPERBOY" -c "$T/bad.conf" status 2>&1 | grep -q "M_UNKNOWN_TOKEN" \
	|| fail "status shows M_UNKNOWN_TOKEN"
PB_MX_BAD=syt_wrong_token "$PAPERBOY" -c "$T/bad.conf" retry >/dev/null 2>&1 || fail "retry"
PB_MX_BAD="$TOKEN" "$PAPERBOY" -c "$T/bad.conf" run --feed "$FEED" --only erin --wait 10 \
	>"$T/bad2.out" 2>"$T/bad2.err" || true
[ "$(sqlite3 "$T/state2/paperboy.db" "select count(*) from outbox where status = 1;")" = "$n_erin" ] \
	|| fail "retried messages not sent with the right token"

# check: a room without the matrix group, an alias: file:line:key and the reason.
cat >"$T/nogroup.conf" <<EOF
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
subscribers = ( { name = "a";
  matrix_room = "!abc:example.org";
  topics = ( { name = "t"; query = "ti:x"; } ); } );
EOF
"$PAPERBOY" -c "$T/nogroup.conf" check >"$T/ng.out" 2>&1 && fail "check passed without matrix.homeserver"
grep -q "nogroup.conf:4: subscribers.\[0\].matrix_room: subscriber a: matrix_room given but matrix.homeserver is not set" "$T/ng.out" \
	|| { cat "$T/ng.out" >&2; fail "check: no homeserver"; }
grep -q "matrix.token is not set (as _env or _file)" "$T/ng.out" || fail "check: no token"
sed 's/"!abc:example.org"/"#papers:example.org"/' "$T/nogroup.conf" >"$T/alias.conf"
"$PAPERBOY" -c "$T/alias.conf" check >"$T/alias.out" 2>&1 && fail "check passed an alias"
grep -q "alias.conf:4: subscribers.\[0\].matrix_room: subscriber a: \"#papers:example.org\" is a room alias" "$T/alias.out" \
	|| { cat "$T/alias.out" >&2; fail "check: alias"; }
exit 0
