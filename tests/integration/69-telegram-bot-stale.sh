#!/bin/sh
# The chat commands while the daemon waits for a stale feed: arXiv's RSS still shows the day
# before (it turns at midnight ET, hours after the release some days, and is late now and
# then), and the daemon polls it again with backoff for up to stale_deadline_min. A command
# sent during that wait is answered within a long poll, not when the wait ends.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
PB_TESTS=${PB_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d /tmp/pb-tgstale.XXXXXX)
TG= AX= D=
cleanup() {
  for p in $D $TG $AX; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() {
  echo "69-telegram-bot-stale: FAIL: $*" >&2
  [ -f "$T/d.log" ] && grep -v "event=http.get" "$T/d.log" | tail -n 15 >&2
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
sed 's/Thu, 24 Sep 2026/Wed, 23 Sep 2026/g' "$PB_FIXTURES/$FEED" >"$T/fx/feed.xml"
grep -q 'Wed, 23 Sep 2026' "$T/fx/feed.xml" || die "could not make the stale feed"
cp "$PB_FIXTURES/api2026-query-all-testing-100.xml" "$T/fx/"
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/axport" --log "$T/ax.json" \
  --fixtures "$T/fx" --rss feed.xml --pool api2026-query-all-testing-100.xml 2>"$T/ax.log" &
AX=$!
TOKEN=123456:test-token
echo '{"updates": []}' >"$T/script.json"
/usr/bin/python3 "$PB_TESTS/lib/telegram_bot_server.py" --port-file "$T/tgport" --log "$T/tg.json" \
  --script "$T/script.json" --token "$TOKEN" --timeout 120 2>"$T/tg.log" &
TG=$!
wait_for 10 test -s "$T/axport" || die "the arXiv stand-in did not start"
wait_for 10 test -s "$T/tgport" || die "the Telegram stand-in did not start"
export PB_TG_TOKEN=$TOKEN
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
schedule = ["12:00"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:$(cat "$T/axport")/rss";
          api_url = "http://127.0.0.1:$(cat "$T/axport")/api/query"; request_interval_ms = 10;
          max_retries = 0; fill_metadata = false; stale_deadline_min = 30; };
telegram = { api_url = "http://127.0.0.1:$(cat "$T/tgport")"; token_env = "PB_TG_TOKEN";
             commands = true; poll_timeout = 2; };
file = { dir = "$T/out"; };
subscribers = ( { name = "lab"; telegram_chat = "-100888";
                  topics = ( { name = "ml"; query = "cat:cs.LG"; } ); } );
CONF
sent() {   # the answers sent to chat 42 so far
  /usr/bin/python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["method"] == "sendMessage"
          and str(json.loads(l)["body"].get("chat_id")) == "42"))' "$T/tg.json"
}
answered() { [ "$(sent)" -ge 1 ]; }

# Thursday 2026-09-24, 12:00 UTC: the announcement of 2026-09-24 is expected, the feed is
# still 2026-09-23's; the daemon polls it again a minute later, and so on.
PAPERBOY_NOW=2026-09-24T11:59:57Z "$PAPERBOY" -c "$T/pb.conf" daemon --foreground >"$T/d.log" 2>&1 &
D=$!
wait_for 40 grep -q "event=daemon.poll_again expected=2026-09-24 reason=stale" "$T/d.log" ||
  die "the daemon does not wait for the stale feed"
/usr/bin/python3 -c '
import json, os, sys
p = sys.argv[1]
s = json.load(open(p))
s["updates"].append({"update_id": 1, "message": {"message_id": 1, "from": {"id": 42},
                     "chat": {"id": 42, "type": "private"}, "text": "/add ti:tracking"}})
json.dump(s, open(p + ".tmp", "w"))
os.replace(p + ".tmp", p)' "$T/script.json"
wait_for 15 answered || die "/add was not answered while the daemon waited for the feed"
grep -q "event=daemon.cycle date=2026-09-24 status=ok" "$T/d.log" &&
  die "the stand-in's feed is not stale"
echo "69-telegram-bot-stale: ok"
