#!/bin/sh
# paperboy fetch's paging and outcome logic against tests/lib/arxiv_server.py: a date query
# that arXiv answers with fewer results than it announced (a short page, an empty page, pages
# that repeat records) stops after one more try with a warning, and an empty first page is a
# failure to try again later; weekend dates make no request; exit codes for a missing feed
# (69), a failing one (75) and a bad --date (64). Spacing is not this test's subject
# (11-fetch-http checks arXiv's 3 s), so its config sets request_interval_ms = 0, which
# paperboy accepts only for local URLs.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d)
PIDS=
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }

# start NAME ARGS...: a server whose port lands in $T/NAME.port, its log in $T/NAME.log.
start() {
  n=$1; shift
  /usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/$n.port" --log "$T/$n.log" \
    --fixtures "$PB_FIXTURES" "$@" 2>"$T/$n.srv.err" &
  PIDS="$PIDS $!"
  i=0
  while [ ! -s "$T/$n.port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && { cat "$T/$n.srv.err" >&2; die "$n: server did not start within 10 s"; }
    sleep 0.1
  done
  port=$(cat "$T/$n.port")
  cat >"$T/$n.conf" <<CONF
state_dir = "$T/state-$n";
arxiv = {
  categories = ["cs.SE"];
  rss_url = "http://127.0.0.1:$port/rss";
  api_url = "http://127.0.0.1:$port/api/query";
  request_interval_ms = 0;
  max_retries = 2;
  page_size = 2;
  fill_metadata = false;
};
CONF
}
run() {
  n=$1 conf=$2; shift 2
  "$PAPERBOY" -c "$T/$conf.conf" fetch "$@" >"$T/$n.out" 2>"$T/$n.err"
  rc=$?
}
expect_rc() {
  [ "$rc" -eq "$2" ] || { fail "$1: exit $rc, want $2"; tail -n 5 "$T/$1.err" | sed 's/^/  | /' >&2; }
}
starts() { /usr/bin/python3 -c '
import json, sys
print(" ".join(json.loads(l)["args"].get("start", ["-"])[0] for l in open(sys.argv[1])))' "$T/$1.log"; }

# arXiv claims 7 results but has 5: the third page is short, asked once more, then the fetch
# stops with what it has and says so.
start short --search-total 5 --search-claim 7
run short short --date 2025-12-04 --json
expect_rc short 0
[ "$(starts short)" = "0 2 4 4" ] || fail "short: pages asked: $(starts short), want 0 2 4 4"
[ "$(wc -l <"$T/short.out")" -eq 5 ] || fail "short: $(wc -l <"$T/short.out") papers, want 5"
grep -q "incomplete: arXiv returned 5 of 7 results" "$T/short.err" || fail "short: no warning"

# Claims 6, has 4: the third page is empty.
start empty --search-total 4 --search-claim 6
run empty empty --date 2025-12-04 --json
expect_rc empty 0
[ "$(starts empty)" = "0 2 4 4" ] || fail "empty: pages asked: $(starts empty), want 0 2 4 4"
[ "$(wc -l <"$T/empty.out")" -eq 4 ] || fail "empty: $(wc -l <"$T/empty.out") papers, want 4"
grep -q "incomplete: arXiv returned 4 of 6 results" "$T/empty.err" || fail "empty: no warning"

# Has 6, but every page after the first repeats the last record of the one before: the
# offsets reach 6 with 5 distinct papers, which is said, not taken for the whole listing.
start overlap --search-total 6 --search-overlap 1
run overlap overlap --date 2025-12-04 --json
expect_rc overlap 0
[ "$(starts overlap)" = "0 2 4" ] || fail "overlap: pages asked: $(starts overlap), want 0 2 4"
[ "$(wc -l <"$T/overlap.out")" -eq 5 ] || fail "overlap: $(wc -l <"$T/overlap.out") papers, want 5"
grep -q "incomplete: arXiv returned 5 of 6 results (its pages repeated records)" \
  "$T/overlap.err" || fail "overlap: no warning"

# Claims 7, the first page empty: asked once more, then a temporary failure (75) that names
# the count, never "no announcement" (a run would record the day as done without papers).
start first --search-total 0 --search-claim 7
run first first --date 2025-12-04 --json
expect_rc first 75
[ "$(starts first)" = "0 0" ] || fail "first: pages asked: $(starts first), want 0 0"
grep -q "no announcement" "$T/first.err" && fail "first: reported as no announcement"
grep -q "arXiv announced 7 results .* but returned none" "$T/first.err" || fail "first: no message"

# Exactly one full page and totalResults reached: no second request.
start exact --search-total 2
run exact exact --date 2025-12-04
expect_rc exact 0
[ "$(starts exact)" = "0" ] || fail "exact: pages asked: $(starts exact), want 0"

# No result at all in the window: "no announcement", exit 0.
start none --search-total 0
run none none --date 2025-12-04
expect_rc none 0
grep -q "no announcement" "$T/none.err" || fail "none: no 'no announcement'"

# Saturday's and Sunday's dates list nothing: no request is made.
start wk
run sat wk --date 2025-12-06
expect_rc sat 0
grep -q "no announcement" "$T/sat.err" || fail "sat: no 'no announcement'"
run sun wk --date 2025-12-07
expect_rc sun 0
[ -s "$T/wk.log" ] && fail "weekend: requests were made: $(cat "$T/wk.log")"

# A bad date is a usage error, before any request.
run baddate wk --date 2025-02-30
expect_rc baddate 64
[ -s "$T/wk.log" ] && fail "baddate: a request was made"

# A feed that is not there (404; an arXiv category, as `fetch` asks only for those): unavailable,
# 69, not retried. One that keeps failing (503): temporary, 75, after max_retries.
start codes --fail '/rss/cs.GL|404|9' --fail '/rss/cs.OH|503|9'
run gone codes --category cs.GL
expect_rc gone 69
run busy codes --category cs.OH
expect_rc busy 75
n404=$(grep -c '"status": 404' "$T/codes.log")
n503=$(grep -c '"status": 503' "$T/codes.log")
[ "$n404" -eq 1 ] || fail "gone: $n404 requests, want 1"
[ "$n503" -eq 3 ] || fail "busy: $n503 requests, want 3 (max_retries = 2)"

# The feed's own day, with fill_metadata off: one request, RSS fields only.
run day codes --json
expect_rc day 0
grep -q "^papers=4 new=2 cross=1 replace=1 replace-cross=0" "$T/day.err" || fail "day: summary"

[ "$fails" -eq 0 ] || { echo "13-fetch-pages: $fails failure(s)" >&2; exit 1; }
echo "13-fetch-pages: all checks passed"
