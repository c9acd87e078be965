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
#     of the feed for a day it has turned away from.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d /tmp/pb-pastday.XXXXXX) || exit 1
SRV=
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
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
n0=$(wc -l <"$T/requests.json")
PAPERBOY_NOW=2026-11-27T13:00:00Z $PAPERBOY -c "$T/hol.conf" daemon --foreground --once \
  2>"$T/fri2.log" || die "second wake: exit $?"
grep -q "event=daemon.catchup\|event=daemon.cycle" "$T/fri2.log" && die "second wake: ran again"
[ "$(wc -l <"$T/requests.json")" -eq "$n0" ] || die "second wake: asked arXiv again"
exit 0
