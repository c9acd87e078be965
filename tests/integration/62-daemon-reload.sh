#!/bin/sh
# The daemon's reload, per-subscriber isolation of a broken rule, failed runs in `status`, where
# the daemon logs, and SIGTERM during an HTTP retry backoff. A local stand-in for arXiv
# (tests/lib/arxiv_server.py), the clock faked through PAPERBOY_NOW, the file sink only. Checks:
#  1. `daemon --once` with stderr a file (no --foreground) logs there; so does a plain `daemon`
#     when there is no syslog socket;
#  2. SIGHUP with a topic that does not compile (`ti:(video`) keeps the old configuration and
#     says why, in check's FILE:LINE: KEY form; the next scheduled cycle delivers to everyone;
#     and the daemon refuses to start on that file;
#  3. a run (config loaded without check's checks) where one subscriber's rule does not
#     compile still builds and delivers the others' digests, fails (78) naming the subscriber,
#     shows the failure in `status`, and once the rule is fixed the next run builds the missing
#     digest without sending the others twice;
#  4. a fetch that fails (HTTP 500, a host that does not resolve) is a failed run in `status`,
#     from `run` and from a daemon cycle (the same failure again is not a second row), and so
#     is a day whose feed stayed stale past the deadline;
#  5. SIGTERM while the fetch waits out a retry backoff ends the daemon at once (exit 0).
set -u
[ -n "${PB_TRACE:-}" ] && set -x
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d /tmp/pb-reload.XXXXXX) || exit 1
SRV= SRV2= SRV3= D1=
cleanup() {
  for p in $D1 $SRV $SRV2 $SRV3; do kill "$p" 2>/dev/null; done
  for p in $D1 $SRV $SRV2 $SRV3; do wait "$p" 2>/dev/null; done
  [ -n "${PB_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() {
  echo "FAIL: $*" >&2
  for f in "$T"/*.log "$T"/*.out; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}
# Generous bounds: the suite also runs under ASan.
wait_for() {   # wait_for FILE PATTERN SECONDS
  i=0
  while ! grep -q -- "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt $(($3 * 10)) ] && return 1
    sleep 0.1
  done
  return 0
}
wait_exit() {   # wait_exit PID SECONDS -> sets rc
  i=0
  while kill -0 "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt $(($2 * 10)) ] && return 1
    sleep 0.1
  done
  wait "$1"
  rc=$?
  return 0
}
start_server() {   # start_server PORTFILE LOG [ARGS...] -> sets the last pid in srv_pid
  pf=$1 lg=$2
  shift 2
  /usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$pf" --log "$lg" \
    --fixtures "$T/fx" --rss fresh.xml --pool api2026-query-all-testing-100.xml "$@" \
    2>>"$T/server.log" &
  srv_pid=$!
  i=0
  while [ ! -s "$pf" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && die "arXiv stand-in did not start within 10 s"
    kill -0 "$srv_pid" 2>/dev/null || die "arXiv stand-in exited"
    sleep 0.1
  done
}

mkdir -p "$T/fx"
FEED=rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml
cp "$PB_FIXTURES/$FEED" "$T/fx/fresh.xml"
cp "$PB_FIXTURES/api2026-query-all-testing-100.xml" "$T/fx/"
start_server "$T/port" "$T/requests.json"
SRV=$srv_pid
PORT=$(cat "$T/port")
# A second stand-in whose RSS answers 500 to every request.
start_server "$T/port2" "$T/requests2.json" --fail '/rss|500|1000'
SRV2=$srv_pid
PORT2=$(cat "$T/port2")

# conf NAME QUERY_OF_A [RSS_URL] [MAX_RETRIES] [STALE_MIN]: subscribers a and b, file sink only.
conf() {
  cat <<CONF
state_dir = "$T/state-$1";
timezone = "Asia/Shanghai";
schedule = ["08:30", "20:30"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
log_level = "info";
catchup_days = 0;
arxiv = {
  categories = ["cs.LG"];
  rss_url = "${3:-http://127.0.0.1:$PORT/rss}";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 10;
  max_retries = ${4:-0};
  stale_deadline_min = ${5:-0};
};
file = { dir = "$T/out-$1"; };
subscribers = (
  { name = "a";
    topics = ( { name = "T";
                 query = "$2"; } ); },
  { name = "b"; topics = ( { name = "ML"; query = "cat:cs.LG OR cat:cs.AI"; } ); } );
CONF
}
GOOD='cat:cs.LG OR cat:cs.AI'
BROKEN='ti:(video'

# 1. Where logs go. --once without --foreground, stderr a file: the lines are there.
conf log "$GOOD" >"$T/log.conf"
PAPERBOY_NOW=2026-09-24T12:00:00Z $PAPERBOY -c "$T/log.conf" daemon --once 2>"$T/once.log" \
  </dev/null || die "daemon --once: exit $?"
grep -q "level=info event=daemon.start " "$T/once.log" || die "--once logged nothing to stderr"
grep -q "event=daemon.cycle date=2026-09-24 status=ok" "$T/once.log" || die "--once: no cycle line"
# A plain daemon (no --foreground) with stderr a file: stderr when there is no syslog socket.
if [ ! -S /dev/log ]; then
  PAPERBOY_NOW=2026-09-24T12:00:00Z $PAPERBOY -c "$T/log.conf" daemon 2>"$T/plain.log" </dev/null &
  D1=$!
  wait_for "$T/plain.log" "event=daemon.sleep until=" 30 ||
    die "daemon without syslog socket: nothing on stderr"
  kill -TERM "$D1"
  wait_exit "$D1" 20 || die "plain daemon: not stopped within 20 s"
  D1=
  [ "$rc" -eq 0 ] || die "plain daemon: exit $rc"
else
  echo "note: /dev/log exists; the no-syslog case is not exercised" >&2
fi

# 2. A running daemon (no history: it waits for 20:30 Shanghai = 12:30 UTC, 20 s away) gets a
#    topic that does not compile, and SIGHUP.
conf hup "$GOOD" >"$T/hup.conf"
PAPERBOY_NOW=2026-09-24T12:29:40Z $PAPERBOY -c "$T/hup.conf" daemon --foreground 2>"$T/hup.log" &
D1=$!
wait_for "$T/hup.log" "event=daemon.sleep until=2026-09-24T12:30:00Z" 30 ||
  die "daemon does not sleep until 12:30 UTC"
conf hup "$BROKEN" >"$T/hup.conf"
$PAPERBOY -c "$T/hup.conf" check >"$T/check.out" 2>&1 && die "check accepts $BROKEN"
kill -HUP "$D1"
wait_for "$T/hup.log" "event=daemon.reload_failed" 30 || die "a broken rule was not refused"
grep "event=daemon.reload_failed" "$T/hup.log" | grep -q "keeping=old" ||
  die "reload_failed: no keeping=old"
grep "event=daemon.reload_failed" "$T/hup.log" |
  grep -q "$T/hup.conf:[0-9]*: subscribers.\[0\].topics.\[0\].query: subscriber a, topic T, column 4: unclosed" ||
  die "reload_failed does not say where and why, as check does"
grep -q "event=daemon.reloaded" "$T/hup.log" && die "a broken rule was reloaded"
# What check says is what the reload said.
grep -q "^paperboy: $T/hup.conf:[0-9]*: subscribers.\[0\].topics.\[0\].query: subscriber a, topic T, column 4: unclosed" \
  "$T/check.out" || die "check: $(cat "$T/check.out")"
wait_for "$T/hup.log" "event=daemon.cycle date=2026-09-24 status=" 90 || die "no cycle at 12:30"
grep -q "event=daemon.cycle date=2026-09-24 status=ok" "$T/hup.log" ||
  die "the cycle after a refused reload did not succeed"
[ -f "$T/out-hup/2026-09-24/a/digest.md" ] || die "a got no digest after the refused reload"
[ -f "$T/out-hup/2026-09-24/b/digest.md" ] || die "b got no digest after the refused reload"
kill -TERM "$D1"
wait_exit "$D1" 20 || die "daemon did not stop within 20 s"
D1=
[ "$rc" -eq 0 ] || die "SIGTERM: exit $rc"
# Started on the broken file, the daemon refuses as check does.
PAPERBOY_NOW=2026-09-24T12:00:00Z $PAPERBOY -c "$T/hup.conf" daemon --once 2>"$T/start.log"
rc=$?
[ "$rc" -eq 78 ] || die "daemon started on a broken rule: exit $rc, want 78"
grep -q "subscribers.\[0\].topics.\[0\].query: subscriber a, topic T, column 4: unclosed" \
  "$T/start.log" || die "daemon start: $(cat "$T/start.log")"

# 3. One subscriber's rule does not compile in a run: b still gets its digest.
conf iso "$BROKEN" >"$T/iso.conf"
$PAPERBOY -c "$T/iso.conf" run --feed "$T/fx/fresh.xml" >"$T/iso.out" 2>"$T/iso.log"
rc=$?
[ "$rc" -eq 78 ] || die "run with a broken subscriber: exit $rc, want 78"
[ -f "$T/out-iso/2026-09-24/b/digest.md" ] || die "b lost its digest to a's broken rule"
[ -e "$T/out-iso/2026-09-24/a" ] && die "a got a digest from a broken rule"
grep -q "event=digest.skipped subscriber=a date=2026-09-24 error=.*unclosed" "$T/iso.log" ||
  die "the skipped subscriber is not logged"
grep -q "^paperboy: 1 subscriber left out, no digest built: subscriber a, topic T" "$T/iso.log" ||
  die "run does not say a digest was not built"
$PAPERBOY -c "$T/iso.conf" status >"$T/iso-status.out" 2>&1 || die "status: exit $?"
grep -Eq "^  2026-09-24 +run +failed .*1 subscriber left out, no digest built: subscriber a, topic T" \
  "$T/iso-status.out" || die "status does not show the run that left a out"
sent_b=$(sqlite3 "$T/state-iso/paperboy.db" "SELECT COUNT(*) FROM outbox WHERE subscriber = 'b'")
[ "$sent_b" -ge 1 ] || die "no outbox message for b"
# Fixed: the next run builds a's digest, and b's messages are not sent again.
conf iso "$GOOD" >"$T/iso.conf"
$PAPERBOY -c "$T/iso.conf" run --feed "$T/fx/fresh.xml" >"$T/iso2.out" 2>"$T/iso2.log" ||
  die "run after the fix: exit $?"
[ -f "$T/out-iso/2026-09-24/a/digest.md" ] || die "a did not get its digest after the fix"
[ "$(sqlite3 "$T/state-iso/paperboy.db" "SELECT COUNT(*) FROM outbox WHERE subscriber = 'b'")" = "$sent_b" ] ||
  die "b's messages were enqueued again"
$PAPERBOY -c "$T/iso.conf" status >"$T/iso-status2.out" 2>&1 || die "status 2: exit $?"
grep -Eq "^  2026-09-24 +run +done" "$T/iso-status2.out" || die "the fixed run is not done"

# 4. Failed fetches are failed runs in status: a 500 (run), a 500 (daemon cycle), no DNS.
conf f500 "$GOOD" "http://127.0.0.1:$PORT2/rss" >"$T/f500.conf"
$PAPERBOY -c "$T/f500.conf" run >"$T/f500.out" 2>"$T/f500.log"
rc=$?
[ "$rc" -ne 0 ] || die "run against a 500: exit 0"
$PAPERBOY -c "$T/f500.conf" status >"$T/f500-status.out" 2>&1 || die "status: exit $?"
grep -q "none yet" "$T/f500-status.out" && die "status after a failed fetch: runs: none yet"
grep -Eq "^  [0-9-]{10} +run +failed .*500" "$T/f500-status.out" ||
  die "status does not show the failed fetch"
# The same failure again (as when the daemon polls an unreachable source) is not a new row.
$PAPERBOY -c "$T/f500.conf" run >"$T/f500b.out" 2>"$T/f500b.log" && die "second run against a 500: exit 0"
[ "$(sqlite3 "$T/state-f500/paperboy.db" "SELECT COUNT(*) FROM runs WHERE status = 'failed'")" = 1 ] ||
  die "a repeated failure was recorded twice"
conf d500 "$GOOD" "http://127.0.0.1:$PORT2/rss" >"$T/d500.conf"
PAPERBOY_NOW=2026-09-24T12:00:00Z $PAPERBOY -c "$T/d500.conf" daemon --once 2>"$T/d500.log"
rc=$?
[ "$rc" -eq 75 ] || die "daemon --once against a 500: exit $rc, want 75"
grep -q "event=daemon.cycle date=2026-09-24 status=failed" "$T/d500.log" || die "no failed cycle line"
$PAPERBOY -c "$T/d500.conf" status >"$T/d500-status.out" 2>&1 || die "status: exit $?"
grep -Eq "^  2026-09-24 +run +failed .*500" "$T/d500-status.out" ||
  die "status does not show the failed daemon cycle"
conf dns "$GOOD" "http://paperboy-test.invalid/rss" |
  sed 's/request_interval_ms = 10;/request_interval_ms = 3000;/' >"$T/dns.conf"
$PAPERBOY -c "$T/dns.conf" run >"$T/dns.out" 2>"$T/dns.log"
[ $? -ne 0 ] || die "run against a name that does not resolve: exit 0"
$PAPERBOY -c "$T/dns.conf" status >"$T/dns-status.out" 2>&1 || die "status: exit $?"
grep -Eq "^  [0-9-]{10} +run +failed .*paperboy-test.invalid" "$T/dns-status.out" ||
  die "status does not show the failed resolution"
# A stale feed until the deadline is a failed day too.
sed 's/Thu, 24 Sep 2026/Wed, 23 Sep 2026/g' "$T/fx/fresh.xml" >"$T/fx/stale.xml"
start_server "$T/port3" "$T/requests3.json" --rss stale.xml
SRV3=$srv_pid
conf stale "$GOOD" "http://127.0.0.1:$(cat "$T/port3")/rss" >"$T/stale.conf"
PAPERBOY_NOW=2026-09-24T12:00:00Z $PAPERBOY -c "$T/stale.conf" daemon --once 2>"$T/stale.log"
rc=$?
[ "$rc" -eq 75 ] || die "stale --once: exit $rc, want 75"
$PAPERBOY -c "$T/stale.conf" status >"$T/stale-status.out" 2>&1 || die "status: exit $?"
grep -Eq "^  2026-09-24 +run +failed .*stale feed" "$T/stale-status.out" ||
  die "status does not show the stale day"

# 5. SIGTERM while the fetch waits out a retry backoff (500s, five retries: 2+4+8+16+32 s).
conf term "$GOOD" "http://127.0.0.1:$PORT2/rss" 5 >"$T/term.conf"
: >"$T/requests2.json"
PAPERBOY_NOW=2026-09-24T12:00:00Z $PAPERBOY -c "$T/term.conf" daemon --once 2>"$T/term.log" &
D1=$!
wait_for "$T/requests2.json" '"/rss' 30 || die "no request reached the failing stand-in"
sleep 0.5
kill -TERM "$D1"
wait_exit "$D1" 5 || die "SIGTERM during a retry backoff: not stopped within 5 s"
D1=
[ "$rc" -eq 0 ] || die "SIGTERM during a retry backoff: exit $rc"
exit 0
