# Sourced by bench_scale.sh and bench_history.sh (not run by itself: bench/run.sh runs
# bench_*.sh): the helpers and the two local peers of a whole-run benchmark. bench_init NAME
# makes the scratch directory T and stops what pids names and removes T at the end;
# start_sinks (TESTS, PB_FIXTURES and FEED set) starts the arXiv stand-in and Postfix's
# smtp-sink and sets AP (the stand-in's port) and SMTP_PORT (the sink's, which the runs and
# smtp-source both send to).
PY=/usr/bin/python3
bench_init() {
  BENCH_NAME=$1
  T=$(mktemp -d "/tmp/pb-$1.XXXXXX")
  pids=""
  trap cleanup EXIT
  trap 'exit 1' INT TERM
}
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
fail() { echo "$BENCH_NAME: $*" >&2; exit 1; }
wait_file() { i=0; while [ ! -s "$1" ]; do i=$((i+1)); [ $i -le 300 ] || fail "no $1"; sleep 0.1; done; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { $PY -c 'import time; print("%.3f" % time.time())'; }
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }

start_sinks() {
  [ -x /usr/sbin/smtp-sink ] && [ -x /usr/sbin/smtp-source ] || fail "needs postfix's smtp-sink and smtp-source"
  $PY "$TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" --log "$T/arxiv.log" \
    --fixtures "$PB_FIXTURES" --rss "$FEED" 2>/dev/null &
  pids="$pids $!"
  SMTP_PORT=$(free_port)
  SINK_USER=""; [ "$(id -u)" = 0 ] && SINK_USER="-u nobody"
  # shellcheck disable=SC2086
  /usr/sbin/smtp-sink $SINK_USER 127.0.0.1:"$SMTP_PORT" 1024 &
  pids="$pids $!"
  wait_file "$T/arxiv.port"
  i=0; until $PY -c "import socket; socket.create_connection(('127.0.0.1',$SMTP_PORT),1).close()" 2>/dev/null; do
    i=$((i+1)); [ $i -le 300 ] || fail "smtp-sink did not listen"; sleep 0.1; done
  AP=$(cat "$T/arxiv.port")
}
