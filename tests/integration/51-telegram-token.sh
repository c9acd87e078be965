#!/bin/sh
# A bot token the Telegram Bot API refuses (401 Unauthorized: revoked, or mistyped) with
# `paperboy run` against tests/lib/chat_server.py on 127.0.0.1:
#  1. the run exits 69 saying the messages wait; the refusal is a warning naming
#     telegram.token, never the token; both chats' messages stay pending, none failed;
#  2. with the token mended, the next run sends both, once each, and exits 0.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-tgtoken.XXXXXX)
CHAT=
cleanup() {
  [ -n "$CHAT" ] && { kill "$CHAT" 2>/dev/null; wait "$CHAT" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "51-telegram-token: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "51-telegram-token: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
[ -f "$FEED" ] || die "missing fixture $FEED"

$PY "$PB_TESTS/lib/chat_server.py" --port-file "$T/chat.port" --log "$T/chat.jsonl" \
  --token "777:RIGHT" --timeout 300 2>"$T/chat.err" &
CHAT=$!
i=0
while [ ! -s "$T/chat.port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/chat.err" >&2; die "the chat peer did not start within 10 s"; }
  sleep 0.1
done
CP=$(cat "$T/chat.port")
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
delivery = { retry_base_s = 1; };
telegram = { token_env = "PB_TEST_TG_TOKEN"; api_url = "http://127.0.0.1:$CP"; };
subscribers = (
  { name = "one"; telegram_chat = "777"; max_papers = 1;
    topics = ( { name = "Video"; query = "ti:video"; } ); },
  { name = "two"; telegram_chat = "778"; max_papers = 1;
    topics = ( { name = "3D"; query = "ti:3D"; } ); } );
CONF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
sent() { grep -c '"status": 200' "$T/chat.jsonl" 2>/dev/null; }

# 1. the token refused
PB_TEST_TG_TOKEN="777:WRONG" pb run --feed "$FEED" --wait 0 >"$T/run1.out" 2>"$T/run1.err"
rc=$?
[ $rc = 69 ] || fail "1: a refused token: exit $rc, want 69: $(tail -n 3 "$T/run1.err")"
grep -q 'messages wait: the server refused the session itself' "$T/run1.err" ||
  fail "1: run does not say the messages wait: $(tail -n 2 "$T/run1.err")"
grep -q 'level=warn event=deliver.attempt subscriber=one channel=telegram .*status=retry .*refused the bot token (telegram.token)' \
  "$T/run1.err" || fail "1: no warning of the refused token: $(grep deliver.attempt "$T/run1.err")"
grep -q 'WRONG' "$T/run1.err" && fail "1: the token reached the log"
[ "$(sent)" = 0 ] || fail "1: something was sent: $(cat "$T/chat.jsonl")"
PB_TEST_TG_TOKEN="777:RIGHT" pb status >"$T/status1" 2>&1
# outbox: CHANNEL pending sent failed expired paused
grep -Eq '^  telegram +2 +0 +0 +0 +0$' "$T/status1" &&
  grep -q 'pending after 1 attempt: the Bot API refused the bot token' "$T/status1" ||
  fail "1: status: $(cat "$T/status1")"

# 2. mended: both go, once each
sleep 2
PB_TEST_TG_TOKEN="777:RIGHT" pb run --feed "$FEED" --wait 5 >"$T/run2.out" 2>"$T/run2.err"
rc=$?
[ $rc = 0 ] || fail "2: the mended run: exit $rc: $(tail -n 3 "$T/run2.err")"
[ "$(sent)" = 2 ] || fail "2: want 2 messages sent, got $(sent): $(cat "$T/chat.jsonl")"
PB_TEST_TG_TOKEN="777:RIGHT" pb run --feed "$FEED" --wait 0 >"$T/run3.out" 2>"$T/run3.err" ||
  fail "3: a third run: $(tail -n 3 "$T/run3.err")"
[ "$(sent)" = 2 ] || fail "3: a message went twice: $(cat "$T/chat.jsonl")"

[ $fails = 0 ] || exit 1
echo "51-telegram-token: ok"
