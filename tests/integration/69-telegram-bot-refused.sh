#!/bin/sh
# Telegram refusing the bot, against the stand-in of the Bot API. Answers refused by the flood
# control (429 "Too Many Requests: retry after N") are sent again after retry_after, a chat's
# in order and none twice, while other chats are answered meanwhile (the /add's change reloads
# the config on the way); one whose retry_after is over the cap, or refused again and again, is
# given up with a warning naming the chat and the command; a chat that blocked the bot (403) is
# not asked again. Then a webhook is set for the bot, and getUpdates answers 409 "can't use
# getUpdates method while webhook is active": the daemon says so once, with what to do, asks
# again after growing pauses (not every few seconds), and says when polling works again.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
PB_TESTS=${PB_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d /tmp/pb-tgrefused.XXXXXX)
TG= AX= D=
cleanup() {
  for p in $D $TG $AX; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "69-telegram-bot-refused: FAIL: $*" >&2; fails=$((fails + 1)); }
die() {
  echo "69-telegram-bot-refused: FAIL: $*" >&2
  [ -f "$T/d.log" ] && tail -n 20 "$T/d.log" >&2
  exit 1
}
wait_for() {   # wait_for SECONDS COMMAND...: until the command succeeds
  n=$(($1 * 10)); shift
  while ! "$@" 2>/dev/null; do
    n=$((n - 1))
    [ $n -le 0 ] && return 1
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
# 801: its first answer refused once (retry after 3 s); 803: retry after 600 s; 804: refused
# every time (retry after 1 s); 805 blocked the bot
cat >"$T/script.json" <<'JSON'
{"updates": [], "flood": {"801": [1, 3], "803": [1, 600], "804": [100, 1]}, "blocked": ["805"]}
JSON
/usr/bin/python3 "$PB_TESTS/lib/telegram_bot_server.py" --port-file "$T/tgport" --log "$T/tg.json" \
  --script "$T/script.json" --token "$TOKEN" --timeout 170 2>"$T/tg.log" &
TG=$!
wait_for 10 test -s "$T/axport" || die "the arXiv stand-in did not start"
wait_for 10 test -s "$T/tgport" || die "the Telegram stand-in did not start"
export PB_TG_TOKEN=$TOKEN
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
schedule = ["$(date -u -d '+12 hours' +%H):00"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:$(cat "$T/axport")/rss";
          api_url = "http://127.0.0.1:$(cat "$T/axport")/api/query"; request_interval_ms = 10;
          max_retries = 0; fill_metadata = false; };
telegram = { api_url = "http://127.0.0.1:$(cat "$T/tgport")"; token_env = "PB_TG_TOKEN";
             commands = true; poll_timeout = 2; };
file = { dir = "$T/out"; };
subscribers = ( { name = "lab"; telegram_chat = "-100888";
                  topics = ( { name = "ml"; query = "cat:cs.LG"; } ); } );
CONF
# the script's updates from lines "ID CHAT TEXT" (a private chat; TEXT may hold spaces)
add_updates() {
  /usr/bin/python3 -c '
import json, os, sys
p = sys.argv[1]
s = json.load(open(p))
for line in sys.stdin.read().splitlines():
    uid, chat, text = line.split(" ", 2)
    s["updates"].append({"update_id": int(uid), "message": {"message_id": int(uid),
        "chat": {"id": int(chat), "type": "private"}, "from": {"id": int(chat)}, "text": text}})
json.dump(s, open(p + ".tmp", "w"))
os.replace(p + ".tmp", p)' "$T/script.json"
}
set_script() {   # set_script KEY JSON
  /usr/bin/python3 -c '
import json, os, sys
p = sys.argv[1]
s = json.load(open(p)); s[sys.argv[2]] = json.loads(sys.argv[3])
json.dump(s, open(p + ".tmp", "w"))
os.replace(p + ".tmp", p)' "$T/script.json" "$1" "$2"
}
# the requests of METHOD (to CHAT, when given), one line each: TIME TEXT
reqs() {
  /usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] == sys.argv[2] and (len(sys.argv) < 4 or
                                       str(r["body"].get("chat_id", "")) == sys.argv[3]):
        print("%.3f %s" % (r["time"], json.dumps(r["body"].get("text", ""))))' "$T/tg.json" "$@"
}
count() { reqs "$@" | wc -l | tr -d ' '; }
at_least() { [ "$(count "$2" ${3:+"$3"})" -ge "$1" ]; }
first_time() { reqs "$@" | sed -n 1p | cut -d' ' -f1; }

