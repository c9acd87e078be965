#!/bin/sh
# Two daemons with telegram.commands on one state (two machines, one SQLite file both
# state_dirs link to) and one bot: Telegram serves one getUpdates at a time and ends the
# earlier poll with 409 Conflict when another comes (the stand-in does so too). Checks: one
# machine polls and the other says it waits, no poll is ended by a conflict, a command is
# answered once; once the polling machine is stopped, the other takes the poll over and
# answers the next command.
set -u
: "${PAPERBOY:?}"
PB_TESTS=${PB_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d /tmp/pb-tgmach.XXXXXX)
TG= A= B=
cleanup() {
  for p in $A $B $TG; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() {
  echo "69-telegram-bot-machines: FAIL: $*" >&2
  for m in alpha beta; do [ -f "$T/$m.log" ] && tail -n 15 "$T/$m.log" >&2; done
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

TOKEN=123456:test-token
echo '{"updates": []}' >"$T/script.json"
/usr/bin/python3 "$PB_TESTS/lib/telegram_bot_server.py" --port-file "$T/tgport" --log "$T/tg.json" \
  --script "$T/script.json" --token "$TOKEN" --timeout 120 2>"$T/tg.log" &
TG=$!
wait_for 10 test -s "$T/tgport" || die "the Telegram stand-in did not start"
TGPORT=$(cat "$T/tgport")
export PB_TG_TOKEN=$TOKEN
mkdir -p "$T/shared"
for m in alpha beta; do
  mkdir -p "$T/state-$m"
  ln -s "$T/shared/paperboy.db" "$T/state-$m/paperboy.db"
  cat >"$T/$m.conf" <<CONF
state_dir = "$T/state-$m";
state = { machine = "$m"; lease_s = 5; };
schedule = ["$(date -u -d '+12 hours' +%H):00"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:9/rss";
          api_url = "http://127.0.0.1:9/api/query"; max_retries = 0; };
telegram = { api_url = "http://127.0.0.1:$TGPORT"; token_env = "PB_TG_TOKEN"; commands = true;
             poll_timeout = 2; };
file = { dir = "$T/out"; };
subscribers = ( { name = "lab"; telegram_chat = "-100888";
                  topics = ( { name = "ml"; query = "cat:cs.LG"; } ); } );
CONF
done
count() {   # count METHOD [CHAT]: requests of METHOD (to CHAT) the stand-in saw
  /usr/bin/python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] == sys.argv[2] and (len(sys.argv) < 4 or
                                       str(r["body"].get("chat_id")) == sys.argv[3]):
        n += 1
print(n)' "$T/tg.json" "$@"
}
at_least() { [ "$(count "$@")" -ge "$N" ]; }
add_update() {   # add_update ID TEXT: a private message of user 42
  /usr/bin/python3 -c '
import json, os, sys
p = sys.argv[1]
s = json.load(open(p))
s["updates"].append({"update_id": int(sys.argv[2]), "message": {"message_id": int(sys.argv[2]),
                     "chat": {"id": 42, "type": "private"}, "from": {"id": 42},
                     "text": sys.argv[3]}})
json.dump(s, open(p + ".tmp", "w"))
os.replace(p + ".tmp", p)' "$T/script.json" "$1" "$2"
}

"$PAPERBOY" -c "$T/alpha.conf" daemon --foreground >"$T/alpha.log" 2>&1 &
A=$!
N=1; wait_for 20 at_least getUpdates || die "alpha does not poll"
"$PAPERBOY" -c "$T/beta.conf" daemon --foreground >"$T/beta.log" 2>&1 &
B=$!
wait_for 20 grep -q "another machine of the state polls Telegram" "$T/beta.log" ||
  die "beta does not leave the poll to alpha"
sleep 5
[ "$(count conflict)" = 0 ] || die "$(count conflict) polls ended by another's (409 Conflict)"
grep -q "Conflict" "$T/alpha.log" "$T/beta.log" && die "a daemon met a 409 Conflict"
add_update 1 "/add ti:tracking"
N=1; wait_for 20 at_least sendMessage 42 || die "/add was not answered"
sleep 4
[ "$(count sendMessage 42)" = 1 ] || die "/add answered $(count sendMessage 42) times"

# the polling machine stops: the other takes the poll over once its lease has run out
kill -TERM "$A"
wait "$A" 2>/dev/null
A=
add_update 2 "/topics"
N=2; wait_for 40 at_least sendMessage 42 || die "beta did not take the poll over"
grep -q "this machine polls Telegram now" "$T/beta.log" || die "beta does not say it polls"
[ "$(count conflict)" = 0 ] || die "$(count conflict) polls ended by another's (409 Conflict)"
echo "69-telegram-bot-machines: ok"
