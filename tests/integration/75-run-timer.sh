#!/bin/sh
# What contrib/systemd/paperboy-run.timer starts, and when. Checks:
#  1. the timer fires on the New York day of each announcement, Monday to Friday, once its
#     feed has turned at midnight New York time (rss.arxiv.org serves the announcement of a
#     date from 00:00 ET that day), in winter and in summer (systemd-analyze calendar);
#  2. the service's command, with the clock faked through PAPERBOY_NOW against a local
#     stand-in for arXiv: a feed that is still the day before's when it fires is not taken
#     for done (exit 75, which systemd starts again), the fresh one is then taken;
#  3. after a machine was off over several announcements, the next start catches up on each
#     missed day once, oldest first, through the API's date query;
#  4. a feed that names no date (an empty Atom feed, a mirror without the channel's pubDate),
#     asked late in the evening in New York, is the feed of that New York day, not of the next
#     UTC day: stale, asked again at midnight Eastern, and the announcement then taken.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
UNITS="$PB_TESTS/../contrib/systemd"
T=$(mktemp -d /tmp/pb-timer.XXXXXX) || exit 1
SRV=
cleanup() {
  [ -n "$SRV" ] && { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() {
  echo "75-run-timer: FAIL: $*" >&2
  for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}

# 1. When the timer fires, in New York time: on Monday to Friday (the days whose feed holds an
#    announcement), never twice on one day, from a base in January and one in July.
cal=$(sed -n 's/^OnCalendar=//p' "$UNITS/paperboy-run.timer")
[ -n "$cal" ] || die "no OnCalendar= in paperboy-run.timer"
if command -v systemd-analyze >/dev/null 2>&1; then
  for base in 2026-01-11 2026-07-12; do
    TZ=UTC systemd-analyze calendar --iterations=10 --base-time="$base 12:00:00 UTC" "$cal" \
      >"$T/cal.out" 2>"$T/cal.log" || die "systemd-analyze calendar '$cal': $(cat "$T/cal.log")"
    sed -n 's/.*\(elapse\|Iter\. #[0-9]*\): [A-Za-z]* \([0-9-]* [0-9:]*\) UTC$/\2/p' "$T/cal.out" \
      >"$T/when"
    [ "$(wc -l <"$T/when")" -eq 10 ] || die "systemd-analyze: $(cat "$T/cal.out")"
    : >"$T/days"
    while read -r d t; do
      s=$(date -u -d "$d $t" +%s)
      et=$(TZ=America/New_York date -d "@$s" '+%F %u %H:%M')
      case "$et" in
        *" "[1-5]" "*) ;;
        *) die "the timer fires at $d $t UTC, $et in New York: no announcement's feed then" ;;
      esac
      echo "${et%% *}" >>"$T/days"
    done <"$T/when"
    [ "$(sort -u "$T/days" | wc -l)" -eq 10 ] || die "the timer fires twice on a New York day"
  done
else
  echo "   systemd-analyze missing: the timer's times are not checked"
fi

# 2. and 3. The service's command line, as systemd runs it.
cmd=$(sed -n 's/^ExecStart=@BINDIR@\/paperboy //p' "$UNITS/paperboy-run.service")
[ -n "$cmd" ] || die "no ExecStart=@BINDIR@/paperboy in paperboy-run.service"
mkdir -p "$T/fx"
cp "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" "$T/fx/fresh.xml"
cp "$PB_FIXTURES/api2026-query-all-testing-100.xml" "$T/fx/"
sed 's/Thu, 24 Sep 2026/Wed, 23 Sep 2026/g' "$T/fx/fresh.xml" >"$T/fx/old.xml"
grep -q 'Wed, 23 Sep 2026' "$T/fx/old.xml" || die "could not make the day before's feed"
cp "$T/fx/old.xml" "$T/fx/feed.xml"
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/port" --log "$T/requests.json" \
  --fixtures "$T/fx" --rss feed.xml --pool api2026-query-all-testing-100.xml 2>"$T/server.log" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && die "arXiv stand-in did not start within 10 s"
  kill -0 "$SRV" 2>/dev/null || die "arXiv stand-in exited"
  sleep 0.1
