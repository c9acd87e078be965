#!/bin/sh
# A statement of the run waits for a lock another session holds: a psql session left in a
# transaction that locked the outbox (an operator's, as another machine's would). The run
# says so while it waits, within about ten seconds, naming its server process, the statement
# and the session that holds it up (its pid and application_name), and goes on once the lock
# is released: exit 0, every subscriber's digest written once, every message marked sent.
# PostgreSQL only (skipped without its server). About 30 s.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
LIB=$(cd "$(dirname "$0")/../lib" && pwd)
name=99-state-pg-lock-wait
T=$(mktemp -d /tmp/pb-99lock.XXXXXX)
PB_PG_DIR=""
HOLD=""
RUN=""
cleanup() {
	[ -n "$RUN" ] && kill "$RUN" 2>/dev/null
	[ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null
	sh "$LIB/pg.sh" stop "$PB_PG_DIR"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "$name: $*" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
	{ echo "$name: SKIP: no PostgreSQL server" >&2; exit 0; }
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
N=5
HELD_S=25

env=$(sh "$LIB/pg.sh" start) || fail "cannot start PostgreSQL (tests/lib/pg.sh)"
eval "$env"
q() { psql -X -A -t -q "$PB_PG_CONNINFO" -c "$1"; }
{
	echo "state_dir = \"$T/state\";"
	echo "state = { backend = \"postgresql\"; conninfo = \"$PB_PG_CONNINFO\"; };"
	echo 'arxiv = { categories = ["cs.CV"]; };'
	echo "file = { enabled = true; dir = \"$T/out\"; };"
	echo 'subscribers = ('
	k=0
	while [ $k -le $N ]; do
		[ $k -gt 0 ] && echo ','
		echo "  { name = \"s$k\"; max_papers = 2;"
		echo '    topics = ( { name = "Vision"; query = "cat:cs.CV"; } ); }'
		k=$((k + 1))
	done
	echo ');'
} >"$T/pg.conf"

# The schema, and one subscriber's digest, before the lock.
"$PAPERBOY" -c "$T/pg.conf" run --only s0 --feed "$BIG" >"$T/first.out" 2>"$T/first.err" ||
	fail "the first run failed: $(tail -n 3 "$T/first.err")"

# The lock: taken, held HELD_S seconds, released by the COMMIT.
printf 'BEGIN;\nLOCK TABLE outbox IN EXCLUSIVE MODE;\nSELECT pg_sleep(%s);\nCOMMIT;\n' "$HELD_S" |
	psql -X -q "$PB_PG_CONNINFO application_name=pb-test-holder" >"$T/hold.out" 2>&1 &
HOLD=$!
i=0
until [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	     WHERE c.relname = 'outbox' AND l.mode = 'ExclusiveLock' AND l.granted")" = 1 ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "the lock was not taken: $(cat "$T/hold.out")"
	sleep 0.1
done
t0=$(date +%s)
"$PAPERBOY" -c "$T/pg.conf" run --feed "$BIG" >"$T/run.out" 2>"$T/run.err" &
RUN=$!
i=0
while kill -0 $RUN 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 900 ] && fail "the run did not finish once the lock was released"
	sleep 0.1
done
wait $RUN
rc=$?
RUN=""
secs=$(( $(date +%s) - t0 ))
wait $HOLD
HOLD=""
[ $rc = 0 ] || fail "the run: exit $rc: $(tail -n 5 "$T/run.err")"
[ $secs -ge $((HELD_S - 5)) ] || fail "the run ended in $secs s: it did not wait for the lock"

w=$(grep 'event=state.waiting' "$T/run.err" | head -n 1)
[ -n "$w" ] || fail "the wait for the lock was not logged: $(grep -v 'level=info' "$T/run.err" | tail -n 5)"
echo "$w" | grep -q 'blocked_by="pid [0-9]* (pb-test-holder, local, ' ||
	fail "the log does not name the session holding the lock: $w"
echo "$w" | grep -q 'where="[^"]*dbname=paperboy' || fail "the log does not name the database: $w"
echo "$w" | grep -q 'pid=[0-9][0-9]* ' || fail "the log does not name the server process: $w"
echo "$w" | grep -q 'statement="[A-Z]' || fail "the log does not name the statement: $w"
[ "$(grep -c 'event=state.waiting' "$T/run.err")" -le 2 ] ||
	fail "the wait was logged more than once a minute: $(grep 'event=state.waiting' "$T/run.err")"

# Every digest once, every message marked sent.
k=0
while [ $k -le $N ]; do
	[ -s "$T/out/2024-11-28/s$k/digest.md" ] || fail "s$k has no digest"
	k=$((k + 1))
done
[ "$(q 'SELECT count(DISTINCT subscriber) FROM outbox')" = $((N + 1)) ] ||
	fail "digests in the outbox: $(q 'SELECT subscriber, count(*) FROM outbox GROUP BY 1')"
[ "$(q 'SELECT count(*) FROM outbox WHERE status <> 1')" = 0 ] ||
	fail "not every message is marked sent: $(q 'SELECT status, count(*) FROM outbox GROUP BY 1')"
[ "$(q "SELECT count(*) FROM (SELECT subscriber, channel, dest, digest_date, part
	FROM outbox GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) d")" = 0 ] || fail "a message was enqueued twice"
echo "   the run waited $secs s for a lock psql held, logged: $(echo "$w" | sed 's/.*event=//')"
