#!/bin/sh
# The shared database goes away in the middle of a fetch: the stand-in holds the listing 12 s
# (PB_LONG_FETCH_S); PostgreSQL is stopped 1 s into it and started again 14 s later. The
# heartbeats and the claim's renewals made from the HTTP client's tick fail at once while the
# database is away (logged) instead of waiting for it inside the transfer; the first statement
# after the fetch waits for it, and the run ends as usual. Checks: no wait for the database
# ("state.lost") until the listing has come, the tick's heartbeat failures logged, the run's
# exit 0, every digest delivered once. PostgreSQL only (skipped on SQLite).
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_MULTI_SUBSCRIBERS:-4}
STALL=${PB_LONG_FETCH_S:-12}
T=$(mktemp -d /tmp/pb-multi-dbaway.XXXXXX) || exit 1
SRV= SMTP= A= B= PGDIR=
MULTI_NAME=99-machines-db-away-fetch
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"
MULTI_LEASE=5

multi_peers "/rss|$STALL"
if [ "$MULTI_BACKEND" != postgresql ]; then
  echo "$MULTI_NAME: SKIP: no PostgreSQL backend or server" >&2
  exit 0
fi
echo "   backend=$MULTI_BACKEND subscribers=$N listing held ${STALL} s, database away 14 s"
multi_confs
multi_alpha_claims
sleep 1
sh "$PB_TESTS/lib/pg.sh" halt "$PGDIR" || die "cannot stop PostgreSQL"
halted=$(date +%s)
sleep 14
sh "$PB_TESTS/lib/pg.sh" resume "$PGDIR" || die "cannot start PostgreSQL again"

wait_exit "$A" 120 || die "alpha did not finish within 120 s"
ra=$rc; A=
[ "$ra" -eq 0 ] || die "alpha: exit $ra"

# The listing comes STALL - 1 s after the halt; a tick that waited for the database would have
# logged state.lost at its next heartbeat, within 2 s of it.
/usr/bin/python3 - "$T/a.log" "$halted" "$STALL" <<'PY' || die "the transfer waited for the database"
import calendar, re, sys, time
halted, stall = int(sys.argv[2]), int(sys.argv[3])
first = None
beats = 0
for line in open(sys.argv[1]):
    m = re.match(r"ts=(\S+)Z ", line)
    if not m:
        continue
    t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    if "event=state.lost" in line and first is None:
        first = t
    if "event=state.heartbeat" in line and t >= halted:
        beats += 1
print("   database lost %s s after the halt; %d heartbeats failed meanwhile"
      % (None if first is None else first - halted, beats))
if first is None:
    sys.exit("alpha never waited for the database")
if first - halted < stall - 4:
    sys.exit("alpha waited for the database %d s after the halt, inside the fetch"
             % (first - halted))
if beats == 0:
    sys.exit("no heartbeat failure logged during the fetch")
PY
grep -q 'event=state.reconnected' "$T/a.log" || die "alpha did not reconnect"
multi_delivered_once "$T/mail/index.jsonl" "$N" || die "deliveries are wrong"
echo "$MULTI_NAME: ok"
