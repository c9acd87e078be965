#!/bin/sh
# The state's unit tests, every one that drives pb_state through its own database, run again
# on a real PostgreSQL (tests/lib/pg.sh): one state interface, two implementations, one suite.
# BUILD names the build directory holding the test binaries (`make unit` builds them).
set -u
: "${PAPERBOY:?}"
BUILD=${BUILD:-$(dirname "$PAPERBOY")}
LIB=$(cd "$(dirname "$0")/../lib" && pwd)
PB_PG_DIR=""
trap 'sh "$LIB/pg.sh" stop "$PB_PG_DIR"' EXIT INT TERM
fail() { echo "84-state-pg-suite: $*" >&2; exit 1; }

SUITE="test_state test_subscribers test_corpus test_embed test_likes test_rank
  test_summarize test_prompt_ft test_fulltext_fetch test_web_token test_state_pg
  test_state_multi test_web_pages test_web_server test_bot test_config_secrets test_ledger
  test_marks test_deliver_hold"
for t in $SUITE; do
	[ -x "$BUILD/tests/$t" ] || fail "$BUILD/tests/$t is not built (make unit)"
done
env=$(sh "$LIB/pg.sh" start) || fail "cannot start PostgreSQL (tests/lib/pg.sh)"
eval "$env"
log=$(mktemp /tmp/pb-84.XXXXXX)
bad=""
for t in $SUITE; do
	if PB_TEST_PG_CONNINFO="$PB_PG_CONNINFO" "$BUILD/tests/$t" >"$log" 2>&1; then
		echo "   $(tail -n 1 "$log") (PostgreSQL)"
	else
		cat "$log" >&2
		bad="$bad $t"
	fi
done
rm -f "$log"
[ -z "$bad" ] || fail "failed on PostgreSQL:$bad"
