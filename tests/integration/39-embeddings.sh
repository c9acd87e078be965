#!/bin/sh
# Optional embeddings against a local OpenAI-compatible /v1/embeddings stand-in
# (tests/integration/embed_server.py, behaviour chosen by model name), driven through
# tests/tools/embed_drive (pb_embed_fetch for every subscriber at once):
# - the 1,504-paper day costs ceil(papers / batch) requests, the same for 2 subscribers and for
#   20, every one with the Bearer key, which never reaches the log;
# - a second run over the same state asks nothing (the vectors are cached per paper version);
# - the vectors are the endpoint's: a pinned vector decides which paper is nearest;
# - a 429 whose Retry-After fits in the deadline is waited for, with no warning (the HTTP
#   client's give-up is for a client that retries itself); every failure (429 beyond the
#   deadline, 500, a slow endpoint, garbage, mixed lengths, a wrong count, a zero vector, a
#   wrong key, an unknown model, a closed port, the deadline) ends on time with no vectors
#   and one event=embed.fallback warning, and the driver still succeeds;
# - through `paperboy run --feed` with a reader who ranks by a liked paper: every failure gives
#   the lexical order on time with one fallback line; the stand-in's vectors fuse into another
#   order; a paper given the liked paper's vector comes right after it; the vectors stay in
#   the state for the next run; SIGTERM during a Retry-After of 300 s ends the run within 2 s,
#   the wait cut short and said so, the papers ranked lexically;
# - a server that refuses a batch's size (413, or "batch size" in a 4xx) is asked with what it
#   says it takes, or half, and every paper still gets its vector; so is one that refuses the
#   tokens of a request (OpenAI's max_tokens_per_request);
# - a model whose window is smaller than an abstract (text-embeddings-inference's 413 "must have
#   less than 512 tokens") has every input cut by half till it fits, and every paper its vector;
#   the next run starts at the length it took, with no refused request; another model, the
#   same at another URL, or the same a week later starts at the full length again;
# - a 503 with retry-after-ms and a 408 go again after the wait asked for; a spent account
#   (402, 429 insufficient_quota) and a 503 with x-should-retry: false end the asking at once.
set -u
: "${BUILD:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}" "${PAPERBOY:?}"
DRIVE="$BUILD/tests/tools/embed_drive"
DAY="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
SMALL="$PB_FIXTURES/api2026-query-all-testing-100.xml"
LIKED="$PB_FIXTURES/api2026-query-all-testing-start5-max10.xml"
KEY="sk-embed-secret-4d1e77"
T=$(mktemp -d)
SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
CUR=none
fail() { echo "FAIL: $*" >&2; for f in "$T/$CUR.out" "$T/$CUR.log"; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done; exit 1; }

[ -x "$DRIVE" ] || fail "missing $DRIVE"
/usr/bin/python3 "$PB_TESTS/integration/embed_server.py" "$T/port" --key "$KEY" --dim 64 --timeout 600 &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "server did not start"
  sleep 0.1
done
PORT=$(cat "$T/port")
BASE="http://127.0.0.1:$PORT"

count() { # FIELD: the stand-in's counter
  /usr/bin/python3 -c 'import json,sys,urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1]+"/_count"))[sys.argv[2]])' "$BASE" "$1"
}
reset() { /usr/bin/python3 -c 'import sys,urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1]+"/_reset", data=b"{}"))' "$BASE"; }
pin() { # SUBSTRING: one vector for every input that contains it
  /usr/bin/python3 -c 'import json,sys,urllib.request
v=[0.0]*64; v[7]=1.0
urllib.request.urlopen(urllib.request.Request(sys.argv[1]+"/_pin",
  data=json.dumps({"contains": sys.argv[2], "vector": v}).encode()))' "$BASE" "$1"
}

