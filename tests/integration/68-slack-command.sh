#!/bin/sh
# Slack through `paperboy serve`, with curl as Slack: the slash command and the buttons, each
# request signed as Slack signs it (openssl dgst: v0 HMAC-SHA256 of "v0:TIMESTAMP:BODY" with
# the signing secret).
#  1. A signed `/paperboy add` in the linked channel adds the topic (committed: the state has
#     it, the answer is ephemeral JSON); a bad query is answered with its column and caret;
#     `/paperboy topics`, `pause`; an unlinked channel is told how to link it.
#  2. Another secret, stale and future timestamps, no headers, a body changed after signing:
#     401 plain text, nothing changes.
#  3. A signed button press (payload=JSON) is recorded as feedback (subscriber show lists it),
#     acknowledged with an empty 200, and answered at its response_url (the stand-in's host,
#     as slack.api_url names it); another host's response_url is not asked. Slack's 503 and
#     429 (Retry-After waited) are asked again, a 404 (expired_url) is not.
#  4. The digest's Slack messages carry the buttons only when the signing secret is set.
#  5. `/paperboy stop` in a channel whose subscriber has an address too suppresses the Slack
#     destination as delivery names it ("webhook"), never the secret URL, and the address
#     keeps its digests.
#  6. (after 1) Only the channel's creator and the workspace's admins change its subscription,
#     as the Slack stand-in's Web API says when asked with the bot token; a member lists the
#     topics.
#  7. (last) Presses whose response_url hangs hold no page: the sign-up page is answered
#     within 0.5 s meanwhile; at SIGTERM the posts left are given up within seconds, logged.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-slack.XXXXXX)
SRV=""
API=""
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  [ -n "$API" ] && kill "$API" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "68-slack-command: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "68-slack-command: FAIL: $*" >&2; exit 1; }
FEED=$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml

PORT=$(/usr/bin/python3 "$PB_TESTS/lib/free_port.py")
$PY "$PB_TESTS/lib/chat_server.py" --port-file "$T/api.port" --log "$T/api.log" --timeout 300 &
API=$!
i=0
until [ -s "$T/api.port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && die "the Slack stand-in did not start"
  sleep 0.1
done
APIPORT=$(cat "$T/api.port")
export PB_SLACK_BOT=xoxb-test-token
export PB_SLACK_SECRET=8f742231b10e8888abcd99yyyzzz85a5
export PB_TEAM_HOOK=https://hooks.slack.example/services/T0/B0/secret
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:9/rss"; max_retries = 0; };
web = { listen = "127.0.0.1:$PORT"; base_url = "https://digest.example.org"; };
slack = { signing_secret_env = "PB_SLACK_SECRET"; bot_token_env = "PB_SLACK_BOT";
          api_url = "http://127.0.0.1:$APIPORT/api"; };
file = { dir = "$T/out"; };
email = { smtp_url = "smtp://127.0.0.1:9"; from = "bot@example.org"; tls = "none"; };
subscribers = ( { name = "lab"; topics = ( { name = "ml"; query = "cat:cs.LG"; } ); } );
CONF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
pb subscriber add team --set slack_webhook_env=PB_TEAM_HOOK --set slack_channel=C0TEAM \
  --topic 'ml=cat:cs.LG' >"$T/o" 2>&1 || die "subscriber add team: $(cat "$T/o")"
"$PAPERBOY" -c "$T/pb.conf" serve >"$T/serve.log" 2>&1 &
SRV=$!
i=0
until $PY -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1).close()" 2>/dev/null; do
  i=$((i + 1))
  [ $i -gt 100 ] && die "nothing listens on $PORT: $(cat "$T/serve.log")"
  sleep 0.1
done

