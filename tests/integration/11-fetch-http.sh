#!/bin/sh
# paperboy fetch against a local stand-in for rss.arxiv.org and export.arxiv.org
# (tests/lib/arxiv_server.py), with arXiv's real 3-second spacing. Checks: the spacing between
# all consecutive requests (within a run and across runs), the retry on 503 and on 429 with
# Retry-After, the User-Agent and gzip, the id_list batching and the merge of its metadata,
# the conditional GET (If-None-Match -> 304 -> the same papers), the date query's window and
# pagination, arXiv's error feed with HTTP 400, and giving up on a long Retry-After.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d)
SRV=
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }

# The first RSS request gets 503; the first id_list request 429 with Retry-After: 5; a date
# query for cs.CV gets arXiv's 400 error feed; cs.RO's feed is down for two hours.
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/port" --log "$T/requests.log" \
  --fixtures "$PB_FIXTURES" --pool-offset 14 --search-total 5 --primary 2009.13987=math.MG \
  --fail '/rss/cs.LG|503|1' --fail '/api/query?id_list|429|1|5' \
  --fail '/api/query?search_query=cat%3Acs.CV|400|1' --fail '/rss/cs.RO|503|100|7200' \
  2>"$T/server.err" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/server.err" >&2; die "server did not start within 10 s"; }
  kill -0 "$SRV" 2>/dev/null || { cat "$T/server.err" >&2; die "server exited"; }
  sleep 0.1
done
PORT=$(cat "$T/port")
UA="paperboy-test/1.0 (+mailto:test@example.org)"
cat >"$T/paperboy.conf" <<CONF
state_dir = "$T/state";
user_agent = "$UA";
log_level = "info";
arxiv = {
  categories = ["cs.LG", "cs.AI"];
  rss_url = "http://127.0.0.1:$PORT/rss";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 3000;
  max_retries = 3;
  idlist_batch = 3;
  page_size = 2;
  fill_metadata = true;
};
CONF
run() {
  n=$1; shift
  "$PAPERBOY" -c "$T/paperboy.conf" fetch "$@" >"$T/$n.out" 2>"$T/$n.err"
  rc=$?
}
expect_rc() {
  [ "$rc" -eq "$2" ] || { fail "$1: exit $rc, want $2"; sed 's/^/  | /' "$T/$1.err" | tail -n 8 >&2; }
}
# Python over the request log (R: list of requests, each with t, path, query, args, headers,
# status) and optionally a run's JSON lines (P, by).
check() {
  what=$1 expr=$2 out=${3:-}
  /usr/bin/python3 - "$T/requests.log" "$expr" "$out" <<'PY' || fail "$what"
import json, sys
R = [json.loads(l) for l in open(sys.argv[1])]
P = [json.loads(l) for l in open(sys.argv[3], encoding='utf-8')] if sys.argv[3] else []
by = {p['id']: p for p in P}
gaps = [b['t'] - a['t'] for a, b in zip(R, R[1:])]
ok = eval(sys.argv[2])
if not ok:
    print('  false: %s' % sys.argv[2], file=sys.stderr)
    for r in R:
        print('  | %.3f %s %s?%s' % (r['t'], r['status'], r['path'], r['query'][:90]), file=sys.stderr)
    sys.exit(1)
PY
}
nreq() { wc -l <"$T/requests.log" | tr -d ' '; }

# 1. The day's announcement: RSS (503, then 200), id_list in batches of 3 for 4 ids (429 with
#    Retry-After: 5, then 200; then the last id).
run day --json
expect_rc day 0
grep -qx "papers=4 new=2 cross=1 replace=1 replace-cross=0 date=2026-09-24" "$T/day.err" ||
  fail "day: summary: $(grep '^papers=' "$T/day.err")"
check "day: five requests in order" "[(r['path'], r['status']) for r in R] == [('/rss/cs.LG+cs.AI', 503), ('/rss/cs.LG+cs.AI', 200), ('/api/query', 429), ('/api/query', 200), ('/api/query', 200)]"
check "day: >= 3 s between consecutive requests" "len(gaps) == 4 and min(gaps) >= 3.0"
check "day: the 429 retry waited Retry-After (5 s)" "gaps[2] >= 5.0"
check "day: User-Agent from the config, gzip accepted" "all(r['headers'].get('user-agent') == '$UA' and 'gzip' in r['headers'].get('accept-encoding', '') for r in R)"
check "day: id_list batches of 3 then 1 with max_results" "[(r['args']['id_list'][0], r['args']['max_results'][0]) for r in R[3:]] == [('2609.26811,2609.26820,2205.06398', '3'), ('2009.13987', '1')]"
check "day: the retried id_list asked the same ids" "R[2]['query'] == R[3]['query']"
check "day: announce types kept" "sorted(p['announce_type'] for p in P) == ['cross', 'new', 'new', 'replace']" "$T/day.out"
check "day: RSS title and abstract kept" "not any(p['title'].startswith('API title') or p['abstract'].startswith('API abstract') for p in P) and by['2009.13987']['title'] == 'Random Polytope Descriptors'" "$T/day.out"
check "day: published date and comment from the API" "all(p['published'] == '2026-09-22T15:30:00Z' and p['comment'] == '12 pages, comment for ' + p['id'] for p in P)" "$T/day.out"
check "day: primary category from the API" "by['2009.13987']['categories'] == ['math.MG', 'cs.LG', 'stat.ML'] and by['2205.06398']['categories'][0] == 'stat.ME'" "$T/day.out"
check "day: affiliations from the API" "by['2609.26820']['affiliations'] == [['Institute of Mansour'], ['Institute of Benabderrahmane'], ['Institute of Rahwan']]" "$T/day.out"
check "day: DOI from the RSS kept" "by['2205.06398']['doi'] == '10.1093/bioinformatics/btac431'" "$T/day.out"
grep -q 'event=http.get .*status=200 .*attempts=2' "$T/day.err" || fail "day: no request log line with attempts=2"
grep -q 'event=http.retry .*status=429' "$T/day.err" || fail "day: the 429 retry was not logged"
ls "$T/state/http-cache/"*.cache >/dev/null 2>&1 || fail "day: nothing cached under state_dir/http-cache"

