#!/bin/sh
# The Telegram bot against a stand-in of the Bot API (tests/lib/telegram_bot_server.py): the
# daemon long-polls getUpdates and answers /start, /add (a bad query answered with its column,
# the query and a caret), /topics, /remove, /pause, /resume, /preview (titles of the latest
# announcement, from a local arXiv stand-in), /stop and an unknown command; in a group only an
# administrator changes the subscription; a button's callback query is recorded as feedback
# and answered; in a group, a command for another bot (/start@OtherBot) or one paperboy does
# not have is left alone. Then the daemon is killed with SIGKILL in the middle of a stream of /add
# commands and started again: every update is applied once, none lost, none twice. Then
# Telegram's update ids start again below the offset kept, and the bot still answers. Last,
# in webhook mode through `paperboy serve`: while Telegram holds the answer to an update
# (sendMessage taking 6 s), a reader's unsubscribe link is answered at once.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${BUILD:?}"
PB_TESTS=${PB_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d /tmp/pb-tgbot.XXXXXX)
TG= AX= D= S= WH=
cleanup() {
  for p in $WH $S $D $TG $AX; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "69-telegram-bot: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "69-telegram-bot: FAIL: $*" >&2; [ -f "$T/d.log" ] && tail -n 30 "$T/d.log" >&2; exit 1; }
wait_port() {   # wait_port FILE PID
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && die "a stand-in did not start within 10 s"
    kill -0 "$2" 2>/dev/null || die "a stand-in exited"
    sleep 0.1
  done
}

mkdir -p "$T/fx"
FEED=rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml
cp "$PB_FIXTURES/$FEED" "$T/fx/feed.xml"
cp "$PB_FIXTURES/api2026-query-all-testing-100.xml" "$T/fx/"
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/axport" --log "$T/ax.json" \
  --fixtures "$T/fx" --rss feed.xml --pool api2026-query-all-testing-100.xml 2>"$T/ax.log" &
AX=$!
TOKEN=123456:test-token
echo '{"updates": []}' >"$T/script.json"
/usr/bin/python3 "$PB_TESTS/lib/telegram_bot_server.py" --port-file "$T/tgport" --log "$T/tg.json" \
  --script "$T/script.json" --token "$TOKEN" --timeout 170 2>"$T/tg.log" &
TG=$!
wait_port "$T/axport" "$AX"
wait_port "$T/tgport" "$TG"
AXPORT=$(cat "$T/axport")
TGPORT=$(cat "$T/tgport")
export PB_TG_TOKEN=$TOKEN

cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
schedule = ["$(date -u -d '+12 hours' +%H):00"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:$AXPORT/rss";
          api_url = "http://127.0.0.1:$AXPORT/api/query"; request_interval_ms = 10;
          max_retries = 0; fill_metadata = false; };
telegram = { api_url = "http://127.0.0.1:$TGPORT"; token_env = "PB_TG_TOKEN"; commands = true;
             poll_timeout = 2; };
file = { dir = "$T/out"; };
subscribers = ( { name = "lab"; telegram_chat = "-100888";
                  topics = ( { name = "ml"; query = "cat:cs.LG"; } ); } );
CONF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
start_daemon() {
  "$PAPERBOY" -c "$T/pb.conf" daemon --foreground >>"$T/d.log" 2>&1 &
  D=$!
}
# the updates of the script, written from lines "ID CHAT TYPE FROM TEXT" (TEXT may hold
# spaces) and "ID CHAT TYPE FROM cb:DATA" (a button); appended to what is there
cat >"$T/add.py" <<'PY'
import json, sys
p = sys.argv[1]
s = json.load(open(p))
for line in sys.stdin.read().splitlines():
    if not line.strip():
        continue
    uid, chat, typ, frm, text = line.split(" ", 4)
    chat_o = {"id": int(chat), "type": typ}
    if text.startswith("cb:"):
        u = {"update_id": int(uid), "callback_query": {"id": "cb" + uid, "data": text[3:],
             "from": {"id": int(frm)}, "message": {"message_id": 9, "chat": chat_o}}}
    else:
        u = {"update_id": int(uid), "message": {"message_id": int(uid), "chat": chat_o,
             "from": {"id": int(frm)}, "text": text}}
    s["updates"].append(u)
json.dump(s, open(p + ".tmp", "w"))
import os
os.replace(p + ".tmp", p)
PY
add_updates() { /usr/bin/python3 "$T/add.py" "$T/script.json"; }
# answers: the text of every sendMessage to chat, one JSON string a line
answers() {
  /usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] == sys.argv[2] and str(r["body"].get("chat_id", "")) in (sys.argv[3], ""):
        print(json.dumps(r["body"].get("text", "")))' "$T/tg.json" "${2:-sendMessage}" "$1"
}
count() { answers "$@" | wc -l | tr -d ' '; }
wait_count() {   # wait_count N CHAT [METHOD]
  i=0
  while [ "$(count "$2" "${3:-sendMessage}" 2>/dev/null || echo 0)" -lt "$1" ]; do
    i=$((i + 1))
    [ $i -gt 300 ] && return 1
    sleep 0.1
  done
}
nth() { answers "$2" | sed -n "$1p"; }