# conf NAME MODEL SUBSCRIBERS [TIMEOUT DEADLINE BATCH [BASE]]: SUBSCRIBERS readers who all like
# a paper of the day and one from elsewhere; its own state dir.
conf() {
  mkdir -p "$T/$1.state"
  {
    echo "state_dir = \"$T/$1.state\";"
    echo 'arxiv = { categories = ["cs.CV"]; };'
    echo "embeddings = { base_url = \"${7:-$BASE}/v1\"; model = \"$2\"; api_key_env = \"PB_TEST_EMBED_KEY\";"
    echo "  timeout = ${4:-10}; deadline = ${5:-60}; batch = ${6:-64}; };"
    echo 'subscribers = ('
    s=1
    while [ $s -le "$3" ]; do
      [ $s -gt 1 ] && echo ','
      echo " { name = \"reader$s\"; like = [\"2411.18380\", \"1202.4527v1\"];"
      echo "   topics = ( { name = \"t\"; query = \"ti:x\"; } ); }"
      s=$((s + 1))
    done
    echo ');'
  } > "$T/$1.conf"
}

# run NAME FEED: the driver on NAME.conf, output in NAME.out, log in NAME.log; prints seconds
run() {
  CUR=$1
  s=$(date +%s)
  PB_TEST_EMBED_KEY="${USE_KEY:-$KEY}" "$DRIVE" "$T/$1.conf" "$2" "$LIKED" > "$T/$1.out" 2> "$T/$1.log" \
    || fail "$1: driver exited non-zero"
  echo $(( $(date +%s) - s ))
}

nolog_key() { ! grep -qF "$KEY" "$T/$1.out" "$T/$1.log" || fail "$1: the API key reached the output or log"; }

# ---- requests O(papers / batch), never O(subscribers) ----
# 1,504 papers of the day + the liked paper from elsewhere = 1,505 inputs = 24 batches of 64
conf two ok 2
run two "$DAY" > /dev/null
grep -q '^embed vectors=1505 dim=64 ' "$T/two.out" || fail "two: not every paper has a vector"
grep -q '^subscriber=reader2 likes=2 with_vector=2 ' "$T/two.out" || fail "two: liked papers without vectors"
r2=$(count requests); n2=$(count inputs)
[ "$r2" -eq 24 ] || fail "two: $r2 requests, want 24"
[ "$n2" -eq 1505 ] || fail "two: $n2 inputs, want 1505 (each paper once)"
[ "$(count max_batch)" -eq 64 ] || fail "two: a batch larger than embeddings.batch"
[ "$(count auth_ok)" -eq "$r2" ] || fail "two: a request without the Bearer key"
grep -q 'event=embed.fetch papers=1505 cached=0 asked=1505 requests=24 vectors=1505 dim=64' "$T/two.log" \
  || fail "two: no embed.fetch line"
! grep -q 'event=embed.fallback' "$T/two.log" || fail "two: a fallback without a failure"
nolog_key two
reset
conf twenty ok 20
run twenty "$DAY" > /dev/null
[ "$(grep -c '^subscriber=reader[0-9]* likes=2 with_vector=2 ' "$T/twenty.out")" -eq 20 ] \
  || fail "twenty: a reader's liked papers lack vectors"
r20=$(count requests); n20=$(count inputs)
[ "$r20" -eq "$r2" ] && [ "$n20" -eq "$n2" ] \
  || fail "twenty: $r20 requests / $n20 inputs for 20 readers, $r2 / $n2 for 2"
echo "   1,505 papers: $r2 requests for 2 readers and for 20: ok"


# ---- the second run on the same day asks nothing ----
run twenty "$DAY" > /dev/null
[ "$(count requests)" -eq "$r20" ] || fail "rerun: asked again although every vector is cached"
grep -q 'event=embed.fetch papers=1505 cached=1505 asked=0 requests=0 vectors=1505' "$T/twenty.log" \
  || fail "rerun: not from the cache"
# the same answers from the cache as from the endpoint
[ "$(sed -n 2p "$T/twenty.out" | sed 's/.*top=//')" = "$(sed -n 2p "$T/two.out" | sed 's/.*top=//')" ] \
  || fail "rerun: cached vectors order the papers differently"
echo "   second run: no request, same vectors: ok"