# slack PATH BODY [SECRET [TIMESTAMP]]: POSTs BODY signed as Slack does; prints the status,
# the answer's body in $T/b
slack() {
  ts=${4:-$(date +%s)}
  sig=$(printf 'v0:%s:%s' "$ts" "$2" | openssl dgst -sha256 -hmac "${3:-$PB_SLACK_SECRET}" -r |
        cut -d' ' -f1)
  curl -s -m 10 -o "$T/b" -w '%{http_code}' -H "X-Slack-Request-Timestamp: $ts" \
    -H "X-Slack-Signature: v0=$sig" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary "$2" "http://127.0.0.1:$PORT$1"
}
form() {   # form TEXT [CHANNEL [USER]]: a slash command's body (by the channel's creator)
  $PY -c 'import sys, urllib.parse as u; print(u.urlencode({"token": "x", "team_id": "T0",
    "channel_id": sys.argv[2], "user_id": sys.argv[3], "command": "/paperboy",
    "text": sys.argv[1], "response_url": "https://hooks.slack.example/commands/1"}), end="")' \
    "$1" "${2:-C0TEAM}" "${3:-UOWNER}"
}
text() {
  $PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["response_type"] == "ephemeral"
print(d["text"])' "$T/b"
}
topics() { pb subscriber show team 2>&1 | grep -c '^topic'; }

# 1. commands
c=$(slack /slack/command "$(form 'add robots = cat:cs.RO ANDNOT ti:survey')")
[ "$c" = 200 ] && text | grep -q 'Topic robots added' || fail "add: $c $(cat "$T/b")"
pb subscriber show team | grep -q '^topic *robots = cat:cs.RO ANDNOT ti:survey$' ||
  fail "the topic is not in the state: $(pb subscriber show team)"
c=$(slack /slack/command "$(form 'add ti:(depth AND')")
text >"$T/t" 2>&1
[ "$c" = 200 ] && grep -q 'column 11' "$T/t" && grep -q '^          \^$' "$T/t" ||
  fail "a bad query: $c $(cat "$T/b")"
[ "$(topics)" = 2 ] || fail "a refused query changed the topics"
c=$(slack /slack/command "$(form 'topics')")
text | grep -q '^2\. robots: cat:cs.RO ANDNOT ti:survey$' || fail "topics: $(cat "$T/b")"
# Slack sends "&", "<" and ">" as &amp; &lt; &gt;: the topic is what the user typed, and the
# echo is escaped once
c=$(slack /slack/command "$(form 'add x &lt;b&gt; &amp; y')")
grep -q 'x &lt;b&gt; &amp; y' "$T/b" && ! grep -q '&amp;[lg]t;' "$T/b" ||
  fail "the echo is not escaped once: $(cat "$T/b")"
c=$(slack /slack/command "$(form 'add qa = ti:"Q&amp;A" OR abs:"x&lt;y" OR abs:&amp;quot;')")
pb subscriber show team | grep -q '^topic *qa = ti:"Q&A" OR abs:"x<y" OR abs:&quot;$' ||
  fail "Slack's escapes are in the topic: $(cat "$T/b") $(pb subscriber show team | grep qa)"
c=$(slack /slack/command "$(form 'pause')")
text | grep -q Paused && pb subscriber list | grep -Eq '^team +stored +paused' ||
  fail "pause: $(cat "$T/b") $(pb subscriber list)"
c=$(slack /slack/command "$(form 'frobnicate')")
text | grep -q '^/paperboy remove N - ' || fail "the help: $(cat "$T/b")"
c=$(slack /slack/command "$(form 'add ti:x' C0OTHER)")
text | grep -q 'slack_channel=C0OTHER' || fail "an unlinked channel: $(cat "$T/b")"

# 6. who changes the channel's subscription
n=$(topics)
c=$(slack /slack/command "$(form 'add ti:member' C0TEAM U2)")
text | grep -q "only the channel's creator and the workspace's admins" ||
  fail "a member's add: $c $(cat "$T/b")"
c=$(slack /slack/command "$(form 'add ti:stranger' C0TEAM UEXT1)")
text | grep -q "only the channel's creator" || fail "another organisation's admin: $(cat "$T/b")"
[ "$(topics)" = "$n" ] || fail "a member changed the topics"
c=$(slack /slack/command "$(form 'topics' C0TEAM U2)")
text >"$T/t" 2>&1
grep -q '^2\. robots: ' "$T/t" || fail "a member's topics: $(cat "$T/b")"
c=$(slack /slack/command "$(form 'add admin = ti:admin' C0TEAM UADM1)")
text | grep -q 'Topic admin added' || fail "a workspace admin's add: $(cat "$T/b")"
grep -q '"method": "users.info", "body": {"user": "U2"}' "$T/api.log" &&
  grep -q '"method": "conversations.info", "body": {"channel": "C0TEAM"}' "$T/api.log" ||
  fail "Slack's Web API was not asked: $(cat "$T/api.log")"