# 2. Again, at once: the spacing holds across processes, every answer is a 304 from the cache,
#    the papers are the same.
run again --json
expect_rc again 0
cmp -s "$T/day.out" "$T/again.out" || fail "again: the papers differ from the first run"
check "again: three conditional requests answered 304" "[(r['path'], r['status'], bool(r['headers'].get('if-none-match'))) for r in R[5:]] == [('/rss/cs.LG+cs.AI', 304, True), ('/api/query', 304, True), ('/api/query', 304, True)]"
check "again: >= 3 s between consecutive requests, across runs" "min(gaps) >= 3.0"
grep -q 'event=http.get .*cached=1' "$T/again.err" || fail "again: no cached=1 in the request log"
n0=$(nreq)

# 3. A past date: search_query over the window of Thursday 2025-12-04's listing (Tue 14:00 to
#    Wed 14:00 EST = 19:00 UTC), 5 results in pages of 2: four with primary cs.SE (new), one
#    cs.LG paper cross-listed to cs.SE (cross).
run date --date 2025-12-04 --category cs.SE --category cs.AI --json
expect_rc date 0
grep -q "^papers=5 new=[0-9]* cross=[0-9]* replace=0 replace-cross=0 date=2025-12-04$" "$T/date.err" ||
  fail "date: summary: $(grep '^papers=' "$T/date.err")"
check "date: new where the primary category was asked for, cross elsewhere" "all(p['announce_type'] == ('new' if p['categories'][0] in ('cs.SE', 'cs.AI') else 'cross') for p in P) and sorted(p['announce_type'] for p in P) == ['cross'] + ['new'] * 4" "$T/date.out"
check "date: the window and the categories" "all(r['args']['search_query'] == ['(cat:cs.SE OR cat:cs.AI) AND submittedDate:[202512021900 TO 202512031859]'] for r in R[$n0:])"
check "date: pages start=0,2,4 of max_results=2" "[(r['args']['start'][0], r['args']['max_results'][0]) for r in R[$n0:]] == [('0', '2'), ('2', '2'), ('4', '2')]"
check "date: five distinct papers" "len(P) == 5 and len(by) == 5" "$T/date.out"
check "date: >= 3 s between consecutive requests" "min(gaps) >= 3.0"
n0=$(nreq)

# 4. arXiv's error feed with HTTP 400: exit 65 with arXiv's own message, not retried.
run err --date 2025-12-04 --category cs.CV
expect_rc err 65
grep -q "incorrect id format for abc" "$T/err.err" || fail "err: arXiv's message missing: $(tail -n 2 "$T/err.err")"
check "err: one request, answered 400" "[r['status'] for r in R[$n0:]] == [400]"
n0=$(nreq)

# 5. 503 with Retry-After: 7200 is beyond what one fetch waits: give up at once, exit 75.
run down --category cs.RO
expect_rc down 75
grep -q "retry after 7200 s" "$T/down.err" || fail "down: no Retry-After in the message: $(tail -n 2 "$T/down.err")"
check "down: one request, not retried" "[r['status'] for r in R[$n0:]] == [503]"
check "all: >= 3 s between every two consecutive requests" "min(gaps) >= 3.0"

# The measured spacing, for the record.
/usr/bin/python3 -c '
import json, sys
R = [json.loads(l) for l in open(sys.argv[1])]
g = [b["t"] - a["t"] for a, b in zip(R, R[1:])]
print("   requests=%d min_gap=%.3fs max_gap=%.3fs after_429=%.3fs" % (len(R), min(g), max(g), g[2]))
' "$T/requests.log"

[ "$fails" -eq 0 ] || { echo "11-fetch-http: $fails failure(s)" >&2; exit 1; }
echo "11-fetch-http: all checks passed ($(nreq) requests)"
