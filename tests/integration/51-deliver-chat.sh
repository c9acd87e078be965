#!/bin/sh
# Slack and Telegram delivery against a local stand-in (tests/lib/chat_server.py) on 127.0.0.1:
# classification of every documented answer, retries that honour Retry-After / retry_after,
# pacing (1/s per webhook and per chat, 20/min per group), parts in order, a group migrated to a
# supergroup followed (chat_id rewritten), a blocked bot and a chat not found pausing their chat
# (its later part sent nowhere), no secret in the log,
# a second run sending nothing, a held part suppressed while it waits releasing the parts
# after it, a webhook's suppression about another URL lifted with what it held sent first,
# and a stopped run resumed without a duplicate.
. "$(dirname "$0")/../lib/drive.sh"

TOKEN='123456:TEST-token-secret'
$PY "$LIB/chat_server.py" --port-file port --log arrivals.jsonl --token "$TOKEN" --timeout 900 &
pids="$pids $!"
i=0
while [ ! -s port ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && fail "chat server did not start"
	sleep 0.1
done
P=$(cat port)

set -- --db chat.db --slack-base "http://127.0.0.1:$P" --telegram-api "http://127.0.0.1:$P" \
	--token "$TOKEN" --retry-base 1 --max-wait 60 \
	--slack ok=/hooks/ok/a:3 --slack inv=/hooks/invalid/b --slack forb=/hooks/forbidden/c \
	--slack nosvc=/hooks/noservice/d --slack arch=/hooks/archived/e \
	--slack rl=/hooks/ratelimit/f:2 --slack flaky=/hooks/flaky/g \
	--telegram tok=777:3 --telegram nf=404001:2 --telegram blk=403001:2 \
	--telegram trl=429001 --telegram grp=-555001:2 --telegram tfl=500001
"$DRIVE" "$@" > run1.out 2> run1.err || { cat run1.err >&2; fail "drive"; }
grep -q "enqueued=21 .*sent=13 retried=5 failed=4 expired=0 paused=4 pending=0" run1.out \
	|| { cat run1.out run1.err >&2; fail "stats"; }
grep -q "$TOKEN" run1.err && fail "the bot token reached the log"
grep -q "/hooks/" run1.err && fail "a webhook URL reached the log"
[ "$(grep -c 'event=deliver.attempt' run1.err)" -ge 20 ] || fail "one log line per delivery"

$PY - arrivals.jsonl chat.db <<'EOF' || { cat run1.err >&2; fail "arrivals"; }
import json, os, sqlite3, sys
sys.path.insert(0, os.environ["PB_TESTS"] + "/lib"); from pacing import check_paced
log = [json.loads(l) for l in open(sys.argv[1])]
def slack(path):
    return [r for r in log if r["kind"] == "slack" and r["hook"] == path]
def tg(chat):
    return [r for r in log if r["kind"] == "telegram" and r["chat"] == chat]
def gaps(rs):
    return [b["t"] - a["t"] for a, b in zip(rs, rs[1:])]
def part(r):
    text = r["body"]["text"]
    return int(text.split("part ")[1].split("/")[0])

a = slack("/hooks/ok/a")
assert [r["status"] for r in a] == [200] * 3, a
assert [r["body"]["text"].endswith("part %d/3" % i) for i, r in enumerate(a, 1)] == [True] * 3, a
check_paced([r["t"] for r in a], 1.0, "slack pacing")
for path in ("/hooks/invalid/b", "/hooks/forbidden/c", "/hooks/noservice/d", "/hooks/archived/e"):
    assert len(slack(path)) == 1, (path, slack(path))
f = slack("/hooks/ratelimit/f")
assert [r["status"] for r in f] == [429, 200, 200], f
assert [part(r) for r in f] == [1, 1, 2], f
assert gaps(f)[0] >= 2.0, ("Retry-After honoured", gaps(f))
check_paced([r["t"] for r in f[1:]], 1.0, "slack pacing after retry")
g = slack("/hooks/flaky/g")
assert [r["status"] for r in g] == [500, 200] and gaps(g)[0] >= 0.7, g

t = tg("777")
assert [r["status"] for r in t] == [200] * 3 and [part(r) for r in t] == [1, 2, 3], t
check_paced([r["t"] for r in t], 1.0, "telegram chat pacing")
assert len(tg("404001")) == 1, "a chat not found gets nothing more"
assert len(tg("403001")) == 1, "a blocked chat gets nothing more"
r = tg("429001")
assert [x["status"] for x in r] == [429, 200] and gaps(r)[0] >= 2.0, ("retry_after", r, gaps(r))
old, new = tg("-555001"), tg("-100555001")
assert [x["status"] for x in old] == [400] and part(old[0]) == 1, old
assert [x["status"] for x in new] == [200, 200] and [part(x) for x in new] == [1, 2], new
assert all(x["body"]["chat_id"] == -100555001 for x in new), "chat_id rewritten as a number"
check_paced([r["t"] for r in new], 3.0, "20 per minute per group")
e = tg("500001")
assert [x["status"] for x in e] == [500, 200], e
assert all(x["status"] != 401 for x in log), "token"

db = sqlite3.connect(sys.argv[2])
rows = {(s, p): (st, d, err) for s, p, st, d, err in db.execute(
    "SELECT subscriber, part, status, dest, last_error FROM outbox")}
want_failed = {"inv": "HTTP 400: invalid_payload", "forb": "HTTP 403: action_prohibited",
               "nosvc": "HTTP 404: no_service", "arch": "HTTP 410: channel_is_archived"}
for sub, words in want_failed.items():
    assert rows[(sub, 1)][0] == 2 and rows[(sub, 1)][2] == words, (sub, rows[(sub, 1)])
for p in (1, 2):
    assert rows[("blk", p)][0] == 4, rows[("blk", p)]
    assert rows[("blk", p)][2] == "403 Forbidden: bot was blocked by the user", rows[("blk", p)]
    assert rows[("nf", p)][0] == 4, rows[("nf", p)]
    assert rows[("grp", p)][:2] == (1, "-100555001"), rows[("grp", p)]
for sub in ("ok", "rl", "flaky", "tok", "trl", "tfl"):
    assert all(v[0] == 1 for k, v in rows.items() if k[0] == sub), sub
print("   chat ok: %d arrivals checked" % len(log))
EOF

# A second run enqueues nothing and sends nothing.
n1=$(wc -l < arrivals.jsonl)
"$DRIVE" "$@" > run2.out 2> run2.err || fail "drive again"
grep -q "enqueued=0 .*sent=0 retried=0 failed=0" run2.out || { cat run2.out >&2; fail "second run"; }
[ "$(wc -l < arrivals.jsonl)" = "$n1" ] || fail "a second run sent again"

# The file sink: one file per message under <dir>/<date>/<subscriber>/, written whole.
"$DRIVE" --db file.db --file-dir out --file ann=ann@example.org --file ann=digest.md \
	--file bo=4242:2 --max-wait 5 > file.out 2> file.err || fail "drive (file)"
grep -q "enqueued=4 .*sent=4 retried=0 failed=0" file.out || { cat file.out file.err >&2; fail "file sink"; }
for f in out/2025-12-04/ann/ann@example.org.eml out/2025-12-04/ann/digest.md \
	out/2025-12-04/bo/4242-01.json out/2025-12-04/bo/4242-02.json; do
	[ -s "$f" ] || fail "file sink: missing $f"
done
$PY -c 'import json,sys; json.load(open(sys.argv[1]))' out/2025-12-04/bo/4242-02.json || fail "file sink: JSON"
grep -q "^Message-ID: <2025-12-04/ann/file/" out/2025-12-04/ann/ann@example.org.eml || fail "file sink: eml"
[ "$(find out -type f | wc -l)" = 4 ] || { find out -type f >&2; fail "file sink: stray files"; }
"$DRIVE" --db file.db --file-dir out --file ann=ann@example.org --file ann=digest.md \
	--file bo=4242:2 --max-wait 5 > file2.out 2> file2.err || fail "drive (file again)"
grep -q "enqueued=0 .*sent=0" file2.out || fail "file sink: second run"

# Lifetime: a digest older than the delivery lifetime is expired, never sent late.
"$DRIVE" --db old.db --telegram-api "http://127.0.0.1:$P" --token "$TOKEN" --lifetime-h 24 \
	--created-ago 90000 --telegram late=991 --max-wait 5 > old.out 2> old.err || fail "drive (old)"
grep -q "sent=0 retried=0 failed=0 expired=1" old.out || { cat old.out old.err >&2; fail "lifetime"; }
grep -q '"chat": "991"' arrivals.jsonl && fail "an expired message was sent"
# A transient failure whose retry would come after the lifetime: expired at once.
"$DRIVE" --db old2.db --telegram-api "http://127.0.0.1:$P" --token "$TOKEN" --lifetime-h 24 \
	--created-ago 86398 --retry-base 5 --telegram late2=500991 --max-wait 30 > old2.out 2> old2.err || fail "drive (old2)"
grep -q "sent=0 retried=0 failed=0 expired=1" old2.out || { cat old2.out old2.err >&2; fail "lifetime on retry"; }
grep -q "expired before the next try: 500 Internal Server Error" old2.err || fail "lifetime on retry: words"

# A held part settled without a delivery result: part 1 of 2 answered 429 (retry in 2 s), the
# destination suppressed while it waits (an unsubscribe through the web endpoint). At its
# retry part 1 is paused as suppressed, and so is part 2, which waited behind it: the run ends
# by itself with both paused and nothing sent after the 429 (it used to claim part 2 and drop
# it again in every pass, never ending).
"$DRIVE" --db held.db --telegram-api "http://127.0.0.1:$P" --token "$TOKEN" --max-wait 10 \
	--telegram held=429777:2 > held.out 2> held.err &
dp=$!
i=0
until grep -q 'status=retry' held.err 2>/dev/null; do
	i=$((i + 1)); [ $i -le 100 ] || fail "held: no retry"; sleep 0.1
done
$PY -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("INSERT INTO suppressions(subscriber, channel, dest, reason, since)"
           " VALUES (?, ?, ?, ?, ?)",
           ("held", "telegram", "429777", "unsubscribed by the recipient (test)", int(time.time())))
db.commit()' held.db || fail "held: suppress"
i=0
while kill -0 $dp 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 300 ] || { kill $dp; cat held.out held.err >&2; fail "held: the run did not end"; }
	sleep 0.1
