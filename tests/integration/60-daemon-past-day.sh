#!/bin/sh
# The daemon woken after the day of the latest announcement, against a local stand-in for arXiv
# (tests/lib/arxiv_server.py), the clock faked through PAPERBOY_NOW, the file sink only.
# rss.arxiv.org turns at midnight ET to the next day's feed, with no item and that day's date
# when it has no announcement. Checks:
#  1. Thursday 2026-09-24 done; woken on Saturday 2026-09-26, the feed empty and dated that
#     Saturday: Friday's announcement (2026-09-25), never done, is fetched by date, and the
#     Saturday is not taken for it;
#  2. the same on the day after a holiday: 2026-11-25 done, 2026-11-26 (released Wednesday,
#     Thanksgiving evening without release) not, woken on Friday 2026-11-27 whose feed is
#     empty: 2026-11-26 is fetched by date;
#  3. woken again that day, with everything done: nothing is fetched twice, nothing is asked
#     of the feed for a day it has turned away from;
#  4. a catch-up that failed (the API answered 503) while later dates were done is tried
#     again at the next wake-up, not left behind for good.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d /tmp/pb-pastday.XXXXXX) || exit 1
SRV= SRV2=
cleanup() {
  for p in $SRV $SRV2; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() {
  echo "FAIL: $*" >&2
  for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}

mkdir -p "$T/fx"
cp "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" "$T/fx/thu.xml"
cp "$PB_FIXTURES/api2026-query-all-testing-100.xml" "$T/fx/"
# The empty feed of a day without announcement, dated as arXiv dates it: that day, 00:00 ET.
empty() {   # empty 'Sat, 26 Sep 2026 00:00:00 -0400' FILE
  sed -e "s|<pubDate>[^<]*</pubDate>|<pubDate>$1</pubDate>|" \
    -e "s|<lastBuildDate>[^<]*</lastBuildDate>|<lastBuildDate>$1</lastBuildDate>|" \
    "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" >"$2"
  grep -q "<pubDate>$1</pubDate>" "$2" || die "could not date the empty feed $2"
}
cp "$T/fx/thu.xml" "$T/fx/feed.xml"

serve() {   # serve NAME [ARGS...]: a stand-in on feed NAME.xml; its pid in $!, port in $T/NAME.port
  name=$1
  shift
  /usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/$name.port" \
    --log "$T/$name.json" --fixtures "$T/fx" --rss "$name.xml" \
    --pool api2026-query-all-testing-100.xml "$@" 2>"$T/$name-server.log" &
}
started() {   # started PID NAME
  i=0
  while [ ! -s "$T/$2.port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && die "arXiv stand-in $2 did not start within 10 s"
    kill -0 "$1" 2>/dev/null || die "arXiv stand-in $2 exited"
    sleep 0.1
  done
}
serve feed
SRV=$!
started "$SRV" feed
PORT=$(cat "$T/feed.port")

conf() {   # conf STATE_DIR
  cat <<CONF
state_dir = "$T/$1";
timezone = "UTC";
schedule = ["02:00"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
log_level = "info";
catchup_days = 7;
arxiv = {
  categories = ["cs.LG"];
  rss_url = "http://127.0.0.1:$PORT/rss";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 10;
  max_retries = 0;
  stale_deadline_min = 0;
};
file = { dir = "$T/out-$1"; };
subscribers = ( { name = "alice"; topics = ( { name = "ML"; query = "cat:cs.LG OR cat:cs.AI"; } ); } );
CONF
}
conf wk >"$T/wk.conf"
conf hol >"$T/hol.conf"

# 1. A weekend. Thursday's announcement done, from its feed.
PAPERBOY_NOW=2026-09-24T12:00:00Z $PAPERBOY -c "$T/wk.conf" daemon --foreground --once \
  2>"$T/thu.log" || die "Thursday: exit $?"
grep -q "event=daemon.cycle date=2026-09-24 status=ok" "$T/thu.log" || die "Thursday not done"
empty 'Sat, 26 Sep 2026 00:00:00 -0400' "$T/fx/feed.xml"
PAPERBOY_NOW=2026-09-26T12:00:00Z $PAPERBOY -c "$T/wk.conf" daemon --foreground --once \
  2>"$T/sat.log" || die "Saturday: exit $?"
grep -q "event=daemon.catchup date=2026-09-25" "$T/sat.log" ||
  die "Saturday: Friday's announcement was not fetched by date"
grep -q "event=daemon.cycle date=2026-09-25 status=ok" "$T/sat.log" ||
  die "Saturday: Friday's announcement not done"
grep -q "date=2026-09-26" "$T/sat.log" && die "Saturday: the empty Saturday was taken for Friday"

# 2. The day after a holiday. 2026-11-25 done (the Thursday feed, dated so).
sed 's/Thu, 24 Sep 2026/Wed, 25 Nov 2026/g' "$T/fx/thu.xml" >"$T/fx/feed.xml"
grep -q 'Wed, 25 Nov 2026' "$T/fx/feed.xml" || die "could not date the feed 2026-11-25"
PAPERBOY_NOW=2026-11-25T12:00:00Z $PAPERBOY -c "$T/hol.conf" daemon --foreground --once \
  2>"$T/wed.log" || die "Wednesday: exit $?"
grep -q "event=daemon.cycle date=2026-11-25 status=ok" "$T/wed.log" || die "2026-11-25 not done"
empty 'Fri, 27 Nov 2026 00:00:00 -0500' "$T/fx/feed.xml"
PAPERBOY_NOW=2026-11-27T12:00:00Z $PAPERBOY -c "$T/hol.conf" daemon --foreground --once \
  2>"$T/fri.log" || die "Friday after Thanksgiving: exit $?"
grep -q "event=daemon.catchup date=2026-11-26" "$T/fri.log" ||
  die "after Thanksgiving: 2026-11-26 was not fetched by date"
grep -q "event=daemon.cycle date=2026-11-26 status=ok" "$T/fri.log" ||
  die "after Thanksgiving: 2026-11-26 not done"
grep -q "date=2026-11-27" "$T/fri.log" && die "after Thanksgiving: the empty day was taken"

# 3. Woken again: all done, nothing fetched.
n0=$(wc -l <"$T/feed.json")
PAPERBOY_NOW=2026-11-27T13:00:00Z $PAPERBOY -c "$T/hol.conf" daemon --foreground --once \
  2>"$T/fri2.log" || die "second wake: exit $?"
grep -q "event=daemon.catchup\|event=daemon.cycle" "$T/fri2.log" && die "second wake: ran again"
[ "$(wc -l <"$T/feed.json")" -eq "$n0" ] || die "second wake: asked arXiv again"

# 4. Thursday 2026-09-24 done; back on Tuesday 2026-09-29, the first date query (2026-09-25)
#    answered 503, 2026-09-28 and the latest (from the feed) done.
cp "$T/fx/thu.xml" "$T/fx/flaky.xml"
serve flaky --fail '/api/query?search_query=|503|1'
SRV2=$!
started "$SRV2" flaky
PORT=$(cat "$T/flaky.port")
conf re >"$T/re.conf"
PAPERBOY_NOW=2026-09-24T12:00:00Z $PAPERBOY -c "$T/re.conf" daemon --foreground --once \
  2>"$T/re-thu.log" || die "flaky Thursday: exit $?"
sed 's/Thu, 24 Sep 2026/Tue, 29 Sep 2026/g' "$T/fx/thu.xml" >"$T/fx/flaky.xml"
PAPERBOY_NOW=2026-09-29T12:00:00Z $PAPERBOY -c "$T/re.conf" daemon --foreground --once \
  2>"$T/re-tue.log"
grep -q "event=daemon.cycle date=2026-09-25 status=failed" "$T/re-tue.log" ||
  die "flaky: the first catch-up did not fail"
grep -q "event=daemon.cycle date=2026-09-28 status=ok" "$T/re-tue.log" ||
  die "flaky: 2026-09-28 not done"
grep -q "event=daemon.cycle date=2026-09-29 status=ok" "$T/re-tue.log" ||
  die "flaky: the latest not done"
PAPERBOY_NOW=2026-09-29T13:00:00Z $PAPERBOY -c "$T/re.conf" daemon --foreground --once \
  2>"$T/re-tue2.log" || die "flaky, next wake-up: exit $?"
grep -q "event=daemon.wake latest=2026-09-29 last_done=2026-09-29 missed=1" "$T/re-tue2.log" ||
  die "flaky: the failed date is not counted missed"
grep -q "event=daemon.catchup date=2026-09-25" "$T/re-tue2.log" ||
  die "flaky: the failed date was not tried again"
grep -q "event=daemon.cycle date=2026-09-25 status=ok" "$T/re-tue2.log" ||
  die "flaky: the failed date not done"
grep -q "event=daemon.catchup date=2026-09-28" "$T/re-tue2.log" && die "flaky: a done date again"
exit 0