# ---- a server that takes fewer papers at once than embeddings.batch ----
# text-embeddings-inference takes 32 by default and says so: one refused request of 64, then
# 48 of 32; a proxy's bare 413: 64 and 32 refused, then 95 of 16. Every paper gets its vector.
reset
conf tei tei32 2
run tei "$DAY" > /dev/null
grep -q '^embed vectors=1505 dim=64 ' "$T/tei.out" || fail "tei: not every paper has a vector"
[ "$(count requests)" -eq 49 ] || fail "tei: $(count requests) requests, want 1 refused + 48"
grep -q 'event=embed.batch refused=64 batch=32 ' "$T/tei.log" || fail "tei: no embed.batch line"
! grep -q 'event=embed.fallback' "$T/tei.log" || fail "tei: fell back"
reset
conf proxy proxy20 2
run proxy "$DAY" > /dev/null
grep -q '^embed vectors=1505 dim=64 ' "$T/proxy.out" || fail "proxy: not every paper has a vector"
[ "$(count requests)" -eq 97 ] || fail "proxy: $(count requests) requests, want 2 refused + 95"
grep -q 'event=embed.batch refused=32 batch=16 ' "$T/proxy.log" || fail "proxy: no second halving"
echo "   a server taking 32, or 20 behind a proxy: batches cut to fit, every vector: ok"

# ---- more tokens a request than the server takes; an input beyond the model's window ----
# OpenAI refuses a request of more than 300,000 tokens (a 400 that ended every run's vectors):
# the stand-in 40,000 bytes; the 100 papers are 130,856 bytes, 64 of them more than 40,000.
reset
conf tokens tokens40k 2
run tokens "$SMALL" > /dev/null
grep -q '^embed vectors=100 ' "$T/tokens.out" || fail "tokens: not every paper has a vector"
grep -q 'event=embed.batch refused=64 batch=32 configured=64 reason="HTTP 400: \\"Requested ' "$T/tokens.log" \
  || fail "tokens: a request of too many tokens not asked again smaller"
! grep -q 'event=embed.fallback' "$T/tokens.log" || fail "tokens: fell back"
# a 512-token model: 10 of the 100 papers are longer than 1,800 bytes; their batch is refused
# at 6,000 and 3,000 bytes an input, then answered at 1,500 (2 refused + 2 answered)
reset
conf long long1800 2
run long "$SMALL" > /dev/null
grep -q '^embed vectors=100 ' "$T/long.out" || fail "long: not every paper has a vector"
[ "$(count requests)" -eq 4 ] || fail "long: $(count requests) requests, want 2 refused + 2"
[ "$(grep -c 'event=embed.cut ' "$T/long.log")" -eq 2 ] || fail "long: not two embed.cut lines"
grep -q 'event=embed.cut max_bytes=1500 reason="HTTP 413: \\"Input validation error' "$T/long.log" \
  || fail "long: no embed.cut line down to 1500 bytes"
! grep -q 'event=embed.batch' "$T/long.log" || fail "long: an input too long taken for a batch too large"
! grep -q 'event=embed.fallback' "$T/long.log" || fail "long: fell back"
echo "   too many tokens a request, an input beyond a 512-token window: cut to fit, every vector: ok"
# the next run (the 1,504 papers of the day, none cached) starts at the 1,500 bytes the state
# keeps for this model at this URL: no request refused, no cut again
reset
run long "$DAY" > /dev/null
grep -q '^embed vectors=1505 ' "$T/long.out" || fail "long, next run: not every paper has a vector"
grep -q 'level=info event=embed.cut_start model=long1800 max_bytes=1500 ' "$T/long.log" \
  || fail "long, next run: did not start at the kept 1500 bytes"