c=$(slack /slack/command "$(form "remove $(topics)" C0TEAM UOWNER)")
text | grep -q "Topic $((n + 1)) (admin) removed" || fail "the creator's remove: $(cat "$T/b")"

# 2. refused requests
n=$(topics)
B=$(form 'add ti:refused')
[ "$(slack /slack/command "$B" not-the-secret)" = 401 ] || fail "another secret: not 401"
grep -q 'signature' "$T/b" || fail "the 401's body: $(cat "$T/b")"
[ "$(slack /slack/command "$B" "$PB_SLACK_SECRET" $(($(date +%s) - 400)))" = 401 ] ||
  fail "a stale timestamp: not 401"
[ "$(slack /slack/command "$B" "$PB_SLACK_SECRET" $(($(date +%s) + 400)))" = 401 ] ||
  fail "a future timestamp: not 401"
c=$(curl -s -m 10 -o "$T/b" -w '%{http_code}' --data-binary "$B" "http://127.0.0.1:$PORT/slack/command")
[ "$c" = 401 ] || fail "unsigned: $c"
ts=$(date +%s)
sig=$(printf 'v0:%s:%s' "$ts" "$B" | openssl dgst -sha256 -hmac "$PB_SLACK_SECRET" -r | cut -d' ' -f1)
c=$(curl -s -m 10 -o "$T/b" -w '%{http_code}' -H "X-Slack-Request-Timestamp: $ts" \
  -H "X-Slack-Signature: v0=$sig" --data-binary "${B}x" "http://127.0.0.1:$PORT/slack/command")
[ "$c" = 401 ] || fail "a body changed after signing: $c"
[ "$(topics)" = "$n" ] || fail "a refused request changed the topics"

# 3. a button
press() {   # press ACTION PAPER RESPONSE_URL: a button's payload
  $PY -c 'import json, sys, urllib.parse as u; print(u.urlencode({"payload": json.dumps({
  "type": "block_actions", "user": {"id": "U1"}, "channel": {"id": "C0TEAM"},
  "response_url": sys.argv[3],
  "actions": [{"action_id": sys.argv[1], "value": sys.argv[2], "type": "button"}]})}), end="")' \
    "$@"
}
P=$(press fb+ 2609.26811v1 "http://127.0.0.1:$APIPORT/actions/T0/1/pressSecret")
c=$(slack /slack/actions "$P")
[ "$c" = 200 ] && [ ! -s "$T/b" ] || fail "a button's acknowledgment: $c $(cat "$T/b")"
pb subscriber show team | grep -q '^feedback *2609.26811 +1 slack$' ||
  fail "the button's feedback: $(pb subscriber show team)"
# the answer reaches the reader through the payload's response_url, once the 200 is out
i=0
until grep -q '"kind": "response_url"' "$T/api.log"; do
  i=$((i + 1))
  [ $i -gt 30 ] && break
  sleep 0.1
done
$PY -c 'import json, sys
got = [json.loads(l) for l in open(sys.argv[1]) if "\"response_url\"" in l]
assert len(got) == 1, got
assert got[0]["path"] == "/actions/T0/1/pressSecret", got
assert got[0]["body"] == {"response_type": "ephemeral", "text": "Noted: more like this.",
                          "replace_original": False}, got' "$T/api.log" ||
  fail "the button's answer at its response_url: $(grep response_url "$T/api.log")"
# another host's response_url is not asked: the answer stays in the acknowledgment
P2=$(press fb- 2609.26812v1 "http://localhost:$APIPORT/actions/T0/2/otherSecret")
c=$(slack /slack/actions "$P2")
[ "$c" = 200 ] && text | grep -q '^Noted: not for you\.$' ||
  fail "a button with another host's response_url: $c $(cat "$T/b")"