python_json() { /usr/bin/python3 -c "$1"; }
: >"$T/tg.json"
add_updates <<'U'
1 42 private 42 /start
2 42 private 42 /add ti:(depth AND
3 42 private 42 /add robots = cat:cs.RO <b>x</b>
4 42 private 42 /add cat:cs.LG
5 42 private 42 /topics
6 42 private 42 /remove 1
7 42 private 42 /pause
8 42 private 42 /resume
9 42 private 42 /preview
10 42 private 42 /stop
11 42 private 42 /frobnicate
12 -100777 supergroup 8 /add@paperboy_bot cat:cs.CV
13 -100777 supergroup 7 /add@paperboy_bot cat:cs.CV
14 -100777 supergroup 8 just talking
15 -100777 supergroup 7 /start@OtherBot
16 -100777 supergroup 7 /weather
17 -100777 supergroup 8 cb:f+2409.15001v2
18 -100777 supergroup 8 cb:f-2409.15002
U
python_json '
import json
p = "'"$T/script.json"'"
s = json.load(open(p)); s["members"] = {"-100777:7": "administrator", "-100777:8": "member"}
json.dump(s, open(p, "w"))'
start_daemon
wait_count 11 42 || die "chat 42 got $(count 42) answers of 11"
wait_count 2 -100777 || die "the group got $(count -100777) answers of 2"
wait_count 2 "" answerCallbackQuery || die "the buttons were not answered"

nth 1 42 | grep -q 'add ti:' || fail "/start: $(nth 1 42)"
nth 2 42 | grep -q 'column 11' && nth 2 42 | grep -q '<pre>ti:(depth AND\\n          ^</pre>' ||
  fail "/add of a bad query: $(nth 2 42)"
nth 3 42 | grep -q 'Topic robots added: cat:cs.RO &lt;b&gt;x&lt;/b&gt;' ||
  fail "/add NAME = QUERY (escaped): $(nth 3 42)"
nth 4 42 | grep -q 'Topic topic1 added: cat:cs.LG' || fail "/add: $(nth 4 42)"
nth 5 42 | grep -q '1. robots: cat:cs.RO &lt;b&gt;x&lt;/b&gt;\\n2. topic1: cat:cs.LG' ||
  fail "/topics: $(nth 5 42)"
nth 6 42 | grep -q 'Topic 1 (robots) removed' || fail "/remove 1: $(nth 6 42)"
nth 7 42 | grep -q 'Paused' || fail "/pause: $(nth 7 42)"
nth 8 42 | grep -q 'Resumed' || fail "/resume: $(nth 8 42)"
# the papers `paperboy preview` gives the same query (lab's) on the same feed
pb preview --subscriber lab --format json --feed "$T/fx/feed.xml" >"$T/lab.json" 2>&1 ||
  fail "preview lab: $(cat "$T/lab.json")"
want=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("gives %d paper%s:" % (len(d["papers"]), "" if len(d["papers"]) == 1 else "s"))
for i, p in enumerate(d["papers"]):
    print("%d. %s (%s)" % (i + 1, p["title"], p["id"]))' "$T/lab.json")
got=$(nth 9 42 | /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.read()).split(" ", 5)[-1])')
[ -n "$want" ] && [ "$got" = "$want" ] || fail "/preview: $got, want $want"
nth 10 42 | grep -q 'Unsubscribed' || fail "/stop: $(nth 10 42)"
nth 11 42 | grep -q '/remove N' || fail "an unknown command gets the help: $(nth 11 42)"
nth 1 -100777 | grep -q 'only the group.s administrators' || fail "a member: $(nth 1 -100777)"
nth 2 -100777 | grep -q 'Topic topic1 added' || fail "an administrator: $(nth 2 -100777)"
[ "$(count -100777)" = 2 ] ||
  fail "the group's conversation, another bot's command or an unknown one was answered: $(answers -100777)"
answers "" answerCallbackQuery | grep -q 'more like this' || fail "button: $(answers "" answerCallbackQuery)"