! grep -q 'event=embed.cut ' "$T/long.log" || fail "long, next run: refused and cut again"
[ "$(count requests)" -eq 24 ] || fail "long, next run: $(count requests) requests, want 24 (none refused)"
# relong NAME MODEL FEED [BASE]: NAME.conf on long's state starts at the full length, refused
# and cut twice as the first run was
relong() {
  reset
  conf "$1" "$2" 2 10 60 64 "${4:-$BASE}"
  sed "s#$T/$1.state#$T/long.state#" "$T/$1.conf" > "$T/$1.conf.tmp" && mv "$T/$1.conf.tmp" "$T/$1.conf"
  run "$1" "$3" > /dev/null
  ! grep -q 'event=embed.cut_start' "$T/$1.log" || fail "$1: started at another model's or URL's length"
  [ "$(grep -c 'event=embed.cut ' "$T/$1.log")" -eq 2 ] || fail "$1: not refused and cut twice"
}
# another model; then that model at another URL (localhost)
relong longb long1800-b "$SMALL"
relong longurl long1800-b "$DAY" "http://localhost:$PORT"
grep -q '^embed vectors=1505 ' "$T/longurl.out" || fail "longurl: not every paper has a vector"
# a length kept for more than a week is tried again at the full length (a server given a
# larger window): the day's papers in new versions, the kept length made 8 days old
sed 's/\(:[0-9]\{4\}\.[0-9]\{4,5\}v\)\([0-9]\)/\11\2/g' "$DAY" > "$T/day-v1x.xml"
/usr/bin/python3 -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
(v,) = db.execute("SELECT value FROM meta WHERE key = '"'"'embeddings.cut'"'"'").fetchone()
f = v.split("\t")
assert f[0] == "1500" and f[2].startswith("http://localhost:") and f[3] == "long1800-b", v
f[1] = str(int(time.time()) - 8 * 86400)
db.execute("UPDATE meta SET value = ? WHERE key = '"'"'embeddings.cut'"'"'", ("\t".join(f),))
db.commit()' "$T/long.state/paperboy.db" || fail "longweek: the kept length is not as written"
relong longweek long1800-b "$T/day-v1x.xml" "http://localhost:$PORT"
echo "   the next run starts at the length the model took; another model or URL, a week after: full: ok"

# ---- a passing failure goes again after the wait the answer asks for ----
reset
conf busy busy 2
secs=$(run busy "$SMALL")
grep -q '^embed vectors=100 ' "$T/busy.out" || fail "busy: vectors missing after the 503s"
grep -q 'event=embed.retry reason="HTTP 503: \\"The engine is currently overloaded\\"" wait_ms=1500 attempt=1' \
  "$T/busy.log" || fail "busy: retry-after-ms not honoured"
! grep -q 'event=embed.fallback' "$T/busy.log" || fail "busy: fell back"
[ "$(count requests)" -eq 4 ] || fail "busy: $(count requests) requests, want 4"
reset
conf t408 timeout408 2
run t408 "$SMALL" > /dev/null
grep -q '^embed vectors=100 ' "$T/t408.out" || fail "t408: a 408 not asked again"
! grep -q 'event=embed.fallback' "$T/t408.log" || fail "t408: fell back"
echo "   503 with retry-after-ms: 1500, 408: asked again, every vector: ok"

# ---- the endpoint's vectors decide: pin the liked paper and an unrelated one together ----
reset
pin "Study Paper on Test Case generation for GUI Based Testing"
pin "SoK: Privacy Personalised"
pin "Efficient Self-Improvement in Multimodal Large Language Models"
conf pinned ok 2
run pinned "$DAY" > /dev/null
grep -q '^subscriber=reader1 likes=2 with_vector=2 top=2411.17760v1,' "$T/pinned.out" \
  || fail "pinned: the paper whose vector matches the liked one's is not first"
echo "   the nearest paper is the one the vectors say: ok"

# ---- a 429 within the deadline is waited for ----
reset
conf ratelimit ratelimit 2 10 60 64
secs=$(run ratelimit "$SMALL")
grep -q '^embed vectors=100 ' "$T/ratelimit.out" || fail "ratelimit: vectors missing after waiting"
grep -q 'event=embed.retry reason="HTTP 429, retry after 1 s" wait_ms=1000' "$T/ratelimit.log" \
  || fail "ratelimit: Retry-After not honoured"
! grep -q 'event=embed.fallback' "$T/ratelimit.log" || fail "ratelimit: fell back although it could wait"
# a wait the endpoint asked for and that was waited out is no failure: no warning says so
! grep -q 'event=http.giveup' "$T/ratelimit.log" || fail "ratelimit: a 429 waited out logged as a give-up"
! grep -q 'level=warn' "$T/ratelimit.log" || fail "ratelimit: a warning though every vector came"
[ "$secs" -ge 2 ] && [ "$secs" -le 15 ] || fail "ratelimit: took $secs s (two batches, 1 s each)"
echo "   429 with Retry-After: 1: waited ($secs s), every vector: ok"