done
wait $dp || { cat held.out held.err >&2; fail "held: drive"; }
grep -q "sent=0 retried=1 failed=0 expired=0 paused=2 pending=0" held.out ||
	{ cat held.out held.err >&2; fail "held: stats"; }
[ "$(grep -c '"chat": "429777"' arrivals.jsonl)" = 1 ] || fail "held: sent after the suppression"

# A webhook's suppression is the URL's it was refused at (its fingerprint): a message pending
# for a subscriber's URL of now goes when the suppression was about another (lifted, and said
# so without the URL), and is paused without a request when it was about this one or is from
# before fingerprints. What the lifted one held goes first, to the new URL: the digest the old
# one lost (part 1 refused, part 2 paused); not an expired one, nor one paused with its
# subscriber, nor what a suppression still held holds.
set -- --db sup.db --slack-base "http://127.0.0.1:$P" --max-wait 10 \
	--slack moved=/hooks/ok/moved --slack same=/hooks/ok/same --slack old=/hooks/ok/old
for d in 2025-12-01:2 2025-11-30:1 2025-11-29:1; do
	"$DRIVE" --db sup.db --date "${d%:*}" --slack "moved=/hooks/ok/moved:${d#*:}" \
		--enqueue-only > sup0.out 2> sup0.err || { cat sup0.err >&2; fail "sup: enqueue $d"; }