: >"$T/tg.json"
add_updates <<'U'
1 801 /add ti:flood
2 801 /topics
3 802 /topics
4 803 /topics
5 804 /topics
6 805 /topics
U
"$PAPERBOY" -c "$T/pb.conf" daemon --foreground >"$T/d.log" 2>&1 &
D=$!
wait_for 15 at_least 1 sendMessage 802 || die "chat 802 was not answered"
wait_for 15 at_least 2 sendMessage 801 || fail "chat 801 got $(count sendMessage 801) answers of 2"
# a chat's answer held back does not hold the others: 802's went before 801's, and a command
# sent meanwhile is answered at once
echo "7 806 /topics" | add_updates
wait_for 10 at_least 1 sendMessage 806 || fail "chat 806 was not answered"
wait_for 15 grep -q 'event=telegram.answer .*804.*/topics.*4 refusals' "$T/d.log" ||
  fail "804's answer, refused every time, was not given up after 3 tries: $(grep 804 "$T/d.log")"
sleep 2
[ "$(count sendMessage-429 801)" = 1 ] || fail "801 refused $(count sendMessage-429 801) times"
[ "$(count sendMessage 801)" = 2 ] || fail "801 answered $(count sendMessage 801) times: $(reqs sendMessage 801)"
reqs sendMessage 801 | sed -n 1p | grep -q 'Topic topic1 added' &&
  reqs sendMessage 801 | sed -n 2p | grep -q '1. topic1: ti:flood' ||
  fail "801's answers, in order: $(reqs sendMessage 801)"
refused=$(first_time sendMessage-429 801)
again=$(first_time sendMessage 801)
/usr/bin/python3 -c "import sys; sys.exit(not (float('$again') - float('$refused') >= 2.9))" ||
  fail "801's answer sent again $refused -> $again, before retry_after (3 s)"
/usr/bin/python3 -c "import sys; sys.exit(not (float('$(first_time sendMessage 802)') < float('$refused') + 2))" ||
  fail "802's answer waited for 801's retry_after"
[ "$(count sendMessage 803)" = 0 ] && [ "$(count sendMessage-429 803)" = 1 ] ||
  fail "803 (retry after 600 s) was asked $(count sendMessage-429 803) times"
grep -q 'event=telegram.answer .*803.*/topics.*retry_after (600 s)' "$T/d.log" ||
  fail "803's answer was not given up with a warning: $(grep 803 "$T/d.log")"
[ "$(count sendMessage-429 804)" = 4 ] || fail "804 was asked $(count sendMessage-429 804) times, not 4"
[ "$(count sendMessage-403 805)" = 1 ] || fail "805 (blocked) was asked $(count sendMessage-403 805) times"
grep -q 'event=telegram.answer .*805.*/topics.*blocked' "$T/d.log" ||
  fail "805's refusal was not logged: $(grep 805 "$T/d.log")"
grep -q 'event=telegram.answer .*801.*refused=1' "$T/d.log" ||
  fail "801's answer sent again was not logged"

# A webhook is set for the bot: getUpdates is refused with 409.
set_script webhook true
wait_for 10 at_least 1 getUpdates-409 || die "getUpdates was not refused"
sleep 13
n409=$(count getUpdates-409)
[ "$n409" = 2 ] || fail "getUpdates asked $n409 times in 13 s while a webhook is set (2 wanted: after 0, 5 s)"
times=$(reqs getUpdates-409 | cut -d' ' -f1 | tr '\n' ' ')
set_script webhook false
echo "8 807 /topics" | add_updates
wait_for 20 at_least 1 sendMessage 807 || fail "no answer once the webhook was deleted"
[ "$(grep -c 'event=telegram.poll .*webhook' "$T/d.log")" = 2 ] ||
  fail "the webhook's refusal was not said once (and its end once): $(grep 'event=telegram.poll' "$T/d.log")"
grep 'event=telegram.poll .*webhook is active' "$T/d.log" | grep -q 'deleteWebhook' &&
  grep 'event=telegram.poll .*webhook is active' "$T/d.log" | grep -q 'telegram.webhook_secret' ||
  fail "the warning does not say what to do: $(grep 'event=telegram.poll' "$T/d.log")"
grep -q 'event=telegram.poll .*works again' "$T/d.log" ||
  fail "polling working again was not said: $(grep 'event=telegram.poll' "$T/d.log")"
/usr/bin/python3 -c "
import sys
t = [float(x) for x in '$times'.split()]
sys.exit(len(t) >= 2 and t[1] - t[0] < 4.5)" || fail "the first pause after 409 was under 5 s: $times"

kill -TERM "$D"
wait "$D"
rc=$?
D=
[ $rc = 0 ] || fail "the daemon exited $rc after SIGTERM: $(tail -n 20 "$T/d.log")"
grep -q 'test-token' "$T/d.log" && fail "the token is in the log"
[ $fails -eq 0 ] || { tail -n 30 "$T/d.log" >&2; exit 1; }
echo "69-telegram-bot-refused: ok"