# ---- failures: no vectors, one fallback line, on time ----
# the 100 papers of SMALL, one of them liked (the other liked paper is in neither feed)
PAPERS=100
# check_fallback NAME MODEL REASON MAX_REQUESTS MAX_SECONDS [TIMEOUT DEADLINE [BASE]]
check_fallback() {
  reset
  conf "$1" "$2" 2 "${6:-10}" "${7:-60}" 64 "${8:-$BASE}"
  secs=$(run "$1" "$SMALL")
  grep -q '^embed vectors=0 ' "$T/$1.out" || fail "$1: vectors from a failing endpoint"
  grep -q '^subscriber=reader1 likes=1 with_vector=0 top=-$' "$T/$1.out" || fail "$1: reader line"
  [ "$(grep -c 'event=embed.fallback' "$T/$1.log")" -eq 1 ] || fail "$1: not exactly one fallback line"
  grep -qF "level=warn event=embed.fallback reason=$3" "$T/$1.log" \
    || fail "$1: no fallback line with reason $3"
  grep -q "event=embed.fallback reason=.* papers=$PAPERS requests=" "$T/$1.log" \
    || fail "$1: the fallback line does not count the $PAPERS papers"
  n=$(count requests); [ "$n" -le "$4" ] || fail "$1: $n requests, want at most $4"
  [ "$secs" -le "$5" ] || fail "$1: took $secs s, want at most $5"
  nolog_key "$1"
  echo "   $1: falls back after $n requests in $secs s: ok"
}
check_fallback ratelong ratelong '"HTTP 429, retry after 3600 s" ' 1 5
check_fallback error500 error500 '"HTTP 500: \"The server had an error\""' 3 10 10 5
check_fallback slow slow '"timeout after 2 s"' 1 8 2 60
check_fallback deadline slow '"timeout after 3 s"' 1 8 30 3
check_fallback garbage garbage '"not JSON"' 1 5
check_fallback wrongdims wrongdims '"lengths differ"' 1 5
check_fallback wrongcount wrongcount '"63 vectors for 64 inputs"' 1 5
check_fallback zeros zeros '"a vector of zeros"' 1 5
check_fallback payment payment '"quota exhausted: check the plan and billing of the API account (HTTP 402: \"Insufficient credits.' 1 5
check_fallback quota quota '"quota exhausted: check the plan and billing of the API account (HTTP 429: \"You exceeded' 1 5
check_fallback noretry noretry '"HTTP 503: \"Service unavailable\""' 1 5
check_fallback unknown nosuchmodel '"HTTP 404: \"model not found\""' 1 5
USE_KEY=sk-wrong-key-000
check_fallback badkey ok '"HTTP 401: \"Incorrect API key provided\""' 1 5
USE_KEY=
! grep -qF sk-wrong-key-000 "$T/badkey.log" || fail "badkey: the wrong key reached the log"
# a closed port: nothing listens on a port the stand-in held and gave up
DEAD=$(/usr/bin/python3 "$PB_TESTS/lib/free_port.py")
check_fallback closed ok "\"http://127.0.0.1:$DEAD/v1/embeddings: " 3 8 5 3 "http://127.0.0.1:$DEAD"

# ---- paperboy run: the ranker fuses the vectors; a failing endpoint leaves the lexical order ----
# amy likes a paper of the day and ranks her cs.CV topic by it (rank = "filter").
# rconf NAME MODEL MAX [EXTRA]: EXTRA goes into the embeddings group
rconf() {
  cat > "$T/$1.conf" <<EOF
state_dir = "$T/$1.state";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$T/$1.files"; };
embeddings = { base_url = "$BASE/v1"; model = "$2"; api_key_env = "PB_TEST_EMBED_KEY";
  timeout = 2; deadline = 4; ${4:-} };
subscribers = (
  { name = "amy"; max_papers = $3; like = ["2411.17746"]; rank = "filter";
    topics = ( { name = "Vision"; query = "cat:cs.CV"; } ); }
);
EOF
}
# prun NAME: the ids amy gets, best first, on one line; prints nothing else
prun() {
  CUR=$1
  PB_TEST_EMBED_KEY="$KEY" "$PAPERBOY" -c "$T/$1.conf" run --dry-run --feed "$DAY" > "$T/$1.out" 2> "$T/$1.log" \
    || fail "$1: paperboy run exited non-zero"
  grep -q '^amy: ' "$T/$1.out" || fail "$1: no digest for amy"
  awk 'NR > 1 { printf "%s ", $2 }' "$T/$1.out"
}
reset
rconf lexical ok 30 "enabled = false;"
LEX30=$(prun lexical)
[ "$(count requests)" -eq 0 ] || fail "lexical: embeddings asked for although disabled"
LEX=$(echo "$LEX30" | cut -d' ' -f1-10)
[ "$(echo "$LEX" | wc -w)" -eq 10 ] || fail "lexical: not 10 papers: $LEX"
# every failure: the digest on time, in the lexical order, one fallback line
for mode in error500 ratelong slow garbage wrongdims wrongcount zeros nosuchmodel; do
  reset
  rconf "run-$mode" "$mode" 10
  s=$(date +%s)
  got=$(prun "run-$mode" | cut -d' ' -f1-10)
  secs=$(( $(date +%s) - s ))
  [ "$got" = "$LEX" ] || fail "run-$mode: order $got differs from the lexical $LEX"
  [ "$(grep -c 'level=warn event=embed.fallback reason=' "$T/run-$mode.log")" -eq 1 ] \
    || fail "run-$mode: not one fallback line"
  [ "$secs" -le 10 ] || fail "run-$mode: took $secs s with a deadline of 4 s"
