#!/bin/sh
# Pacing and the readers' side across machines sharing one state.
#  1. An unsubscribe answered by machine alpha's web endpoint is seen by machine beta at
#     once (its status lists the destination) and nothing goes to it from either machine.
#  2. Two machines deliver to one Telegram chat (60 subscribers share it) at once: the chat
#     stand-in's arrival times keep the per-chat interval (100 ms here) though both send.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}" "${BUILD:?}"
N=60
T=$(mktemp -d /tmp/pb-multi-pace.XXXXXX) || exit 1
SRV= SMTP= CHAT= WEB= A= B= PGDIR=
MULTI_NAME=89-machines-pacing
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"
MULTI_SESSIONS=1
MULTI_DELIVERY="telegram_chat_interval_ms = 100; telegram_global_per_s = 100;"
free_port() {
  /usr/bin/python3 "$PB_TESTS/lib/free_port.py"
}

/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" \
  --log "$T/requests.json" --fixtures "$PB_FIXTURES" 2>"$T/arxiv.err" &
SRV=$!
mkdir -p "$T/mail"
/usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
  --timeout 300 2>"$T/smtpd.err" &
SMTP=$!
/usr/bin/python3 "$PB_TESTS/lib/chat_server.py" --port-file "$T/chat.port" --log "$T/chat.json" \
  --token "123456:PACE-token" --timeout 300 2>"$T/chat.err" &
CHAT=$!
wait_file "$T/arxiv.port" 30
wait_file "$T/smtp.port" 30
wait_file "$T/chat.port" 30
export PB_PACE_TOKEN="123456:PACE-token"
WPORT=$(free_port)
BASE="http://127.0.0.1:$WPORT"

{
  i=0
  while [ "$i" -lt "$N" ]; do
    printf '  { name = "t%03d"; telegram_chat = "777"; topics = ( { name = "ML";\n' "$i"
    printf '      query = "cat:cs.LG OR cat:cs.AI OR cat:cs.CL OR cat:stat.ML"; } ); },\n'
    i=$((i + 1))
  done
  for u in gone stay; do
    printf '  { name = "%s"; email = ["%s@example.org"]; topics = ( { name = "ML";\n' "$u" "$u"
    printf '      query = "cat:cs.LG"; } ); }%s\n' "$([ $u = gone ] && echo ,)"
  done
  echo ");"
} >"$T/subs"
MULTI_SUBS="$T/subs"
EXTRA="telegram = { api_url = \"http://127.0.0.1:$(cat "$T/chat.port")\"; token_env = \"PB_PACE_TOKEN\"; };
web = { listen = \"127.0.0.1:$WPORT\"; base_url = \"$BASE\"; secret_file = \"$T/web.secret\"; };"

multi_state "$T" || die "no shared state"
echo "   backend=$MULTI_BACKEND"
multi_conf "$T" alpha "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" 0 "$EXTRA" >"$T/a.conf"
multi_conf "$T" beta "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" 0 "$EXTRA" >"$T/b.conf"
"$PAPERBOY" -c "$T/a.conf" check >/dev/null 2>"$T/check.err" || die "config a does not load"

# 1. alpha's endpoint answers gone's one-click unsubscribe; beta sees it at once.
"$PAPERBOY" -c "$T/a.conf" serve >"$T/serve.out" 2>"$T/serve.log" &
WEB=$!
i=0
until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$WPORT),1).close()" 2>/dev/null; do
  i=$((i + 1)); [ $i -le 100 ] || die "alpha's endpoint does not listen"
  sleep 0.1
done
URL=$("$BUILD/tests/tools/web_token" "$T/web.secret" "$BASE" unsub gone gone@example.org) ||
  die "web_token failed"
c=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -d List-Unsubscribe=One-Click "$URL")
[ "$c" = 200 ] || die "the unsubscribe on alpha answered $c"
"$PAPERBOY" -c "$T/b.conf" status >"$T/status1.out" 2>"$T/status1.err" || die "beta's status failed"
grep -Eq '^  gone +email +gone@example.org' "$T/status1.out" ||
  die "beta does not see gone's unsubscribe: $(cat "$T/status1.out")"
kill "$WEB"; wait "$WEB" 2>/dev/null; WEB=

# 2. Both machines deliver to chat 777 at once.
"$PAPERBOY" -c "$T/a.conf" run >"$T/a.out" 2>"$T/a.log" &
A=$!
"$PAPERBOY" -c "$T/b.conf" run >"$T/b.out" 2>"$T/b.log" &
B=$!
wait_exit "$A" 120 || die "alpha did not finish within 120 s"
ra=$rc; A=
wait_exit "$B" 120 || die "beta did not finish within 120 s"
rb=$rc; B=
[ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] || die "exit alpha $ra, beta $rb"
sa=$(grep -c 'event=deliver.attempt.*channel=telegram.*status=sent' "$T/a.log")
sb=$(grep -c 'event=deliver.attempt.*channel=telegram.*status=sent' "$T/b.log")
echo "   chat messages: alpha sent $sa, beta sent $sb"
[ "$sa" -gt 0 ] && [ "$sb" -gt 0 ] || die "one machine sent nothing to the chat"
/usr/bin/python3 - "$T/chat.json" "$N" <<'PY' || die "the chat's pacing was broken"
import json, os, sys
sys.path.insert(0, os.environ["PB_TESTS"] + "/lib"); from pacing import check_paced
t = sorted(r["t"] for r in map(json.loads, open(sys.argv[1]))
           if r.get("kind") == "telegram" and r.get("chat") == "777")
if len(t) != int(sys.argv[2]):
    sys.exit("%d messages reached the chat, want %s" % (len(t), sys.argv[2]))
gaps = [b - a for a, b in zip(t, t[1:])]
print("   smallest gap %.3f s over %d messages" % (min(gaps), len(t)))
check_paced(t, 0.1, "one chat paced across machines")
PY
grep -q '"stay@example.org"' "$T/mail/index.jsonl" || die "stay got no digest"
grep -q '"gone@example.org"' "$T/mail/index.jsonl" && die "gone got a digest after unsubscribing"
echo "89-machines-pacing: ok"
