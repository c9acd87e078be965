#!/bin/sh
# paperboy daemon, status and retry against a local stand-in for arXiv (tests/lib/arxiv_server.py),
# with the clock faked through PAPERBOY_NOW. Checks:
#  1. --once with a stale feed polls again and takes the fresh one when it appears;
#  2. a second daemon on the same state directory refuses with the holder's pid;
#  3. SIGHUP with a broken config keeps the old one (logged), with a good one takes it;
#  4. SIGTERM exits 0 promptly;
#  5. catch-up after a pause runs the missed dates oldest first, and a feed that stays stale
#     is reported as "stale feed", not as a quiet day;
#  6. status shows runs, the outbox by channel and status and the last errors (a secret masked);
#     retry requeues failed messages and says how many;
#  7. an empty feed is a day without announcement: no digest, no error;
#  8. SIGTERM while waiting to poll a stale feed again exits 0 at once;
#  9. a daemon that wakes past its slot (asleep longer than stale_deadline_min) still polls a
#     stale feed again;
# 10. a daemon that wakes between the 20:00 ET release and midnight ET, when arXiv's feed
#     turns, counts stale_deadline_min from midnight, not from waking.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d /tmp/pb-daemon.XXXXXX) || exit 1
SRV= D1= D2=
cleanup() {
  for p in $D1 $D2 $SRV; do kill "$p" 2>/dev/null; done
  for p in $D1 $D2 $SRV; do wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() {
  echo "FAIL: $*" >&2
  for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
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

# The feed the server serves is a file we can swap: first a copy dated the day before.
mkdir -p "$T/fx"
FEED=rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml
cp "$PB_FIXTURES/$FEED" "$T/fx/fresh.xml"
cp "$PB_FIXTURES/api2026-query-all-testing-100.xml" "$T/fx/"
sed 's/Thu, 24 Sep 2026/Wed, 23 Sep 2026/g' "$T/fx/fresh.xml" >"$T/fx/feed.xml"
grep -q 'Wed, 23 Sep 2026' "$T/fx/feed.xml" || die "could not make the stale feed"

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

# conf TZ STALE_MIN: a config with the file sink only.
conf() {
  cat <<CONF
state_dir = "$T/state";
timezone = "$1";
schedule = ["08:30", "20:30"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
log_level = "info";
catchup_days = 7;
arxiv = {
  categories = ["cs.LG"];
  rss_url = "http://127.0.0.1:$PORT/rss";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 10;
  max_retries = 0;
  stale_deadline_min = $2;
};
email = { smtp_url = "smtp://127.0.0.1:9"; username = "digest"; password_env = "PB_TEST_SMTP_PW";
          from = "Digest <digest@example.org>"; };
file = { dir = "$T/out"; };
subscribers = ( { name = "alice"; topics = ( { name = "ML"; query = "cat:cs.LG OR cat:cs.AI"; } ); } );
CONF
}
export PB_TEST_SMTP_PW="s3cret-Passw0rd-value"
conf Asia/Shanghai 1 >"$T/paperboy.conf"
PB="$PAPERBOY -c $T/paperboy.conf"

# 1. Thursday 2026-09-24 12:00 UTC: the calendar expects the announcement of 2026-09-24, the
#    feed still says 2026-09-23. The daemon polls again; we swap in the fresh feed.
PAPERBOY_NOW=2026-09-24T12:00:00Z $PB daemon --foreground --once 2>"$T/once.log" &
D1=$!
wait_for "$T/once.log" "event=daemon.poll_again expected=2026-09-24 reason=stale" 60 ||
  die "--once: no re-poll of a stale feed"
cp "$T/fx/fresh.xml" "$T/fx/feed.xml"
wait_exit "$D1" 120 || die "--once did not finish within 120 s"
D1=
[ "$rc" -eq 0 ] || die "--once: exit $rc"
grep -q "event=daemon.cycle date=2026-09-24 status=ok" "$T/once.log" ||
  die "--once: the fresh feed was not taken"
grep -q "event=daemon.stale_feed" "$T/once.log" && die "--once: stale reported though it recovered"
[ -n "$(find "$T/out" -type f 2>/dev/null | head -n 1)" ] || die "--once: no digest in $T/out"

# 2. A daemon that sleeps (2026-09-24 is done), and a second one on the same state.
PAPERBOY_NOW=2026-09-24T12:00:00Z $PB daemon --foreground 2>"$T/d1.log" &
D1=$!
wait_for "$T/d1.log" "event=daemon.sleep until=2026-09-24T12:30:00Z" 30 ||
  die "daemon 1 does not sleep until 20:30 Shanghai (12:30 UTC)"
$PB daemon --foreground >"$T/d2.out" 2>"$T/d2.log" &
D2=$!
wait_exit "$D2" 30 || die "daemon 2 did not give up within 30 s"
D2=
[ "$rc" -eq 75 ] || die "daemon 2: exit $rc, want 75"
grep -qF "another paperboy (pid $D1) holds $T/state/paperboy.lock" "$T/d2.log" ||
  die "daemon 2: want the holder's pid in: $(cat "$T/d2.log")"
$PB status >"$T/status0.out" 2>&1 || die "status while the daemon runs"
grep -q "^daemon: running (pid $D1)" "$T/status0.out" || die "status: daemon not shown running"

# 3. SIGHUP with a broken config: kept, and said why. Then a good one with another zone.
cp "$T/paperboy.conf" "$T/good.conf"
printf 'arxiv = { categories = ["cs.LG"]; }\nstate_dir = ;\n' >"$T/paperboy.conf"
kill -HUP "$D1"
wait_for "$T/d1.log" "event=daemon.reload_failed" 30 || die "no reload_failed after a broken config"
grep "event=daemon.reload_failed" "$T/d1.log" | grep -q "keeping=old" || die "reload_failed: no keeping=old"
grep "event=daemon.reload_failed" "$T/d1.log" | grep -q "syntax error" ||
  die "reload_failed does not say why"
kill -0 "$D1" 2>/dev/null || die "daemon died on a broken config"
conf Europe/Berlin 1 >"$T/paperboy.conf"
kill -HUP "$D1"
wait_for "$T/d1.log" "event=daemon.reloaded .*timezone=Europe/Berlin" 30 || die "good config not taken"
# 08:30 Berlin (CEST) on 2026-09-24 has passed at 12:00 UTC; 20:30 CEST is 18:30 UTC.
wait_for "$T/d1.log" "event=daemon.sleep until=2026-09-24T18:30:00Z" 30 ||
  die "after reload, not sleeping until 20:30 Berlin"
grep -q "s3cret-Passw0rd" "$T/d1.log" && die "a secret reached the log"

# 4. SIGTERM: exit 0, promptly.
kill -TERM "$D1"
wait_exit "$D1" 20 || die "daemon did not stop within 20 s of SIGTERM"
D1=
[ "$rc" -eq 0 ] || die "SIGTERM: exit $rc, want 0"
grep -q "event=daemon.stop" "$T/d1.log" || die "no daemon.stop line"

# 5. Back on Tuesday 2026-09-29 after a pause: 2026-09-25 and 2026-09-28 were missed and are
#    fetched by date, oldest first; the RSS still says 2026-09-24: with no time left to wait
#    that is a stale feed, an error.
conf Asia/Shanghai 0 >"$T/paperboy.conf"
PAPERBOY_NOW=2026-09-29T12:00:00Z $PB daemon --foreground --once 2>"$T/catchup.log"
rc=$?
[ "$rc" -eq 75 ] || die "catch-up --once with a stale feed: exit $rc, want 75"
a=$(grep -n "event=daemon.catchup date=2026-09-25" "$T/catchup.log" | cut -d: -f1)
b=$(grep -n "event=daemon.catchup date=2026-09-28" "$T/catchup.log" | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || die "catch-up: not 2026-09-25 then 2026-09-28"
grep -q "event=daemon.catchup date=2026-09-29" "$T/catchup.log" && die "catch-up ran the latest by date"
grep -q "event=daemon.catchup date=2026-09-26\|event=daemon.catchup date=2026-09-27" "$T/catchup.log" &&
  die "catch-up ran a weekend"
grep -q 'event=daemon.stale_feed expected=2026-09-29 feed=2026-09-24 .*error="stale feed"' \
  "$T/catchup.log" || die "no stale feed error"
grep -q "search_query" "$T/requests.json" || die "catch-up did not use the API date query"
# Again: nothing is caught up twice.
PAPERBOY_NOW=2026-09-29T13:00:00Z $PB daemon --foreground --once 2>"$T/catchup2.log"
[ $? -eq 75 ] || die "second catch-up: want 75 (still stale)"
grep -q "event=daemon.catchup" "$T/catchup2.log" && die "dates caught up twice"

# 6. status and retry. One delivered message turned into a failure whose text holds a secret.
$PB status >"$T/status1.out" 2>&1 || die "status: exit $?"
grep -q "^daemon: not running" "$T/status1.out" || die "status: daemon state"
grep -q "^next scheduled run: .* (08:30, 20:30 Asia/Shanghai)" "$T/status1.out" ||
  die "status: no next scheduled run"
grep -Eq "^  2026-09-24 +run +done" "$T/status1.out" || die "status: no done run for 2026-09-24"
grep -Eq "^  2026-09-28 +run +done" "$T/status1.out" || die "status: no catch-up run"
grep -Eq "^  file +0 +[1-9]" "$T/status1.out" || die "status: no sent file messages"
sqlite3 "$T/state/paperboy.db" "UPDATE outbox SET status = 2, attempts = 1,
  last_error = '550 5.1.1 mailbox unavailable (auth $PB_TEST_SMTP_PW)', updated = 99
  WHERE rowid = (SELECT MIN(rowid) FROM outbox)" || die "sqlite3 update"
$PB status >"$T/status2.out" 2>&1 || die "status 2: exit $?"
grep -Eq "^  file +0 +[0-9]+ +1 " "$T/status2.out" || die "status: failed count"
grep -q "failed after 1 attempt: 550 5.1.1 mailbox unavailable (auth \*\*\*)" "$T/status2.out" ||
  die "status: last error not shown (masked)"
grep -q "s3cret-Passw0rd" "$T/status2.out" && die "status printed a secret"
$PB retry --subscriber nobody >"$T/retry0.out" 2>&1
[ $? -eq 64 ] || die "retry for an unknown subscriber: want 64"
$PB retry --subscriber alice >"$T/retry1.out" 2>&1 || die "retry: exit $?"
grep -q "^requeued 1 message for alice" "$T/retry1.out" || die "retry: $(cat "$T/retry1.out")"
$PB retry >"$T/retry2.out" 2>&1 || die "retry 2: exit $?"
grep -q "^requeued 0 messages" "$T/retry2.out" || die "retry 2: $(cat "$T/retry2.out")"
$PB status >"$T/status3.out" 2>&1 || die "status 3"
grep -Eq "^  file +1 " "$T/status3.out" || die "status: requeued message not pending"
[ "$(sqlite3 "$T/state/paperboy.db" 'PRAGMA integrity_check')" = ok ] || die "integrity_check"

# 7. An empty feed on an announcement day (arXiv's real empty feed, dated 2024-11-28) is a day
#    without announcement: no digest, not stale, not an error.
cp "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" "$T/fx/feed.xml"
sed -e "s|$T/state\"|$T/state2\"|" -e "s|$T/out\"|$T/out2\"|" "$T/paperboy.conf" >"$T/empty.conf"
grep -q "state2" "$T/empty.conf" || die "could not make the second config"
PAPERBOY_NOW=2024-11-28T12:00:00Z $PAPERBOY -c "$T/empty.conf" daemon --foreground --once \
  2>"$T/empty.log" || die "empty feed: exit $?"
grep -q "event=daemon.cycle date=2024-11-28 status=no-announcement" "$T/empty.log" ||
  die "empty feed: not a day without announcement"
[ -z "$(find "$T/out2" -type f 2>/dev/null | head -n 1)" ] || die "empty feed: a digest was written"
# 2024 is not in the built-in holidays (2025 and 2026): said once, with where to find them
[ "$(grep -c "level=warn event=calendar.holidays year=2024 listed_until=2026 note=.*info.arxiv.org/help/availability.html" "$T/empty.log")" = 1 ] ||
  die "empty feed: no single warning that 2024's holidays are unknown: $(grep calendar "$T/empty.log")"
grep -q "event=calendar.holidays" "$T/once.log" && die "--once in 2026: warned of holidays known"

# 8. SIGTERM while waiting to poll a stale feed again: exit 0 at once, nothing recorded.
sed 's/stale_deadline_min = 0;/stale_deadline_min = 30;/' "$T/empty.conf" >"$T/wait.conf"
PAPERBOY_NOW=2024-11-29T12:00:00Z $PAPERBOY -c "$T/wait.conf" daemon --foreground --once \
  2>"$T/wait.log" &
D1=$!
wait_for "$T/wait.log" "event=daemon.poll_again expected=2024-11-29 reason=stale" 60 ||
  die "no re-poll of the stale feed"
kill -TERM "$D1"
wait_exit "$D1" 20 || die "SIGTERM during a stale wait: not stopped within 20 s"
D1=
[ "$rc" -eq 0 ] || die "SIGTERM during a stale wait: exit $rc"
grep -q "event=daemon.stale_feed" "$T/wait.log" && die "a stopped wait was reported as a stale feed"

# 9. A machine asleep past its slot (the daemon stopped across 20:30 Shanghai, longer than
#    stale_deadline_min): the stale feed is still polled again, the wait counted from waking.
sed 's/Thu, 24 Sep 2026/Wed, 23 Sep 2026/g' "$T/fx/fresh.xml" >"$T/fx/feed.xml"
sed -e "s|$T/state\"|$T/state3\"|" -e "s|$T/out\"|$T/out3\"|" \
  -e 's/stale_deadline_min = 0;/stale_deadline_min = 1;/' "$T/paperboy.conf" >"$T/late.conf"
grep -q "stale_deadline_min = 1;" "$T/late.conf" || die "could not make the late config"
PAPERBOY_NOW=2026-09-24T12:29:55Z $PAPERBOY -c "$T/late.conf" daemon --foreground \
  2>"$T/late.log" &
D1=$!
wait_for "$T/late.log" "event=daemon.sleep until=2026-09-24T12:30:00Z" 30 ||
  die "late: not sleeping until 20:30 Shanghai"
kill -STOP "$D1"
sleep 65
kill -CONT "$D1"
wait_for "$T/late.log" "event=daemon.poll_again expected=2026-09-24 reason=stale" 30 ||
  die "late: a stale feed after waking past the slot was not polled again"
grep -q "event=daemon.stale_feed" "$T/late.log" && die "late: given up without waiting"
kill -TERM "$D1"
wait_exit "$D1" 20 || die "late: not stopped within 20 s"
D1=

# 10. Wednesday 23:59:40 EDT: 2026-09-24 was released at 20:00, but rss.arxiv.org serves it
#     only from midnight ET. With no wait left (stale_deadline_min = 0) the stale feed is still
#     asked again at midnight, and then taken.
sed -e "s|$T/state\"|$T/state4\"|" -e "s|$T/out\"|$T/out4\"|" "$T/paperboy.conf" >"$T/eve.conf"
grep -q "stale_deadline_min = 0;" "$T/eve.conf" || die "could not make the evening config"
grep -q 'Wed, 23 Sep 2026' "$T/fx/feed.xml" || die "the feed is not the stale one"
PAPERBOY_NOW=2026-09-24T03:59:40Z $PAPERBOY -c "$T/eve.conf" daemon --foreground --once \
  2>"$T/eve.log" &
D1=$!
wait_for "$T/eve.log" "event=daemon.poll_again expected=2026-09-24 reason=stale" 30 ||
  die "evening: the stale feed was given up before midnight ET"
cp "$T/fx/fresh.xml" "$T/fx/feed.xml"
wait_exit "$D1" 60 || die "evening: --once did not finish within 60 s"
D1=
[ "$rc" -eq 0 ] || die "evening: exit $rc"
grep -q "event=daemon.cycle date=2026-09-24 status=ok" "$T/eve.log" ||
  die "evening: the feed of midnight was not taken"
exit 0