sleep 0.3
grep -q otherSecret "$T/api.log" && fail "another host's response_url was asked"
grep -q 'event=slack.response_url .*host=http://localhost:' "$T/serve.log" ||
  fail "the refused response_url is not logged: $(grep slack "$T/serve.log")"
[ "$(slack /slack/actions "$P" wrong)" = 401 ] || fail "a forged button: not 401"
# Slack's 503, and its 429 with Retry-After: 1, are asked again (after the second asked); a
# 404 (expired_url, used_url) is not
P=$(press fb+ 2609.26813v1 "http://127.0.0.1:$APIPORT/actions/flaky/1/flakySecret")
[ "$(slack /slack/actions "$P")" = 200 ] || fail "a press, Slack's 503: $(cat "$T/b")"
P=$(press fb+ 2609.26814v1 "http://127.0.0.1:$APIPORT/actions/ratelimit/1/limitSecret")
[ "$(slack /slack/actions "$P")" = 200 ] || fail "a press, Slack's 429: $(cat "$T/b")"
P=$(press fb+ 2609.26815v1 "http://127.0.0.1:$APIPORT/actions/expired/1/expiredSecret")
[ "$(slack /slack/actions "$P")" = 200 ] || fail "a press, Slack's 404: $(cat "$T/b")"
sleep 3.5
$PY -c 'import json, sys
got = {}
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["kind"] == "response_url":
        got.setdefault(d["path"].split("/")[2], []).append(d)
st = lambda k: [d["status"] for d in got.get(k, [])]
assert st("flaky") == [503, 200], ("flaky", st("flaky"))
assert st("ratelimit") == [429, 200], ("ratelimit", st("ratelimit"))
r = got["ratelimit"]
assert r[1]["t"] - r[0]["t"] >= 0.95, ("Retry-After not waited", r[1]["t"] - r[0]["t"])
assert st("expired") == [404], ("expired", st("expired"))
assert all(d["body"]["text"].startswith("Noted: more like this.") for k in got
           for d in got[k]), got' "$T/api.log" ||
  fail "Slack's refusals of a response_url: $(grep response_url "$T/api.log")"
grep -q 'event=slack.response_url .*status=404 error="expired_url"' "$T/serve.log" ||
  fail "the 404 is not logged: $(grep slack.response_url "$T/serve.log")"

# 4. the digest's buttons
pb subscriber resume team >/dev/null 2>&1
pb preview --subscriber team --format slack --feed "$FEED" >"$T/s-on" 2>&1 ||
  fail "preview slack: $(cat "$T/s-on")"
pb preview --subscriber team --format json --feed "$FEED" >"$T/team.json" 2>&1
$PY -c '
import json, sys
want = [p["id"] for p in json.load(open(sys.argv[1]))["papers"]]
got = []
for line in open(sys.argv[2]):
    for b in json.loads(line)["blocks"]:
        if b["type"] == "actions":
            ids = [(e["action_id"], e["value"]) for e in b["elements"]]
            assert [a for a, _ in ids] == ["fb+", "fb-"] and ids[0][1] == ids[1][1], ids
            got.append(ids[0][1])
if not want or got != want:
    sys.exit("buttons %s, want %s" % (got, want))' "$T/team.json" "$T/s-on" ||
  fail "the Slack digest's buttons"
grep -v signing_secret "$T/pb.conf" >"$T/off.conf"
"$PAPERBOY" -c "$T/off.conf" preview --subscriber team --format slack --feed "$FEED" >"$T/s-off" 2>&1
[ -s "$T/s-off" ] && ! grep -q '"actions"' "$T/s-off" ||
  fail "buttons without the secret: $(cat "$T/s-off")"

# 5. /stop with another destination left
pb subscriber edit team --email team@example.org >"$T/o" 2>&1 || fail "edit team: $(cat "$T/o")"
c=$(slack /slack/command "$(form 'stop')")
text | grep -q '^Unsubscribed' || fail "stop: $c $(cat "$T/b")"
pb subscriber show team >"$T/show" 2>&1
grep -q '^suppressed *slack webhook since ' "$T/show" ||
  fail "the Slack destination is not suppressed as delivery names it: $(grep suppressed "$T/show")"