done
echo "   paperboy run, every failure: lexical order, one fallback line, on time: ok"
# the stand-in's own vectors fuse into another order
reset
rconf fused ok 10
FUSED=$(prun fused | cut -d' ' -f1-10)
[ "$FUSED" != "$LEX" ] || fail "fused: the same order as the lexical one"
grep -q 'event=embed.fetch papers=227 cached=0 asked=227 requests=4 vectors=227' "$T/fused.log" \
  || fail "fused: the day's 227 papers not asked in 4 requests"
! grep -q 'embed.fallback' "$T/fused.log" || fail "fused: a fallback"
# vectors that say so: a paper 15th to 30th lexically, outside the fused top 10, gets the
# liked paper's vector and comes right after it
P=""
for id in $(echo "$LEX30" | cut -d' ' -f15-30); do
  case " $FUSED " in *" $id "*) ;; *) P=$id; break ;; esac
done
[ -n "$P" ] || fail "no paper of lexical rank 15 to 30 outside the fused top 10"
TP=$(grep " $P " "$T/lexical.out" | sed 's/.*\] //' | cut -c1-40)
[ -n "$TP" ] || fail "no title for $P"
reset
pin "UVCG: Leveraging Temporal Consistency for Universal Video Protection"
pin "$TP"
rconf pinrun ok 10
PINNED=$(prun pinrun | cut -d' ' -f1-10)
[ "$(echo "$PINNED" | cut -d' ' -f1-2)" = "2411.17746 $P" ] \
  || fail "pinrun: $P, whose vector is the liked paper's, is not next to it: $PINNED"
echo "   paperboy run: fused order differs; a paper's vector lifts it from lexical rank >= 15 to 2nd: ok"
# SIGTERM (systemctl stop, the daemon's stop) while the endpoint's Retry-After of 300 s is
# waited for (the deadline is 600 s): the wait ends at once and says so, the papers go without
# vectors, and the run ends as a stopped run does (exit 0), not 300 s later
reset
rconf stopwait ratewait 10
sed -i 's/timeout = 2; deadline = 4;/timeout = 2; deadline = 600;/' "$T/stopwait.conf"
grep -q 'deadline = 600;' "$T/stopwait.conf" || fail "stopwait: no deadline of 600 s"
CUR=stopwait
PB_TEST_EMBED_KEY="$KEY" "$PAPERBOY" -c "$T/stopwait.conf" run --feed "$DAY" > "$T/stopwait.out" 2> "$T/stopwait.log" &
P=$!
i=0
until grep -q 'event=embed.retry reason="HTTP 429, retry after 300 s" wait_ms=300000' "$T/stopwait.log"; do
  i=$((i + 1))
  [ $i -gt 200 ] && { kill -KILL $P; fail "stopwait: no wait of 300 s within 20 s"; }
  sleep 0.1
done
sleep 0.5
s=$(date +%s%N)
kill -TERM $P
i=0
while kill -0 $P 2>/dev/null; do
  i=$((i + 1))
  [ $i -gt 100 ] && { kill -KILL $P; fail "stopwait: still running 10 s after SIGTERM"; }
  sleep 0.1
