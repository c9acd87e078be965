#!/bin/sh
# The daemon serves subscribers added to the store while it runs, without a restart or SIGHUP:
# a daemon (the clock faked through PAPERBOY_NOW, tests/lib/arxiv_server.py for arXiv, the file
# sink only) sleeps until its next scheduled time; meanwhile `paperboy subscriber add zed` stores
# a subscriber (as the web sign-up does). The scheduled cycle writes zed's digest beside the
# file's own subscriber's. Then the file takes a stored subscriber's address: check leaves the
# stored one out, naming both.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d /tmp/pb-dstored.XXXXXX) || exit 1
SRV= D1=
cleanup() {
  for p in $D1 $SRV; do kill "$p" 2>/dev/null; done
  for p in $D1 $SRV; do wait "$p" 2>/dev/null; done
  [ -n "${PB_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() {
  echo "67-daemon-stored: FAIL: $*" >&2
  [ -f "$T/d.log" ] && tail -n 15 "$T/d.log" >&2
  exit 1
}
wait_for() {   # wait_for FILE PATTERN SECONDS
  i=0
  while ! grep -q -- "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt $(($3 * 10)) ] && return 1
    sleep 0.1
  done
  return 0
}

mkdir -p "$T/fx"
FEED=rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml
cp "$PB_FIXTURES/$FEED" "$T/fx/fresh.xml"
cp "$PB_FIXTURES/api2026-query-all-testing-100.xml" "$T/fx/"
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/port" --log "$T/requests.json" \
  --fixtures "$T/fx" --rss fresh.xml --pool api2026-query-all-testing-100.xml 2>>"$T/server.log" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && die "arXiv stand-in did not start within 10 s"
  kill -0 "$SRV" 2>/dev/null || die "arXiv stand-in exited"
  sleep 0.1
done
PORT=$(cat "$T/port")
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
timezone = "Asia/Shanghai";
schedule = ["08:30", "20:30"];
log_level = "info";
catchup_days = 0;
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:$PORT/rss";
          api_url = "http://127.0.0.1:$PORT/api/query"; request_interval_ms = 10;
          max_retries = 0; stale_deadline_min = 0; };
email = { smtp_url = "smtp://127.0.0.1:9"; from = "bot@example.org"; tls = "none"; };
delivery = { max_attempts = 1; };
file = { dir = "$T/out"; };
subscribers = ( { name = "a"; email = ["a@example.org"];
                  topics = ( { name = "ML"; query = "cat:cs.LG OR cat:cs.AI"; } ); } );
CONF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }

# The daemon has no history: it sleeps until 20:30 Shanghai (12:30 UTC), 15 s away.
PAPERBOY_NOW=2026-09-24T12:29:45Z "$PAPERBOY" -c "$T/pb.conf" daemon --foreground 2>"$T/d.log" &
D1=$!
wait_for "$T/d.log" "event=daemon.sleep until=2026-09-24T12:30:00Z" 30 ||
  die "the daemon does not sleep until 12:30 UTC"
pb subscriber add zed --topic 'ML=cat:cs.LG OR cat:cs.AI' >"$T/add.out" 2>&1 ||
  die "subscriber add zed: $(cat "$T/add.out")"
# a stored subscriber whose address the file takes later (an administrator's edit)
pb subscriber add bo --email bo@example.org --topic 'ML=cat:cs.LG' >"$T/add2.out" 2>&1 ||
  die "subscriber add bo: $(cat "$T/add2.out")"
wait_for "$T/d.log" "event=daemon.cycle date=2026-09-24" 60 || die "no cycle at 12:30 UTC"
kill -TERM "$D1"; wait "$D1" 2>/dev/null; D1=
[ -f "$T/out/2026-09-24/zed/digest.md" ] ||
  die "the subscriber stored while the daemon ran got no digest: $(ls -R "$T/out" 2>&1 | head)"
sed -i 's/email = \["a@example.org"\]/email = ["a@example.org", "BO@example.org"]/' "$T/pb.conf"
pb check >"$T/check.out" 2>&1; rc=$?
[ $rc = 78 ] && grep -q "stored subscriber bo is left out: its address bo@example.org is already used by subscriber a ($T/pb.conf:" "$T/check.out" ||
  die "check does not name both: exit $rc, $(cat "$T/check.out")"
pb subscriber list >"$T/list" 2>&1
grep -q '^bo ' "$T/list" && ! grep -Eq '^bo +stored +invalid' "$T/list" && die "bo is listed as served: $(cat "$T/list")"
echo "   a subscriber stored while the daemon ran is served at its next cycle; a collision is left out"