grep -q "$PB_TEAM_HOOK" "$T/show" && fail "subscriber show prints the webhook URL"
pb subscriber list | grep -Eq '^team +stored +active \(1 of [0-9]+ suppressed\)' ||
  fail "stop: $(pb subscriber list)"
c=$(slack /slack/command "$(form 'start')")
text | grep -q 'subscriber resume team' || fail "start after stop: $(cat "$T/b")"
# a suppression an older version stored under the URL: masked wherever it is shown
$PY -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("INSERT INTO suppressions(subscriber, channel, dest, reason, since)"
           " VALUES (?, ?, ?, ?, ?)", ("team", "slack", sys.argv[2],
           "unsubscribed by the recipient (chat command /stop)", 1790000000))
db.commit()' "$T/state/paperboy.db" "$PB_TEAM_HOOK" || fail "an old suppression"
pb subscriber show team >"$T/show" 2>&1
pb status >"$T/status" 2>&1
grep -q '^suppressed *slack \*\*\* since ' "$T/show" && ! grep -q "$PB_TEAM_HOOK" "$T/show" ||
  fail "subscriber show, an old suppression: $(grep suppressed "$T/show")"
grep -Eq '^  team +slack +\*\*\* ' "$T/status" && ! grep -q "$PB_TEAM_HOOK" "$T/status" ||
  fail "status, an old suppression: $(grep team "$T/status")"
pb subscriber export >"$T/export" 2>&1
grep -q '"channel":"slack","dest":"webhook"' "$T/export" && ! grep -q "$PB_TEAM_HOOK" "$T/export" ||
  fail "export, an old suppression: $(cat "$T/export")"

# 7. A response_url that does not answer holds no page: presses whose answers hang are each
# acknowledged at once, and a sign-up page asked meanwhile is answered as quickly as ever; at
# SIGTERM the posts left are given up within seconds, and said
n=0
pids=""
t0=$(date +%s.%N)
while [ $n -lt 8 ]; do
  n=$((n + 1))
  P=$(press fb+ "2609.2690${n}v1" "http://127.0.0.1:$APIPORT/actions/hang/$n/hangSecret")
  slack /slack/actions "$P" >/dev/null &
  pids="$pids $!"
done
i=0
until grep -q '"status": 0' "$T/api.log"; do
  i=$((i + 1))
  [ $i -gt 30 ] && break
  sleep 0.1
done
sleep 0.2
c=$(curl -s -m 10 -o "$T/b" -w '%{http_code} %{time_total}' "http://127.0.0.1:$PORT/signup")
$PY -c 'import sys; c, t = sys.argv[1].split(); sys.exit(c != "200" or float(t) > 0.5)' "$c" ||
  fail "the sign-up page while response_urls hang: $c (want 200 within 0.5 s)"
wait $pids
$PY -c 'import sys, time; sys.exit(time.time() - float(sys.argv[1]) > 2)' "$t0" ||
  fail "8 presses whose response_url hangs took over 2 s to be acknowledged"
t0=$(date +%s)
kill -TERM "$SRV"
wait "$SRV"
rc=$?
SRV=""
[ $(($(date +%s) - t0)) -le 6 ] || fail "serve took $(($(date +%s) - t0)) s to stop"
grep -q 'event=slack.response_url .*error="not sent: ' "$T/serve.log" ||
  fail "the posts given up at the stop are not logged: $(grep slack.response_url "$T/serve.log")"
[ $rc = 0 ] || fail "serve exited $rc after SIGTERM: $(tail -n 20 "$T/serve.log")"
grep -q "$PB_SLACK_SECRET" "$T/serve.log" && fail "the secret is in the log"
grep "pressSecret\|otherSecret\|flakySecret\|limitSecret\|expiredSecret\|hangSecret" \
  "$T/serve.log" >"$T/leak" &&
  fail "a response_url's path is in the log: $(cat "$T/leak")"
[ $fails -eq 0 ] || exit 1
echo "68-slack-command: ok"