done
rc=0
wait $P || rc=$?
ms=$(( ($(date +%s%N) - s) / 1000000 ))
[ "$rc" -eq 0 ] || fail "stopwait: exit $rc after SIGTERM, want 0"
[ "$ms" -lt 2000 ] || fail "stopwait: ended $ms ms after SIGTERM, want < 2 s"
grep -q 'level=warn event=embed.fallback reason="wait of 300 s cut short by a stop request (HTTP 429, retry after 300 s)" papers=227 requests=1' \
  "$T/stopwait.log" || fail "stopwait: no fallback line saying the wait was cut short"
grep -q 'event=run.done date=2024-11-28 ' "$T/stopwait.log" || fail "stopwait: no run.done line"
[ "$(count requests)" -eq 1 ] || fail "stopwait: $(count requests) requests, want 1"
echo "   paperboy run: SIGTERM during a Retry-After of 300 s: ended in $ms ms, no vectors: ok"
# a real run keeps the vectors in the state: a later run with the same papers asks nothing
reset
rconf state ok 10
CUR=state
PB_TEST_EMBED_KEY="$KEY" "$PAPERBOY" -c "$T/state.conf" run --feed "$DAY" > "$T/state.out" 2> "$T/state.log" \
  || fail "state: paperboy run exited non-zero"
grep -q 'event=embed.fetch papers=227 cached=0 asked=227 requests=4 ' "$T/state.log" || fail "state: first run"
sed 's/28 Nov 2024/29 Nov 2024/' "$DAY" > "$T/next.xml"
PB_TEST_EMBED_KEY="$KEY" "$PAPERBOY" -c "$T/state.conf" run --feed "$T/next.xml" > "$T/state.out" 2> "$T/state.log" \
  || fail "state: second paperboy run exited non-zero"
grep -q 'event=embed.fetch papers=227 cached=227 asked=0 requests=0 ' "$T/state.log" || fail "state: second run asked"
[ "$(count requests)" -eq 4 ] || fail "state: $(count requests) requests for two runs, want 4"
for d in 2024-11-28 2024-11-29; do
  [ "$(grep -c "^<a id='" "$T/state.files/$d/amy/digest.md" 2>/dev/null)" = 10 ] || fail "state: no digest of 10 papers on $d"
done
nolog_key state
echo "   paperboy run: the next run with the same papers asks nothing: ok"
# the model behind the same name changed to vectors of another length: the cached ones are
# asked again and replaced, not a fallback every day while they are kept
/usr/bin/python3 -c 'import sys,urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1]+"/_dim", data=b"{\"dim\": 96}"))' "$BASE"
# one paper of the day in a new version: the only one the model is asked about at first
sed 's/28 Nov 2024/30 Nov 2024/; s/2411\.17746v1/2411.17746v2/g' "$DAY" > "$T/third.xml"
PB_TEST_EMBED_KEY="$KEY" "$PAPERBOY" -c "$T/state.conf" run --feed "$T/third.xml" > "$T/state.out" 2> "$T/state.log" \
  || fail "state: third paperboy run exited non-zero"
! grep -q 'event=embed.fallback' "$T/state.log" || fail "state: a model of another length fell back"
grep -q 'event=embed.dimension model=ok dim=96 cached_dim=64 asked_again=226 ' "$T/state.log" \
  || fail "state: the cached vectors of the old length not asked again"
grep -q 'event=embed.fetch papers=227 cached=0 asked=227 requests=5 vectors=227 dim=96 ' "$T/state.log" \
  || fail "state: not every vector of the new length"
sed 's/30 Nov 2024/01 Dec 2024/' "$T/third.xml" > "$T/fourth.xml"
PB_TEST_EMBED_KEY="$KEY" "$PAPERBOY" -c "$T/state.conf" run --feed "$T/fourth.xml" > "$T/state.out" 2> "$T/state.log" \
  || fail "state: fourth paperboy run exited non-zero"
grep -q 'event=embed.fetch papers=227 cached=227 asked=0 requests=0 vectors=227 dim=96 ' "$T/state.log" \
  || fail "state: the new vectors not kept"
echo "   a model of another length behind the same name: the cached vectors asked again: ok"
echo "embeddings: ok"