pb subscriber show tg-42 >"$T/show" 2>&1 || fail "show tg-42: $(cat "$T/show")"
grep -q '^state *unsubscribed' "$T/show" && grep -q '^topic *topic1 = cat:cs.LG' "$T/show" &&
  ! grep -q 'robots' "$T/show" || fail "tg-42 in the state: $(cat "$T/show")"
pb subscriber show tg--100777 >"$T/show" 2>&1 || fail "show tg--100777: $(cat "$T/show")"
grep -q '^topic *topic1 = cat:cs.CV' "$T/show" || fail "the group's topic: $(cat "$T/show")"
grep -q '^feedback *2409.15001 +1 telegram' "$T/show" &&
  grep -q '^feedback *2409.15002 -1 telegram' "$T/show" || fail "feedback: $(cat "$T/show")"
pb subscriber list >"$T/list" 2>&1
grep -Eq '^tg-42 +stored +unsubscribed +telegram' "$T/list" || fail "list: $(cat "$T/list")"

# A stream of /add in three chats, the daemon killed in its middle and started again.
python_json '
import json
p = "'"$T/script.json"'"
s = json.load(open(p)); s["send_delay"] = 0.25
json.dump(s, open(p, "w"))'
for c in 501 502 503; do
  for k in 1 2 3 4 5 6; do
    echo "$((100 + (c - 501) * 6 + k)) $c private $c /add k$k = ti:w$c$k"
  done
done | add_updates
wait_count 4 501 || die "the stream was not taken up"
kill -9 "$D"
wait "$D" 2>/dev/null
D=
start_daemon
for c in 501 502 503; do
  wait_count 6 $c || fail "chat $c got $(count $c) answers of 6 after the restart"
done
for c in 501 502 503; do
  pb subscriber show tg-$c >"$T/show" 2>&1
  for k in 1 2 3 4 5 6; do
    [ "$(grep -c "^topic *k$k = ti:w$c$k\$" "$T/show")" = 1 ] ||
      fail "chat $c topic k$k not applied once: $(cat "$T/show")"
  done
  [ "$(grep -c '^topic' "$T/show")" = 6 ] || fail "chat $c: $(cat "$T/show")"
  answers $c | grep -q refused && fail "chat $c: a replay was refused: $(answers $c)"
done
# The digest's messages carry a row of buttons per paper, whose data the bot reads back; none
# without the commands.
pb preview --subscriber lab --format telegram --feed "$T/fx/feed.xml" >"$T/tg-bodies" 2>&1 ||
  fail "preview --format telegram: $(cat "$T/tg-bodies")"
/usr/bin/python3 -c '
import json, sys
want = [p["id"] for p in json.load(open(sys.argv[1]))["papers"]]
got = []
for line in open(sys.argv[2]):
    m = json.loads(line)
    for row in m.get("reply_markup", {}).get("inline_keyboard", []):
        assert [b["callback_data"][:2] for b in row] == ["f+", "f-"], row
        assert row[0]["callback_data"][2:] == row[1]["callback_data"][2:], row
        assert len(row[0]["callback_data"].encode()) <= 64, row
        got.append(row[0]["callback_data"][2:])
if not want or got != want:
    sys.exit("buttons for %s, want %s" % (got, want))' "$T/lab.json" "$T/tg-bodies" ||
  fail "the digest's buttons: $(cat "$T/tg-bodies")"
sed 's/commands = true;/commands = false;/' "$T/pb.conf" >"$T/off.conf"
"$PAPERBOY" -c "$T/off.conf" preview --subscriber lab --format telegram --feed "$T/fx/feed.xml" \
  >"$T/tg-off" 2>&1 || fail "preview without commands: $(cat "$T/tg-off")"
[ -s "$T/tg-off" ] && ! grep -q reply_markup "$T/tg-off" ||
  fail "buttons without the commands: $(cat "$T/tg-off")"

# After a week without updates the Bot API starts its ids again at random, below the offset
# kept: its queue answers such an offset from its head, and the bot takes up the new ids.
python_json '
import json
p = "'"$T/script.json"'"
s = json.load(open(p)); s["updates"] = []; s["send_delay"] = 0
json.dump(s, open(p, "w"))'
add_updates <<'U'
50 601 private 601 /add ti:restart
51 601 private 601 /topics
U
wait_count 2 601 || fail "updates after Telegram's ids started again: $(answers 601)"
nth 1 601 | grep -q 'Topic topic1 added' || fail "the first new update: $(nth 1 601)"
nth 2 601 | grep -q '1. topic1: ti:restart' || fail "the second new update: $(nth 2 601)"
[ "$(count 601)" = 2 ] || fail "an update of the new ids answered twice: $(answers 601)"

