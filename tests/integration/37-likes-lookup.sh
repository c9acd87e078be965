#!/bin/sh
# Liked papers and authors looked up on arXiv (pb_likes_lookup), against a local stand-in for
# the API (tests/lib/arxiv_likes_server.py) answering id_list from the real 1,504-item day and
# au: with arXiv's real answer for Del Maestro. Driven by tests/tools/likes_lookup (lookup, then
# the profiles). Checks: ids liked by two subscribers and ids seen on a second run are asked
# once; id_list batches of arxiv.idlist_batch; the au: query in arXiv's name forms, once per
# author; the spacing between requests; an unknown id and a withdrawn one each named in a
# warning and marked (not asked again), the other likes still counted; rank.lookup_max defers
# the rest to the next run; a server that is down costs a log line, not the profiles; the papers
# of verdicts the state lacks are looked up too, by a run whose config likes nothing as well; a
# Retry-After past the HTTP client's cap holds the state's later lookups till it ends.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
BUILD=${BUILD:-$(dirname "$PAPERBOY")}
TOOL="$BUILD/tests/tools/likes_lookup"
FB="$BUILD/tests/tools/feedback_put"
[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built (make tools)" >&2; exit 1; }
[ -x "$FB" ] || { echo "FAIL: $FB not built (make tools)" >&2; exit 1; }
T=$(mktemp -d /tmp/pb-likes-lookup.XXXXXX) || exit 1
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

start_server() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -f "$T/port"
  /usr/bin/python3 "$PB_TESTS/lib/arxiv_likes_server.py" --port-file "$T/port" \
    --log "$T/requests.log" --fixtures "$PB_FIXTURES" --withdrawn 2401.00917 --timeout 120 \
    "$@" 2>"$T/server.err" &
  SRV=$!
  i=0
  while [ ! -s "$T/port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && { cat "$T/server.err" >&2; die "server did not start within 10 s"; }
    kill -0 "$SRV" 2>/dev/null || { cat "$T/server.err" >&2; die "server exited"; }
    sleep 0.1
  done
  PORT=$(cat "$T/port")
}

# conf NAME STATE LOOKUP_MAX
conf() {
  cat >"$T/$1.conf" <<CONF
state_dir = "$T/$2";
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = {
  categories = ["cs", "cond-mat"];
  rss_url = "http://127.0.0.1:$PORT/rss";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 400;
  max_retries = 0;
  idlist_batch = 2;
};
rank = { lookup_max = $3; };
subscribers = (
  { name = "ann";
    like = ["2411.17700", "2411.17008v1", "0808.05394"];
    like_authors = ["Adrian Del Maestro"];
    topics = ( { name = "vision"; query = "cat:cs.CV"; like = ["2401.00917"]; } ); },
  { name = "bob";
    like = ["2411.17008", "2411.17033v2"];
    topics = ( { name = "helium"; query = "abs:helium";
                 like_authors = ["Adrian Del Maestro", "Nobody Atall"]; } ); }
);
CONF
}
nreq() { [ -f "$T/requests.log" ] && wc -l <"$T/requests.log" | tr -d ' ' || echo 0; }
check() {
  what=$1 expr=$2
  /usr/bin/python3 - "$T/requests.log" "$expr" <<'PY' || fail "$what"
import json, os, sys
sys.path.insert(0, os.environ["PB_TESTS"] + "/lib"); from pacing import check_paced
R = [json.loads(l) for l in open(sys.argv[1])]
ids = [i for r in R if r['query'].startswith('id_list=') for i in r['query'][8:].split('&')[0].split(',')]
au = [r['query'] for r in R if r['query'].startswith('search_query=')]
gaps = [b['t'] - a['t'] for a, b in zip(R, R[1:])]
ok = eval(sys.argv[2])
if not ok:
    print('  false: %s' % sys.argv[2], file=sys.stderr)
    for r in R:
        print('  | %.3f %s %s?%s' % (r['t'], r['status'], r['path'], r['query'][:120]), file=sys.stderr)
    sys.exit(1)
PY
}

start_server
conf a state-a 500

# 1. The first run asks every liked id once (5 distinct ids, 2 per request) and each author once.
"$TOOL" "$T/a.conf" >"$T/1.out" 2>"$T/1.err"
rc=$?
[ $rc -eq 0 ] || { cat "$T/1.err" >&2; die "lookup 1: exit $rc"; }
check "five ids asked once each, in batches of two" \
  "sorted(ids) == ['0808.05394', '2401.00917', '2411.17008', '2411.17033', '2411.17700'] and len([r for r in R if 'id_list' in r['query']]) == 3"
check "one au: query for Del Maestro in arXiv's name forms, one for the other author" \
  "len(au) == 2 and any('au:\"Del Maestro, A\" OR au:Del_Maestro_A' in q for q in au) and any('au:\"Atall, N\" OR au:Atall_N' in q for q in au)"
check "requests spaced by request_interval_ms" "len(gaps) == 4 and check_paced([r['t'] for r in R], 0.4, 'lookups') is None"
grep -q 'event=rank.like_unknown subscriber=ann id=0808.05394 reason="unknown to arXiv"' "$T/1.err" ||
  fail "no warning naming the unknown id: $(grep like_unknown "$T/1.err")"
grep -q 'event=rank.like_unknown subscriber=ann id=2401.00917 reason=withdrawn' "$T/1.err" ||
  fail "no warning naming the withdrawn id"
grep -q '^subscriber ann: liked paper 0808.05394: unknown to arXiv$' "$T/1.err" || fail "profile warning (unknown)"
grep -q '^subscriber ann, topic vision: liked paper 2401.00917: withdrawn$' "$T/1.err" || fail "profile warning (withdrawn)"
# The rest still count, with their texts.
grep -q '^ann 2411.17700 verdict=+1 topic=\* text=1 via=-$' "$T/1.out" || fail "ann's like: $(cat "$T/1.out")"
grep -q '^ann 2411.17008 verdict=+1 topic=\* text=1 via=-$' "$T/1.out" || fail "ann's versioned like"
grep -q '^bob 2411.17033 verdict=+1 topic=\* text=1 via=-$' "$T/1.out" || fail "bob's like"
grep -q ' 0808.05394 \| 2401.00917 ' "$T/1.out" && fail "an unknown or withdrawn id was kept"
# Del Maestro's papers (the answer's ten, all his): for ann everywhere, for bob in his topic.
[ "$(grep -c '^ann .* topic=\* text=1 via=Adrian Del Maestro$' "$T/1.out")" -eq 10 ] ||
  fail "ann's liked author: $(grep -c 'via=Adrian' "$T/1.out") lines"
[ "$(grep -c '^bob .* topic=helium text=1 via=Adrian Del Maestro$' "$T/1.out")" -eq 10 ] ||
  fail "bob's liked author in his topic"
grep -q '^ann cond-mat/0412498 ' "$T/1.out" || fail "an old-style id from the au: answer"
grep -q 'via=Nobody Atall' "$T/1.out" && fail "an author with no papers got some"

# 2. A second run asks nothing: found, missing, withdrawn and authors are all remembered.
n=$(nreq)
"$TOOL" "$T/a.conf" >"$T/2.out" 2>"$T/2.err" || fail "lookup 2: exit $?"
[ "$(nreq)" -eq "$n" ] || fail "second run asked again: $(tail -n +$((n + 1)) "$T/requests.log")"
cmp -s "$T/1.out" "$T/2.out" || fail "second run's profiles differ"
grep -q '^subscriber ann: liked paper 0808.05394: unknown to arXiv$' "$T/2.err" ||
  fail "the unknown id is still named on the second run"

# 2b. Verdicts on papers the state does not have (pruned with the corpus, or never recorded):
# their papers are looked up like a `like`, and count with their texts; asked once.
"$FB" "$T/state-a/paperboy.db" bob 2411.15689v1 + bob 2411.15691 - >/dev/null 2>"$T/fbe" ||
  fail "feedback_put: $(cat "$T/fbe")"
rm -f "$T/requests.log"
"$TOOL" "$T/a.conf" >"$T/2b.out" 2>"$T/2b.err" || fail "lookup 2b: exit $?"
check "the two verdicts' papers asked, nothing else" \
  "sorted(ids) == ['2411.15689', '2411.15691'] and not au"
grep -q '^bob 2411.15689 verdict=+1 topic=\* text=1 via=-$' "$T/2b.out" ||
  fail "bob's \"more like this\" without its text: $(grep 2411.1568 "$T/2b.out")"
grep -q '^bob 2411.15691 verdict=-1 topic=\* text=1 via=-$' "$T/2b.out" ||
  fail "bob's \"not for me\" without its text: $(grep 2411.15691 "$T/2b.out")"
"$TOOL" "$T/a.conf" >/dev/null 2>&1
check "asked once" "len(ids) == 2"

# 2c. A run whose readers only gave verdicts (no `like` in the config) looks their papers up too
# (2401.00917: not in the feed, so not recorded by the run). A run from a saved feed uses the
# network when embeddings are on: here at the server, which has no /v1/embeddings (a fallback).
cat >"$T/v.conf" <<CONF
state_dir = "$T/state-v";
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = {
  categories = ["cs", "stat"];
  rss_url = "http://127.0.0.1:$PORT/rss";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 400;
  max_retries = 0;
};
file = { enabled = true; dir = "$T/out-v"; };
embeddings = { base_url = "http://127.0.0.1:$PORT/v1"; model = "m"; timeout = 5; deadline = 10; };
subscribers = ( { name = "vee"; topics = ( { name = "ml"; query = "cat:cs.LG"; } ); } );
CONF
mkdir -p "$T/state-v"
"$FB" "$T/state-v/paperboy.db" vee 2401.00917 + >/dev/null 2>"$T/fbe" ||
  fail "feedback_put (vee): $(cat "$T/fbe")"
rm -f "$T/requests.log"
"$PAPERBOY" -c "$T/v.conf" run --feed "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" \
  >"$T/2c.out" 2>"$T/2c.err" || fail "run with verdicts only: exit $? $(tail -3 "$T/2c.err")"
check "a run looks up the paper of a verdict when no one likes by config" "ids == ['2401.00917']"

# 3. lookup_max = 3: three ids this run (two requests), the other two ids and the authors next.
rm -f "$T/requests.log"
conf c state-c 3
"$TOOL" "$T/c.conf" >"$T/3.out" 2>"$T/3.err" || fail "lookup 3: exit $?"
check "three ids on the first capped run" "len(ids) == 3 and not au"
grep -q 'event=rank.lookup deferred=' "$T/3.err" || fail "no note of the deferred ids"
"$TOOL" "$T/c.conf" >"$T/4.out" 2>"$T/4.err" || fail "lookup 4: exit $?"
check "the rest on the next run, none twice" "len(ids) == 5 and len(set(ids)) == 5 and len(au) == 1"
"$TOOL" "$T/c.conf" >/dev/null 2>&1
check "the last author on the third run" "len(ids) == 5 and len(au) == 2"

# 4. arXiv down: a log line, exit 1 from the lookup, the profiles still made from the state.
start_server --down
conf d state-d 500
"$TOOL" "$T/d.conf" >"$T/5.out" 2>"$T/5.err"
rc=$?
[ $rc -eq 1 ] || fail "lookup while down: exit $rc, want 1"
grep -q 'event=rank.lookup .*note="ranking goes on with what the state has"' "$T/5.err" ||
  fail "no log line for the failed lookup: $(cat "$T/5.err")"
grep -q '^ann 2411.17700 verdict=+1 topic=\* text=0 via=-$' "$T/5.out" ||
  fail "likes dropped when arXiv is down: $(cat "$T/5.out")"
# Nothing was marked while down: the ids are asked once arXiv answers again.
start_server
conf d state-d 500
rm -f "$T/requests.log"
"$TOOL" "$T/d.conf" >"$T/6.out" 2>"$T/6.err" || { fail "lookup after the outage: exit $?"; cat "$T/6.err" >&2; }
check "everything asked after the outage" "len(ids) == 5 and len(au) == 2"

# 5. arXiv answers 429 asking to retry after 600 s (past the HTTP client's two minutes): the
# first request is the only one, the wait is held in the state, and the next run on that state
# asks nothing till it ends (as after the feed's own 429): said once, the profiles still made.
start_server --retry-after 600
conf r state-r 500
rm -f "$T/requests.log"
"$TOOL" "$T/r.conf" >"$T/7.out" 2>"$T/7.err"
rc=$?
[ $rc -eq 1 ] || fail "lookup on a 429: exit $rc, want 1"
[ "$(nreq)" -eq 1 ] || fail "429 with Retry-After 600: $(nreq) requests, want 1"
grep -q 'event=rank.lookup .*error=".*(arXiv asked to retry after 600 s)"' "$T/7.err" ||
  fail "the lookup's failure does not say arXiv's wait: $(grep rank.lookup "$T/7.err")"
held=$(sqlite3 "$T/state-r/paperboy.db" \
  "select (next_ms - strftime('%s','now') * 1000) / 1000 from pacing where key = 'arxiv|retry-after'" 2>&1)
[ -n "$held" ] && [ "$held" -gt 590 ] && [ "$held" -le 600 ] ||
  fail "the wait is not held in the state ($held)"
start_server
conf r state-r 500
"$TOOL" "$T/r.conf" >"$T/8.out" 2>"$T/8.err" || fail "lookup while arXiv's wait runs: exit $?"
[ "$(nreq)" -eq 1 ] || fail "asked while arXiv's wait runs: $(tail -n +2 "$T/requests.log")"
[ "$(grep -c 'event=rank.lookup ' "$T/8.err")" -eq 1 ] &&
  grep -q 'event=rank.lookup wait_s=[0-9]* note="arXiv asked to retry after [0-9]* s (at [^)]*), on this machine or another sharing the state; the lookups wait for a later run"' "$T/8.err" ||
  fail "the wait is not said once: $(grep rank.lookup "$T/8.err")"
grep -q '^ann 2411.17700 verdict=+1 topic=\* text=0 via=-$' "$T/8.out" ||
  fail "the like not kept as it is (looked up, or dropped) while arXiv's wait runs: $(cat "$T/8.out")"

[ "$fails" -eq 0 ] || exit 1
echo "likes lookup: ok"
