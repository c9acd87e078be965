#!/bin/sh
# End-to-end: 1,000 subscribers (email + Slack + Telegram each), one day's feed (the 1,504-item
# RSS) from a local arXiv stand-in, the full cycle to local peers: Postfix's smtp-sink for mail,
# the Slack/Telegram stand-in for chat. Prints the time per stage, in total, and peak memory.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
TESTS="$(cd "$(dirname "$0")/../tests" && pwd)"
N=${PB_BENCH_SUBSCRIBERS:-1000}
T=$(mktemp -d /tmp/pb-bench-e2e.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT INT TERM
fail() { echo "bench_e2e: $*" >&2; exit 1; }
PY=/usr/bin/python3
wait_file() { i=0; while [ ! -s "$1" ]; do i=$((i+1)); [ $i -le 300 ] || fail "no $1"; sleep 0.1; done; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

$PY "$TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" --log "$T/arxiv.log" \
  --fixtures "$PB_FIXTURES" --rss rss2-all-archives-2024-11-28-1504items.xml 2>/dev/null &
pids="$pids $!"
$PY "$TESTS/lib/chat_server.py" --port-file "$T/chat.port" --log "$T/chat.log" --quiet-log \
  --token "123456:BENCH-token" --timeout 900 2>/dev/null &
pids="$pids $!"
SMTP_PORT=$(free_port)
SINK_USER=""; [ "$(id -u)" = 0 ] && SINK_USER="-u nobody"
# shellcheck disable=SC2086
/usr/sbin/smtp-sink $SINK_USER 127.0.0.1:"$SMTP_PORT" 256 &
pids="$pids $!"
wait_file "$T/arxiv.port"; wait_file "$T/chat.port"
i=0; until $PY -c "import socket; socket.create_connection(('127.0.0.1',$SMTP_PORT),1).close()" 2>/dev/null; do
  i=$((i+1)); [ $i -le 300 ] || fail "smtp-sink did not listen"; sleep 0.1; done
AP=$(cat "$T/arxiv.port")
$PY "$TESTS/lib/gen_config.py" --dir "$T" --subscribers "$N" --smtp-port "$SMTP_PORT" \
  --chat-port "$(cat "$T/chat.port")" --token-env PB_BENCH_TOKEN \
  --rss-url "http://127.0.0.1:$AP/rss" --api-url "http://127.0.0.1:$AP/api/query"
export PB_BENCH_TOKEN="123456:BENCH-token"

cmd="$PAPERBOY -c $T/paperboy.conf run --wait 60"
ROUNDS=${PB_BENCH_ROUNDS:-3}
med() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
fetch=""; match=""; build=""; deliver=""; walls=""; rsss=""; r=0
while [ "$r" -lt "$ROUNDS" ]; do
  r=$((r + 1))
  rm -rf "$T/state"   # a fresh state each run (gen_config.py: state_dir = DIR/state)
  /usr/bin/time -f "%e %M" -o "$T/time" $cmd >"$T/out" 2>"$T/log" || { tail -5 "$T/log"; fail "run failed"; }
  line=$(grep 'event=run.done' "$T/log" | tail -1)
  get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  [ "$(get sent)" = "$(get messages)" ] && [ "$(get messages)" -gt 0 ] || fail "run $r sent $(get sent) of $(get messages)"
  read -r wall rss <"$T/time"
  fetch="$fetch $(get fetch_ms)"; match="$match $(get match_ms)"; build="$build $(get build_ms)"
  deliver="$deliver $(get deliver_ms)"; walls="$walls $wall"; rsss="$rsss $rss"
done
echo "command: /usr/bin/time -f '%e %M' $cmd   ($ROUNDS runs, a fresh state each; medians)"
echo "  (peers: arxiv_server.py on 127.0.0.1:$AP, smtp-sink 127.0.0.1:$SMTP_PORT, chat_server.py)"
printf '  subscribers   %8d\n' "$N"
printf '  papers        %8s\n' "$(get papers)"
printf '  digests       %8s\n' "$(get digests)"
printf '  messages      %8s   sent %s, failed %s, pending %s (the last run)\n' "$(get messages)" \
  "$(get sent)" "$(get failed)" "$(get pending)"
printf '  fetch         %8s ms   (RSS over HTTP + parse; runs:%s)\n' "$(echo "$fetch" | med)" "$fetch"
printf '  match         %8s ms   (runs:%s)\n' "$(echo "$match" | med)" "$match"
printf '  build         %8s ms   (summarize + render + enqueue; runs:%s)\n' "$(echo "$build" | med)" "$build"
printf '  deliver       %8s ms   (runs:%s)\n' "$(echo "$deliver" | med)" "$deliver"
printf '  total wall    %8s s    (runs:%s)\n' "$(echo "$walls" | med)" "$walls"
printf '  peak memory   %8s KB   (runs:%s)\n' "$(echo "$rsss" | med)" "$rsss"