done
"$DRIVE" --db sup.db --date 2025-12-01 --slack same=/hooks/ok/same --enqueue-only \
	> sup0.out 2> sup0.err || { cat sup0.err >&2; fail "sup: enqueue same"; }
"$DRIVE" "$@" --enqueue-only > sup0.out 2> sup0.err || { cat sup0.err >&2; fail "sup: enqueue"; }
$PY - sup.db "http://127.0.0.1:$P" <<'EOF' || fail "sup: suppress"
import hashlib, sqlite3, sys, time
fp = lambda u: hashlib.sha256(u.encode()).hexdigest()[:16]
db = sqlite3.connect(sys.argv[1], timeout=10)
for sub, date, part, st, why in (
        ("moved", "2025-12-01", 1, 2, "HTTP 404: no_service"),
        ("moved", "2025-12-01", 2, 4, "the destination is suppressed"),
        ("moved", "2025-11-30", 1, 3, "older than the delivery lifetime"),
        ("moved", "2025-11-29", 1, 4, "the subscriber is paused"),
        ("same", "2025-12-01", 1, 4, "the destination is suppressed")):
    db.execute("UPDATE outbox SET status = ?, last_error = ?, attempts = ? WHERE subscriber = ?"
               " AND digest_date = ? AND part = ?", (st, why, int(st == 2), sub, date, part))
