#!/bin/sh
# Stopping the daemon while its Telegram bot works (tests/lib/telegram_bot_server.py as the Bot
# API). SIGTERM while Telegram holds a getUpdates long poll open (25 s): the daemon exits 0
# within 3 s. SIGTERM while it answers the first of three updates taken in one poll (Telegram
# holding sendMessage 2 s): that answer is sent, the other two updates are neither applied nor
# passed by the offset, and the next start answers each of them once. SIGINT ends the held
# poll as SIGTERM does.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${BUILD:?}"
PB_TESTS=${PB_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d /tmp/pb-tgstop.XXXXXX)
TG= D=
cleanup() {
  for p in $D $TG; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "69-telegram-bot-stop: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "69-telegram-bot-stop: FAIL: $*" >&2; [ -f "$T/d.log" ] && tail -n 30 "$T/d.log" >&2; exit 1; }

TOKEN=123456:test-token
echo '{"updates": []}' >"$T/script.json"
: >"$T/tg.json"
/usr/bin/python3 "$PB_TESTS/lib/telegram_bot_server.py" --port-file "$T/tgport" --log "$T/tg.json" \
  --script "$T/script.json" --token "$TOKEN" --timeout 120 2>"$T/tg.log" &
TG=$!
i=0
while [ ! -s "$T/tgport" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && die "the Telegram stand-in did not start within 10 s"
  kill -0 "$TG" 2>/dev/null || die "the Telegram stand-in exited: $(cat "$T/tg.log")"
  sleep 0.1
done
TGPORT=$(cat "$T/tgport")
# nothing listens there: the schedule is hours away and there is no day to catch up on
AXPORT=$(/usr/bin/python3 "$PB_TESTS/lib/free_port.py")
export PB_TG_TOKEN=$TOKEN

cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
schedule = ["$(date -u -d '+12 hours' +%H):00"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:$AXPORT/rss";
          api_url = "http://127.0.0.1:$AXPORT/api/query"; max_retries = 0; };
telegram = { api_url = "http://127.0.0.1:$TGPORT"; token_env = "PB_TG_TOKEN"; commands = true;
             poll_timeout = 25; };
file = { dir = "$T/out"; };
subscribers = ( { name = "lab"; telegram_chat = "-100888";
                  topics = ( { name = "ml"; query = "cat:cs.LG"; } ); } );
CONF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
start_daemon() {
  "$PAPERBOY" -c "$T/pb.conf" daemon --foreground >>"$T/d.log" 2>&1 &
  D=$!
}
# requests METHOD: how many the stand-in was asked
requests() { grep -c "\"method\": \"$1\"" "$T/tg.json"; }
# wait_requests METHOD N: until the stand-in was asked N times (10 s at most)
wait_requests() {
  i=0
  while [ "$(requests "$1")" -lt "$2" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && return 1
    kill -0 "$D" 2>/dev/null || return 1
    sleep 0.1
  done
}
# stop SIG: sends SIG to the daemon and waits for it (30 s at most); sets took_ms and rc
stop() {
  t0=$(date +%s%N)
  kill -"$1" "$D"
  i=0
  while kill -0 "$D" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 300 ]; then
      kill -9 "$D"
      break
    fi
    sleep 0.1
  done
  took_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  wait "$D"
  rc=$?
  D=
}
# answers CHAT: the text of every sendMessage to CHAT, one JSON string a line
answers() {
  /usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] == "sendMessage" and str(r["body"].get("chat_id")) == sys.argv[2]:
        print(json.dumps(r["body"].get("text", "")))' "$T/tg.json" "$1"
}
offset() {
  /usr/bin/python3 -c '
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute(
    "SELECT value FROM meta WHERE key = '"'telegram.offset'"'").fetchone()
print(r[0] if r else "-")' "$T/state/paperboy.db"
}

# 1. SIGTERM during a held long poll.
start_daemon
wait_requests getUpdates 1 || die "the daemon did not poll: $(tail -n 20 "$T/d.log")"
sleep 1
stop TERM
[ $rc = 0 ] || fail "the daemon exited $rc after SIGTERM during the long poll"
[ $took_ms -le 3000 ] ||
  fail "SIGTERM during the long poll: the daemon took $took_ms ms to exit (3000 at most)"

# 2. SIGTERM while the first of three updates is answered.
/usr/bin/python3 -c '
import json, sys
ups = [{"update_id": n, "message": {"message_id": n, "chat": {"id": 42, "type": "private"},
        "from": {"id": 42}, "text": "/add a%d = ti:w%d" % (n, n)}} for n in (1, 2, 3)]
json.dump({"updates": ups, "send_delay": 2}, open(sys.argv[1], "w"))' "$T/script.json"
: >"$T/tg.json"
start_daemon
wait_requests sendMessage 1 || die "the first update was not answered: $(tail -n 20 "$T/d.log")"
sleep 0.5
stop TERM
[ $rc = 0 ] || fail "the daemon exited $rc after SIGTERM during an answer"
[ $took_ms -le 3000 ] ||
  fail "SIGTERM during an answer: the daemon took $took_ms ms to exit (3000 at most)"
grep -q 'event=telegram.answer' "$T/d.log" &&
  fail "the answer in flight was given up: $(grep 'event=telegram.answer' "$T/d.log")"
[ "$(requests sendMessage)" = 1 ] ||
  fail "updates were handled after SIGTERM: $(answers 42)"
pb subscriber show tg-42 >"$T/show" 2>&1
grep -q '^topic *a1 = ti:w1$' "$T/show" || fail "update 1 was not applied: $(cat "$T/show")"
grep -q '^topic *a[23] ' "$T/show" &&
  fail "updates after SIGTERM were applied without an answer: $(cat "$T/show")"
[ "$(offset)" = 2 ] || fail "the offset after SIGTERM is $(offset), not 2"

# The next start answers the two others once, and update 1 not again.
/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); s["send_delay"] = 0
json.dump(s, open(sys.argv[1], "w"))' "$T/script.json"
start_daemon
wait_requests sendMessage 3 || fail "after the restart: $(answers 42)"
wait_requests getUpdates 3 || fail "no poll after the updates: $(tail -n 20 "$T/d.log")"
sleep 1
for n in 1 2 3; do
  [ "$(answers 42 | grep -c "Topic a$n added: ti:w$n")" = 1 ] ||
    fail "update $n was not answered once: $(answers 42)"
done
[ "$(answers 42 | wc -l)" = 3 ] || fail "chat 42 got $(answers 42 | wc -l) answers of 3: $(answers 42)"
pb subscriber show tg-42 >"$T/show" 2>&1
for n in 1 2 3; do
  [ "$(grep -c "^topic *a$n = ti:w$n\$" "$T/show")" = 1 ] ||
    fail "update $n not applied once: $(cat "$T/show")"
done
[ "$(offset)" = 4 ] || fail "the offset after the restart is $(offset), not 4"

# 3. SIGINT during a held long poll (the daemon above waits in one now).
stop INT
[ $rc = 0 ] || fail "the daemon exited $rc after SIGINT during the long poll"
[ $took_ms -le 3000 ] ||
  fail "SIGINT during the long poll: the daemon took $took_ms ms to exit (3000 at most)"
grep -q 'test-token' "$T/d.log" && fail "the token is in the log"

if [ $fails -ne 0 ]; then
  tail -n 30 "$T/d.log" >&2
  exit 1
fi
echo "69-telegram-bot-stop: ok"
