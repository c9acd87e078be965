#!/bin/sh
# The web endpoint's workers share one configuration: `paperboy serve` (2,000 subscribers from
# tests/lib/gen_config.py) under strace, counting the opens of the configuration file.
#  1. At the start the file is read as often as `paperboy check` reads it, twice over (the
#     command's own load, and the workers' one), not once per worker.
#  2. The file touched, then 8 requests at once: one reload (one web.reload line, the file
#     read once more), whichever workers handle them; every request answered 200.
#  3. A subscriber added to the state (`paperboy subscriber add`) is known at the next
#     requests, again with one reload.
set -u
: "${PAPERBOY:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-web-shared.XXXXXX) || exit 1
SRV=""
cleanup() {
  # serve is strace's child: stopped first, strace then ends by itself
  [ -n "$SRV" ] && { pkill -TERM -P "$SRV" 2>/dev/null; sleep 0.5; kill "$SRV" 2>/dev/null; }
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "64-web-shared-config: FAIL: $*" >&2; [ -f "$T/serve.log" ] && tail -n 5 "$T/serve.log" >&2; exit 1; }
command -v strace >/dev/null || die "no strace (contrib/install-deps.sh installs it)"
# LeakSanitizer cannot work under ptrace (make asan): the traced commands go without it
TRACED_ASAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

PORT=$($PY "$PB_TESTS/lib/free_port.py") || die "no free port"
$PY "$PB_TESTS/lib/gen_config.py" --dir "$T" --subscribers 2000 --smtp-port 9 --chat-port 9 \
  --email-only >/dev/null || die "gen_config.py failed"
cd "$T" || exit 1
sed -i "1a web = { listen = \"127.0.0.1:$PORT\"; base_url = \"http://127.0.0.1:$PORT\"; };" \
  paperboy.conf
ASAN_OPTIONS=$TRACED_ASAN strace -f -qq -e trace=openat -o check.trace "$PAPERBOY" -c paperboy.conf check >/dev/null 2>&1 ||
  die "check failed"
opens() { grep -c '"paperboy.conf"' "$1"; }
C=$(opens check.trace)
[ "$C" -ge 1 ] || die "check never opened the configuration"

ASAN_OPTIONS=$TRACED_ASAN strace -f -qq -e trace=openat -o serve.trace "$PAPERBOY" -c paperboy.conf serve >serve.log 2>&1 &
SRV=$!
i=0
until grep -q 'event=web.start' serve.log 2>/dev/null; do
  i=$((i + 1)); [ $i -le 300 ] || die "serve did not start within 30 s"
  sleep 0.1
done
start=$(opens serve.trace)
[ "$start" -le $((2 * C)) ] ||
  die "the configuration was read $start times at the start, want at most $((2 * C)) (check reads it $C times)"

burst() {   # 8 requests at once; every answer 200
  pids=""
  for i in 1 2 3 4 5 6 7 8; do
    curl -s -m 20 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT/" >"$T/code.$i" &
    pids="$pids $!"
  done
  for p in $pids; do wait "$p"; done
  for i in 1 2 3 4 5 6 7 8; do
    [ "$(cat "$T/code.$i")" = 200 ] || die "$1: a request answered $(cat "$T/code.$i")"
  done
}
burst "warm"
touch paperboy.conf
burst "after the touch"
n=$(grep -c 'event=web.reload.*why=file' serve.log)
[ "$n" -eq 1 ] || die "the touched file was loaded $n times, want once"
after=$(opens serve.trace)
[ "$after" -le $((start + C)) ] || die "the configuration was read $((after - start)) times after the touch, want at most $C"

"$PAPERBOY" -c paperboy.conf subscriber add extra --email extra@example.org \
  --topic 'x=cat:cs.CV' >add.out 2>&1 || die "subscriber add: $(cat add.out)"
burst "after the add"
n=$(grep -c 'event=web.reload.*why=stored' serve.log)
[ "$n" -eq 1 ] || die "the stored subscribers were loaded $n times, want once"
grep 'event=web.reload.*why=stored' serve.log | grep -q 'subscribers=2001' ||
  die "the added subscriber is not known: $(grep web.reload serve.log)"
echo "   configuration read: check $C, serve at the start $start, after the touch $((after - start))"
echo "64-web-shared-config: ok"