for n, f in (("moved", fp(sys.argv[2] + "/hooks/gone/moved")),
             ("same", fp(sys.argv[2] + "/hooks/ok/same")), ("old", None)):
    db.execute("INSERT INTO suppressions(subscriber, channel, dest, reason, since, fingerprint)"
               " VALUES (?, 'slack', 'webhook', 'HTTP 404: no_service', ?, ?)",
               (n, int(time.time()), f))
db.commit()
EOF
"$DRIVE" "$@" --deliver-only > sup.out 2> sup.err || { cat sup.err >&2; fail "sup: deliver"; }
grep -q "sent=3 retried=0 failed=0 expired=0 paused=2 pending=0" sup.out ||
	{ cat sup.out sup.err >&2; fail "sup: stats"; }
grep -q "event=deliver.unsuppressed .*subscriber=moved channel=slack .*released=2 .*webhook changed" \
	sup.err || { cat sup.err >&2; fail "sup: the lift not said"; }
grep -q "/hooks/" sup.err && fail "sup: a webhook URL reached the log"
grep -Eq '"hook": "/hooks/ok/(same|old)"' arrivals.jsonl && fail "sup: a suppressed URL asked"
$PY - sup.db arrivals.jsonl <<'EOF' || { cat sup.err >&2; fail "sup: moved"; }
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
left = sorted(r[0] for r in db.execute("SELECT subscriber FROM suppressions"))
assert left == ["old", "same"], left
# the lost digest, then the day's, each part once, in order
got = [r["body"]["text"] for r in map(json.loads, open(sys.argv[2]))
       if r["kind"] == "slack" and r["hook"] == "/hooks/ok/moved"]
assert got == ["digest for moved, part 1/2", "digest for moved, part 2/2",
               "digest for moved, part 1/1"], got
st = {(s, d, p): x for s, d, p, x in
      db.execute("SELECT subscriber, digest_date, part, status FROM outbox")}
want = {("moved", "2025-12-04", 1): 1, ("moved", "2025-12-01", 1): 1,
        ("moved", "2025-12-01", 2): 1, ("moved", "2025-11-30", 1): 3,
        ("moved", "2025-11-29", 1): 4, ("same", "2025-12-01", 1): 4}
assert all(st[k] == v for k, v in want.items()), st
EOF

# Stopped mid-way (SIGTERM): in-flight work finishes, nothing more is taken; the next run
# delivers the rest, each part exactly once and in order.
set -- --db stop.db --telegram-api "http://127.0.0.1:$P" --token "$TOKEN" --max-wait 60 \
	--telegram stopme=888:8
"$DRIVE" "$@" > stop1.out 2> stop1.err &
dp=$!
sleep 2.5
kill -TERM $dp
rc=0
wait $dp || rc=$?
[ "$rc" = 2 ] || { cat stop1.out stop1.err >&2; fail "stopped run exit $rc, want 2"; }
grep -q "pending=[1-9]" stop1.out || { cat stop1.out >&2; fail "stop: nothing left pending"; }
"$DRIVE" "$@" > stop2.out 2> stop2.err || fail "resume"
$PY - arrivals.jsonl <<'EOF' || fail "resume: duplicates or order"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
rs = [r for r in rs if r["kind"] == "telegram" and r["chat"] == "888"]
parts = [int(r["body"]["text"].split("part ")[1].split("/")[0]) for r in rs]
assert parts == list(range(1, 9)), parts
print("   stop ok: resumed, 8 parts once each, in order")
EOF
exit 0