done
PORT=$(cat "$T/port")
cat >"$T/paperboy.conf" <<CONF
state_dir = "$T/state";
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
catchup_days = 7;
arxiv = {
  categories = ["cs.LG"];
  rss_url = "http://127.0.0.1:$PORT/rss";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 10;
  max_retries = 0;
  stale_deadline_min = 0;
};
file = { dir = "$T/out"; };
subscribers = ( { name = "alice"; topics = ( { name = "ML"; query = "cat:cs.LG OR cat:cs.AI"; } ); } );
CONF
export PAPERBOY_CONFIG="$T/paperboy.conf"
fire() {   # fire NAME INSTANT: the service's command at INSTANT; sets rc
  # shellcheck disable=SC2086
  PAPERBOY_NOW=$2 "$PAPERBOY" $cmd >"$T/$1.out" 2>"$T/$1.log" </dev/null
  rc=$?
}

# Wednesday 00:30 EDT: the feed of 2026-09-23, taken.
fire wed 2026-09-23T04:30:00Z
[ "$rc" -eq 0 ] || die "Wednesday: exit $rc"
[ -f "$T/out/2026-09-23/alice/digest.md" ] || die "Wednesday: no digest of 2026-09-23"
# Thursday 00:30 EDT: arXiv's feed is late and still says Wednesday. Not done: try again.
fire late 2026-09-24T04:30:00Z
[ "$rc" -eq 75 ] || die "Thursday, the feed late: exit $rc, want 75 (systemd tries again)"
grep -q 'event=daemon.stale_feed expected=2026-09-24 feed=2026-09-23' "$T/late.log" ||
  die "Thursday, the feed late: not said to be stale"
cp "$T/fx/fresh.xml" "$T/fx/feed.xml"
fire thu 2026-09-24T04:40:00Z
[ "$rc" -eq 0 ] || die "Thursday, again: exit $rc"
# (its papers are Wednesday's under another date: alice received them, so no digest)
grep -q "event=daemon.cycle date=2026-09-24 status=ok" "$T/thu.log" ||
  die "Thursday, again: the fresh feed was not taken"
# Off from Thursday until Tuesday 00:30 EDT: 2026-09-25 and 2026-09-28 were missed.
fire back 2026-09-29T04:30:00Z
a=$(grep -n "event=daemon.catchup date=2026-09-25" "$T/back.log" | cut -d: -f1)
b=$(grep -n "event=daemon.catchup date=2026-09-28" "$T/back.log" | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] ||
  die "back after a pause: not 2026-09-25 then 2026-09-28 caught up"
[ "$(grep -c "event=daemon.catchup" "$T/back.log")" -eq 2 ] ||
  die "back after a pause: other days caught up: $(grep "event=daemon.catchup" "$T/back.log")"
[ "$rc" -eq 75 ] || die "back after a pause, the feed still 2026-09-24: exit $rc, want 75"
fire back2 2026-09-29T04:40:00Z
grep -q "event=daemon.catchup" "$T/back2.log" && die "days caught up twice"

# 4. Wednesday 23:59:50 EDT (03:59:50 UTC Thursday), a new state: the feed names no date.
grep -v '<pubDate>\|<lastBuildDate>' "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" >"$T/fx/feed.xml"
grep -q 'pubDate' "$T/fx/feed.xml" && die "could not make a feed without a date"
sed -e "s|$T/state\"|$T/state2\"|" -e "s|$T/out\"|$T/out2\"|" "$T/paperboy.conf" >"$T/eve.conf"
PAPERBOY_CONFIG="$T/eve.conf" PAPERBOY_NOW=2026-09-24T03:59:50Z "$PAPERBOY" $cmd \
  >"$T/eve.out" 2>"$T/eve.log" </dev/null &
E=$!
i=0
until grep -q "event=daemon.poll_again expected=2026-09-24 reason=stale" "$T/eve.log" 2>/dev/null; do
  i=$((i + 1))
  kill -0 "$E" 2>/dev/null && [ $i -le 300 ] || {
    wait "$E"; die "a dateless feed at 23:59:50 EDT was not taken for Wednesday's (stale)"; }
  sleep 0.1
done
cp "$T/fx/fresh.xml" "$T/fx/feed.xml"
wait "$E"
rc=$?
[ "$rc" -eq 0 ] || die "dateless feed, then the fresh one: exit $rc"
grep -q "event=daemon.cycle date=2026-09-24 status=ok" "$T/eve.log" ||
  die "dateless feed: the announcement of midnight was not taken"
grep -q "status=no-announcement" "$T/eve.log" && die "dateless feed: recorded as a day without announcement"
echo "75-run-timer: all checks passed"
exit 0