# The offset cannot be written (a full disk; here a trigger refuses it): the update handled
# and answered is not asked for, and answered, again at every poll.
cat >"$T/full.py" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
if sys.argv[2] == "on":
    for op in ("INSERT", "UPDATE"):
        c.execute("CREATE TRIGGER full_offset_%s BEFORE %s ON meta WHEN NEW.key = "
                  "'telegram.offset' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); "
                  "END" % (op.lower(), op))
else:
    c.execute("DROP TRIGGER full_offset_insert")
    c.execute("DROP TRIGGER full_offset_update")
c.commit()
PY
/usr/bin/python3 "$T/full.py" "$T/state/paperboy.db" on || fail "cannot fill the disk for the offset"
echo "52 602 private 602 /topics" | add_updates
wait_count 1 602 || fail "no answer while the offset cannot be written"
sleep 7   # past the pause after a failed poll (5 s) and several long polls (2 s)
[ "$(count 602)" = 1 ] || fail "one update answered $(count 602) times while its offset could not be written"
grep -q 'event=telegram.offset .*database or disk is full' "$T/d.log" ||
  fail "the offset's failure was not logged: $(tail -n 5 "$T/d.log")"
/usr/bin/python3 "$T/full.py" "$T/state/paperboy.db" off || fail "cannot drop the trigger"

kill -TERM "$D"
i=0
while kill -0 "$D" 2>/dev/null; do
  i=$((i + 1))
  [ $i -gt 50 ] && { fail "the daemon did not stop within 5 s of SIGTERM"; break; }
  sleep 0.1
done
wait "$D"
rc=$?
D=
[ $rc = 0 ] || fail "the daemon exited $rc after SIGTERM: $(tail -n 20 "$T/d.log")"
grep -q 'test-token' "$T/d.log" && fail "the token is in the log"

# Webhook mode: Telegram posts the update to the web endpoint, whose handler asks Telegram
# (sendMessage, held 6 s here) before it answers; meanwhile other requests are answered.
WPORT=$(/usr/bin/python3 "$PB_TESTS/lib/free_port.py")
export PB_TG_HOOK=hook-secret-69
sed 's/poll_timeout = 2;/poll_timeout = 2; webhook_secret_env = "PB_TG_HOOK";/' "$T/pb.conf" \
  >"$T/web.conf"
echo "web = { listen = \"127.0.0.1:$WPORT\"; base_url = \"http://127.0.0.1:$WPORT\"; };" \
  >>"$T/web.conf"
python_json '
import json
p = "'"$T/script.json"'"
s = json.load(open(p)); s["send_delay"] = 6
json.dump(s, open(p, "w"))'
"$PAPERBOY" -c "$T/web.conf" serve >"$T/serve.log" 2>&1 &
S=$!
i=0
until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$WPORT),1).close()" 2>/dev/null; do
  i=$((i + 1))
  [ $i -gt 100 ] && die "serve does not listen on $WPORT: $(cat "$T/serve.log")"
  sleep 0.1
done
UNSUB=$("$BUILD/tests/tools/web_token" "$T/state/web.secret" "http://127.0.0.1:$WPORT" unsub lab \
  telegram:-100888) || die "web_token failed"
curl -s -m 20 -o "$T/wh.b" -w '%{http_code}' -H "X-Telegram-Bot-Api-Secret-Token: $PB_TG_HOOK" \
  -H 'Content-Type: application/json' --data-binary \
  '{"update_id": 700, "message": {"message_id": 700, "chat": {"id": 701, "type": "private"},
    "from": {"id": 701}, "text": "/topics"}}' \
  "http://127.0.0.1:$WPORT/telegram/webhook" >"$T/wh.code" &
WH=$!
# the stand-in records sendMessage as it is asked, then holds it
wait_count 1 701 || fail "the webhook's update was not answered: $(cat "$T/serve.log")"
c=$(curl -s -m 3 -o "$T/u.b" -w '%{http_code} %{time_total}' "$UNSUB")
[ "${c%% *}" = 200 ] && grep -q 'telegram' "$T/u.b" ||
  fail "an unsubscribe link while the bot waits for Telegram: ${c:-no answer} (in 3 s)"
kill -0 "$WH" 2>/dev/null || fail "the webhook was answered before Telegram took its answer"
wait "$WH"
WH=
[ "$(cat "$T/wh.code")" = 200 ] || fail "the webhook: $(cat "$T/wh.code") $(cat "$T/wh.b")"
kill -TERM "$S"
wait "$S"
rc=$?
S=
[ $rc = 0 ] || fail "serve exited $rc after SIGTERM: $(tail -n 20 "$T/serve.log")"
grep -q 'test-token\|hook-secret-69' "$T/serve.log" && fail "a secret is in serve's log"
[ $fails -eq 0 ] || exit 1
echo "69-telegram-bot: ok"
