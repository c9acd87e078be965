#!/bin/sh
# A PostgreSQL host that falls silent (network cut, frozen machine) mid-statement: the state
# notices within about a minute (TCP keepalives, tcp_user_timeout) instead of waiting until
# TCP gives up, while a statement that runs longer than that on a live server is not cut.
# A silent host on one machine: the test runs in a network namespace of its own (unshare -n,
# root) whose loopback it takes down under the running statement, so that nothing answers,
# not even a kernel; without that namespace it is skipped. About two and a half minutes.
# BUILD names the build directory holding test_state_pg (`make unit` builds it).
set -u
: "${PAPERBOY:?}"
BUILD=${BUILD:-$(dirname "$PAPERBOY")}
LIB=$(cd "$(dirname "$0")/../lib" && pwd)
name=96-state-pg-silent-host
fail() { echo "$name: $*" >&2; exit 1; }
skip() { echo "$name: SKIP: $*" >&2; exit 0; }
TEST="$BUILD/tests/test_state_pg"
[ -x "$TEST" ] || fail "$TEST is not built (make unit)"

if [ "${PB_96_NETNS:-}" != 1 ]; then
	command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 ||
		skip "no unshare or ip (util-linux, iproute2)"
	unshare -n true 2>/dev/null || skip "no network namespace of its own (needs root)"
	PB_96_NETNS=1 BUILD="$BUILD" exec unshare -n sh "$0"
fi

# In the namespace: a loopback of our own.
ip link set lo up || fail "cannot bring up the namespace's loopback"
PB_PG_DIR=""
T=$(mktemp -d /tmp/pb-96.XXXXXX)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	ip link set lo up 2>/dev/null
	sh "$LIB/pg.sh" stop "$PB_PG_DIR"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
env=$(PB_PG_TCP=1 sh "$LIB/pg.sh" start) || fail "cannot start PostgreSQL (tests/lib/pg.sh)"
eval "$env"
export PB_TEST_PG_CONNINFO="$PB_PG_CONNINFO"   # over TCP, 127.0.0.1
# The test's own look at the server, over its Unix socket (no network needed).
local_ci="host=$PB_PG_DIR port=$(cat "$PB_PG_DIR/port") dbname=paperboy user=paperboy"

# 1. Live: 70 s of one statement, longer than the keepalives' minute.
PB_TEST_PG_SILENT_HOST=live "$TEST" >"$T/live.out" 2>&1 ||
	fail "a long statement on a live server was cut: $(cat "$T/live.out")"
sed -n 's/^test_state_pg: /   /p' "$T/live.out" | grep -v running

# 2. Dead: the network goes while the statement runs.
PB_TEST_PG_SILENT_HOST=dead "$TEST" >"$T/dead.out" 2>&1 &
PID=$!
i=0
until [ "$(psql -X -A -t -q "$local_ci" -c "SELECT count(*) FROM pg_stat_activity
	WHERE query LIKE 'SELECT pg_sleep(600)%' AND state = 'active'" 2>/dev/null)" = 1 ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the statement did not start: $(cat "$T/dead.out")"
	sleep 0.1
done
ip link set lo down || fail "cannot take the loopback down"
start=$(date +%s)
while kill -0 "$PID" 2>/dev/null; do
	[ $(( $(date +%s) - start )) -gt 150 ] &&
		fail "still waiting on a silent host after 150 s: $(cat "$T/dead.out")"
	sleep 1
done
wait "$PID"
rc=$?
PID=""
[ $rc = 0 ] || fail "the silent host: $(cat "$T/dead.out")"
sed -n 's/^test_state_pg: /   /p' "$T/dead.out" | grep -v running
