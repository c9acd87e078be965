#!/bin/sh
# The optional model behind the summary, against a local OpenAI-compatible server
# (tests/lib/openai_server.py, modes chosen by model name): normal answers become the Analysis
# and the executive summary, sent several at once once the model answers; a 429 is waited out
# as Retry-After, retry-after-ms or x-ratelimit-reset-* ask, one saying the quota is spent (or a
# 402, or OpenAI's billing_hard_limit_reached) ends the requests at once; a 502, a 408, a 409
# or a reset connection is tried once more, as x-should-retry says otherwise; 429, 500, a slow
# model, malformed JSON, empty content, refusals, answers cut off at max_tokens and answers
# in another language than the reader's fall back to the built-in text with a summary.fallback log line; a summary too long for the
# model's context is asked again shorter, one refused for max_tokens or a temperature (a
# reasoning model) again without them; a second subscriber with the
# same papers costs no request, nor does a second run; the token budget (also when the state
# cannot record the tokens spent) and the deadline stop the requests; the API key never
# reaches the log; `paperboy run` puts the answers in the digests.
set -u
: "${BUILD:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
DRIVE="$BUILD/tests/tools/summarize_drive"
FEED="$PB_FIXTURES/api2026-query-all-testing-start5-max10.xml"
PROMPTS="$(cd "$PB_TESTS/../conf/prompts" && pwd)"
KEY="sk-test-secret-7f3a9c"
T=$(mktemp -d)
SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
CUR=none
fail() { echo "FAIL: $*" >&2; for f in "$T/$CUR.out" "$T/$CUR.log"; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done; exit 1; }

[ -x "$DRIVE" ] || fail "missing $DRIVE"
/usr/bin/python3 "$PB_TESTS/lib/openai_server.py" "$T/port" "$KEY" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "server did not start"
  sleep 0.1
done
PORT=$(cat "$T/port")
BASE="http://127.0.0.1:$PORT"

count() { # requests the server has seen for model $1
  /usr/bin/python3 -c 'import json,sys,urllib.request
d=json.load(urllib.request.urlopen(sys.argv[1]+"/_count"))
print(d["by_model"].get(sys.argv[2],0) if len(sys.argv)>2 else d["requests"])' "$BASE" "$@"
}
auth_ok() {
  /usr/bin/python3 -c 'import json,sys,urllib.request
d=json.load(urllib.request.urlopen(sys.argv[1]+"/_count")); print(d["auth_ok"]==d["requests"])' "$BASE"
}

# conf NAME MODEL TIMEOUT DEADLINE BUDGET: a config with three subscribers, alice and bob with the
# same papers and language, carol in Chinese; its own state dir unless KEEP_STATE is set.
conf() {
  mkdir -p "$T/$1.state"
  cat > "$T/$1.conf" <<EOF
state_dir = "$T/$1.state";
arxiv = { categories = ["cs.CV"]; };
summary = { base_url = "$BASE/v1"; model = "$2"; api_key_env = "PB_TEST_KEY";
  prompt_dir = "$PROMPTS"; timeout = $3; deadline = $4; daily_token_budget = $5; };
subscribers = (
 { name = "alice"; language = "en"; max_papers = 4; topics = ( { name = "Testing"; query = "all:testing"; } ); },
 { name = "bob";   language = "en"; max_papers = 4; topics = ( { name = "Testing"; query = "all:testing"; } ); },
 { name = "carol"; language = "zh"; max_papers = 4; topics = ( { name = "Testing"; query = "all:testing"; } ); }
);
EOF
}

# run NAME: runs the driver on NAME.conf, output in NAME.out, log in NAME.log; prints seconds
run() {
  CUR=$1
  s=$(date +%s)
  PB_TEST_KEY="${USE_KEY:-$KEY}" "$DRIVE" "$T/$1.conf" "$FEED" > "$T/$1.out" 2> "$T/$1.log" \
    || fail "$1: driver exited non-zero"
  echo $(( $(date +%s) - s ))
}

nolog_key() { ! grep -qF "$KEY" "$T/$1.out" "$T/$1.log" || fail "$1: the API key reached the output or log"; }

# ---- normal answers: Analysis and summary from the model, shared by alice and bob ----
conf normal normal 10 60 0
run normal > /dev/null
grep -q '^subscriber=alice lang=en items=4 exec_from_model=1 analyses=4' "$T/normal.out" || fail "normal: alice"
grep -q '^subscriber=bob lang=en items=4 exec_from_model=1 analyses=4' "$T/normal.out" || fail "normal: bob"
grep -q '^subscriber=carol lang=zh items=4 exec_from_model=1 analyses=4' "$T/normal.out" || fail "normal: carol"
grep -q '^exec: MODEL SUMMARY in English of 4 papers' "$T/normal.out" || fail "normal: summary text"
grep -q '^exec: MODEL SUMMARY in Chinese of 4 papers' "$T/normal.out" || fail "normal: Chinese summary"
grep -q '^item=2503.05378v2 analysis=MODEL ANALYSIS in English of 2503.05378v2' "$T/normal.out" || fail "normal: analysis"
# en: 1 summary + 4 analyses (bob costs nothing), zh: the same again
n=$(count normal); [ "$n" -eq 10 ] || fail "normal: $n requests, want 10 (second subscriber must be free)"
[ "$(auth_ok)" = True ] || fail "normal: a request without the Bearer key"
grep -q 'event=summary.prepare requests=10 answers=10 cached=0 fallbacks=0 tokens=1500' "$T/normal.log" \
  || fail "normal: prepare line"
nolog_key normal
# a second run over the same state asks nothing
run normal > /dev/null
n=$(count normal); [ "$n" -eq 10 ] || fail "normal rerun: $n requests, want still 10 (cache)"
grep -q 'event=summary.prepare requests=0 answers=0 cached=10' "$T/normal.log" || fail "normal rerun: cached"
grep -c 'exec_from_model=1 analyses=4' "$T/normal.out" | grep -qx 3 || fail "normal rerun: answers from cache"
echo "   normal answers, cache shared and persistent: ok"

# ---- failures fall back to the built-in text with the documented log line ----
check_fallback() { # NAME MODEL REASON_REGEX MAX_REQUESTS
  conf "$1" "$2" 3 60 0
  run "$1" > /dev/null
  grep -q '^subscriber=alice lang=en items=4 exec_from_model=0 analyses=0' "$T/$1.out" || fail "$1: alice not built in"
  grep -q '^subscriber=carol lang=zh items=4 exec_from_model=0 analyses=0' "$T/$1.out" || fail "$1: carol not built in"
  grep -q '^exec: \*\*4 papers\*\* matched your topic \*\*Testing\*\*' "$T/$1.out" || fail "$1: built-in summary missing"
  grep -Eq "level=warn event=summary.fallback kind=summary paper=digest:[0-9a-f]{16}:4 subscriber=alice lang=en reason=$3" "$T/$1.log" \
    || fail "$1: no fallback line for the summary with reason $3"
  grep -Eq "level=warn event=summary.fallback kind=analysis paper=[0-9.]+v[0-9]+ lang=(en|zh) reason=" "$T/$1.log" \
    || fail "$1: no fallback line for an analysis"
  n=$(count "$2"); [ "$n" -le "$4" ] || fail "$1: $n requests, want at most $4"
  nolog_key "$1"
  echo "   $2: falls back ($n requests): ok"
}
# a Retry-After past the deadline (90 s against 60): one request, and the rest do not wait
check_fallback ratelimit ratelimit '"HTTP 429, retry after 90 s"' 1
grep -q 'reason="rate limited by the model (429) for [0-9]* s, past the deadline"' "$T/ratelimit.log" \
  || fail "ratelimit: later papers not held back"
# a short one is waited out: that request goes again, and every answer is the model's
conf ratelimit_once ratelimit_once 10 60 0
run ratelimit_once > /dev/null
for who in "alice lang=en" "bob lang=en" "carol lang=zh"; do
  grep -q "^subscriber=$who items=4 exec_from_model=1 analyses=4" "$T/ratelimit_once.out" \
    || fail "ratelimit_once: $who not from the model"
done
grep -q 'event=summary.retry kind=summary paper=digest:[0-9a-f]*:4 lang=en after_s=2' \
  "$T/ratelimit_once.log" || fail "ratelimit_once: the 429 was not waited out"
! grep -q 'event=summary.fallback' "$T/ratelimit_once.log" || fail "ratelimit_once: a fallback"
echo "   ratelimit_once: a 2 s Retry-After waited out, $(count ratelimit_once) requests: ok"
# a 429 without Retry-After: the request goes again after a short backoff
conf ratelimit_bare_once ratelimit_bare_once 10 60 0
run ratelimit_bare_once > /dev/null
for who in "alice lang=en" "bob lang=en" "carol lang=zh"; do
  grep -q "^subscriber=$who items=4 exec_from_model=1 analyses=4" "$T/ratelimit_bare_once.out" \
    || fail "ratelimit_bare_once: $who not from the model"
done
grep -q 'event=summary.retry kind=summary paper=digest:[0-9a-f]*:4 lang=en after_s=2' \
  "$T/ratelimit_bare_once.log" || fail "ratelimit_bare_once: the 429 was not waited out"
! grep -q 'event=summary.fallback' "$T/ratelimit_bare_once.log" || fail "ratelimit_bare_once: a fallback"
echo "   ratelimit_bare_once: a 429 without Retry-After tried again after 2 s: ok"
# the waits other providers ask for: Azure OpenAI's retry-after-ms (2500 ms), OpenAI's
# x-ratelimit-reset-requests of the limit spent (2.5s; not the tokens' 6m0s): both waited
# out as asked, not the 2 s backoff
conf ratelimit_hints ratelimit_hints 10 60 0
run ratelimit_hints > /dev/null
for who in "alice lang=en" "bob lang=en" "carol lang=zh"; do
  grep -q "^subscriber=$who items=4 exec_from_model=1 analyses=4" "$T/ratelimit_hints.out" \
    || fail "ratelimit_hints: $who not from the model"
done
n=$(grep -c 'event=summary.retry kind=[a-z]* paper=[^ ]* lang=[a-z]* after_s=3$' "$T/ratelimit_hints.log")
[ "$n" -eq 2 ] || fail "ratelimit_hints: $n waits of 3 s, want 2 (retry-after-ms, x-ratelimit-reset-requests)"
! grep -q 'event=summary.fallback' "$T/ratelimit_hints.log" || fail "ratelimit_hints: a fallback"
echo "   ratelimit_hints: retry-after-ms and x-ratelimit-reset-requests waited out: ok"
# an account without credit (OpenAI's 429 insufficient_quota): waiting does not mend it, one
# request and no more, and the log says why once
check_fallback quota quota '"HTTP 429: You exceeded your current quota, please check your plan and billing details."' 1
n=$(grep -c 'event=summary.stop reason="quota exhausted: check the plan and billing of the API account"' "$T/quota.log")
[ "$n" -eq 1 ] || fail "quota: $n stop lines naming the quota, want 1"
grep -q 'kind=summary paper=digest:[0-9a-f]*:4 subscriber=carol lang=zh reason="quota exhausted' "$T/quota.log" \
  || fail "quota: later requests do not fall back for the quota"
! grep -q 'event=summary.retry' "$T/quota.log" || fail "quota: waited for a quota spent"
# the same said otherwise: DeepSeek's 402 "Insufficient Balance" (OpenRouter's 402 too), OpenAI's
# 400 billing_hard_limit_reached
for m in payment hardlimit; do
  case $m in
  payment) r='"HTTP 402: Insufficient Balance"' ;;
  hardlimit) r='"HTTP 400: Billing hard limit has been reached"' ;;
  esac
  check_fallback "$m" "$m" "$r" 1
  n=$(grep -c 'event=summary.stop reason="quota exhausted: check the plan and billing of the API account"' "$T/$m.log")
  [ "$n" -eq 1 ] || fail "$m: $n stop lines naming the quota, want 1"
  ! grep -q 'event=summary.retry' "$T/$m.log" || fail "$m: asked again with no credit"
done
# a proxy's 502 (Retry-After 2) and a connection reset mid-answer, each once: both requests
# go again after a short wait, and every answer is the model's
conf flaky flaky 10 60 0
run flaky > /dev/null
for who in "alice lang=en" "bob lang=en" "carol lang=zh"; do
  grep -q "^subscriber=$who items=4 exec_from_model=1 analyses=4" "$T/flaky.out" \
    || fail "flaky: $who not from the model"
done
grep -q 'event=summary.retry kind=summary paper=digest:[0-9a-f]*:4 lang=en after_s=2 reason="HTTP 502"' \
  "$T/flaky.log" || fail "flaky: the 502 not tried again after its Retry-After"
grep -q 'event=summary.retry kind=[a-z]* paper=[^ ]* lang=[a-z]* after_s=1 reason="no answer: .*reset' \
  "$T/flaky.log" || fail "flaky: the reset not tried again"
! grep -q 'event=summary.fallback\|event=summary.stop' "$T/flaky.log" || fail "flaky: a fallback"
n=$(count flaky); [ "$n" -eq 12 ] || fail "flaky: $n requests, want 12"
echo "   flaky: a 502 and a reset each tried again once: ok"
# the server's own timeout (408) and a lock's (409), each once: tried again as a 502 is
conf busy_once busy_once 10 60 0
run busy_once > /dev/null
for who in "alice lang=en" "bob lang=en" "carol lang=zh"; do
  grep -q "^subscriber=$who items=4 exec_from_model=1 analyses=4" "$T/busy_once.out" \
    || fail "busy_once: $who not from the model"
done
grep -q 'event=summary.retry kind=summary paper=digest:[0-9a-f]*:4 lang=en after_s=1 reason="HTTP 408: Request timed out"' \
  "$T/busy_once.log" || fail "busy_once: the 408 not tried again"
grep -q 'event=summary.retry kind=[a-z]* paper=[^ ]* lang=[a-z]* after_s=1 reason="HTTP 409: Conflict"' \
  "$T/busy_once.log" || fail "busy_once: the 409 not tried again"
! grep -q 'event=summary.fallback\|event=summary.stop' "$T/busy_once.log" || fail "busy_once: a fallback"
n=$(count busy_once); [ "$n" -eq 12 ] || fail "busy_once: $n requests, want 12"
echo "   busy_once: a 408 and a 409 each tried again once: ok"
# x-should-retry, the server's word on trying again: "false" to a 503 is not tried again,
# "true" to a 400 is
check_fallback noretry noretry '"HTTP 503: The engine is overloaded"' 3
! grep -q 'event=summary.retry' "$T/noretry.log" || fail "noretry: tried again against x-should-retry: false"
conf retry_once retry_once 10 60 0
run retry_once > /dev/null
for who in "alice lang=en" "bob lang=en" "carol lang=zh"; do
  grep -q "^subscriber=$who items=4 exec_from_model=1 analyses=4" "$T/retry_once.out" \
    || fail "retry_once: $who not from the model"
done
grep -q 'event=summary.retry kind=summary paper=digest:[0-9a-f]*:4 lang=en after_s=1 reason="HTTP 400: Upstream said no"' \
  "$T/retry_once.log" || fail "retry_once: x-should-retry: true not tried again"
! grep -q 'event=summary.fallback\|event=summary.stop' "$T/retry_once.log" || fail "retry_once: a fallback"
echo "   x-should-retry: false not tried again, true tried again once: ok"
# a reasoning model (OpenAI's o1, o3, gpt-5) refuses max_tokens and our temperature: the
# request goes again without them, so do all later ones, and every answer is the model's
conf reasoning reasoning 10 60 0
run reasoning > /dev/null
for who in "alice lang=en" "bob lang=en" "carol lang=zh"; do
  grep -q "^subscriber=$who items=4 exec_from_model=1 analyses=4" "$T/reasoning.out" \
    || fail "reasoning: $who not from the model"
done
grep -q "event=summary.adapt model=reasoning max_completion_tokens=1 temperature=1 reason=\"HTTP 400: Unsupported parameter: 'max_tokens'" \
  "$T/reasoning.log" || fail "reasoning: max_tokens left in"
grep -q "event=summary.adapt model=reasoning max_completion_tokens=1 temperature=0 reason=\"HTTP 400: Unsupported value: 'temperature'" \
  "$T/reasoning.log" || fail "reasoning: temperature left in"
! grep -q 'event=summary.fallback\|event=summary.stop' "$T/reasoning.log" || fail "reasoning: a fallback"
n=$(count reasoning); [ "$n" -eq 12 ] || fail "reasoning: $n requests, want 12"
echo "   reasoning: max_tokens and temperature left out once the model refuses them: ok"
# a server that keeps failing: the first request goes again once, then three failures stop
check_fallback error500 error500 '"HTTP 500: The server had an error"' 4
grep -q 'event=summary.stop reason="model failed repeatedly"' "$T/error500.log" || fail "error500: no stop after repeated failures"
[ "$(grep -c 'event=summary.retry' "$T/error500.log")" -eq 1 ] || fail "error500: not one retry"
check_fallback malformed malformed '"not JSON"' 3
check_fallback empty empty '"empty content"' 3
check_fallback refusal refusal "\"refusal: I can't help with that.\"" 3
check_fallback filter filter '"refusal: finish_reason content_filter"' 3
check_fallback truncated truncated '"cut off at max_tokens: finish_reason length"' 3
! grep -q 'cut off in the middle' "$T/truncated.out" || fail "truncated: half an answer reached a digest"
# a digest's list longer than the model's context (vLLM's 400 in its own form): the summary
# is asked again with a shorter list, and the model is not taken for failing
conf context context 10 60 0
run context > /dev/null
for who in "alice lang=en" "bob lang=en" "carol lang=zh"; do
  grep -q "^subscriber=$who items=4 exec_from_model=1 analyses=4" "$T/context.out" \
    || fail "context: $who not from the model"
done
grep -q '^exec: MODEL SUMMARY in English of [1-3] papers' "$T/context.out" || fail "context: shorter list"
grep -q "event=summary.shorter kind=summary paper=digest:[0-9a-f]*:4 lang=en reason=\"HTTP 400: This model's maximum context length is 4096 tokens" \
  "$T/context.log" || fail "context: no summary.shorter line quoting the model"
! grep -q 'event=summary.fallback\|event=summary.stop' "$T/context.log" || fail "context: a fallback"
n=$(count context); [ "$n" -eq 12 ] || fail "context: $n requests, want 12"
echo "   context: a list too long for the model asked again shorter: ok"
# a wrong key: one request, then no more (every request would be refused alike)
conf badkey badkey 3 60 0
USE_KEY=sk-wrong-key-000
run badkey > /dev/null
USE_KEY=
grep -q 'kind=summary paper=digest:[0-9a-f]*:4 subscriber=alice lang=en reason="HTTP 401: bad key"' "$T/badkey.log" \
  || fail "badkey: no 401 fallback line"
grep -q 'event=summary.stop reason="the model refuses the API key"' "$T/badkey.log" || fail "badkey: no stop"
n=$(count badkey); [ "$n" -eq 1 ] || fail "badkey: $n requests, want 1"
grep -q '^subscriber=carol lang=zh items=4 exec_from_model=0 analyses=0' "$T/badkey.out" || fail "badkey: carol not built in"
! grep -qF "sk-wrong-key-000" "$T/badkey.log" || fail "badkey: the key reached the log"
echo "   wrong API key: one request, then built-in: ok"
# an answer in English to a Chinese reader (small models often do): carol gets the built-in
# text, nothing of it is cached (the next run asks again), alice's English answers are kept
conf wronglang wronglang 3 60 0
run wronglang > /dev/null
grep -q '^subscriber=alice lang=en items=4 exec_from_model=1 analyses=4' "$T/wronglang.out" || fail "wronglang: alice"
grep -q '^subscriber=carol lang=zh items=4 exec_from_model=0 analyses=0' "$T/wronglang.out" \
  || fail "wronglang: carol shown an English answer"
grep -q 'kind=summary paper=digest:[0-9a-f]*:4 subscriber=carol lang=zh reason="the answer is not in Chinese (Simplified)"' \
  "$T/wronglang.log" || fail "wronglang: no fallback line naming the language"
# Chinese answered in English three times: no more Chinese requests this run (one more may
# have been in flight beside the third), whatever order the answers came in; the English ones
# all go
n=$(count wronglang); [ "$n" -ge 8 ] && [ "$n" -le 9 ] ||
  fail "wronglang: $n requests, want 8 or 9 (5 English, 3 or 4 Chinese)"
grep -q 'event=summary.stop_language lang=zh ' "$T/wronglang.log" ||
  fail "wronglang: no line saying the Chinese requests stop"
grep -q 'event=summary.stop ' "$T/wronglang.log" && fail "wronglang: the English requests were stopped too"
# the next run asks the Chinese ones again, three wrong answers in a row then no more
run wronglang > /dev/null
grep -q 'event=summary.prepare requests=3 answers=0 cached=5 fallbacks=5' "$T/wronglang.log" \
  || fail "wronglang: the second run does not ask the Chinese ones again"
echo "   wronglang: an English answer to a Chinese reader is not shown nor cached, three stop Chinese only: ok"
conf slow slow 2 60 0
secs=$(run slow)
grep -q 'reason="timeout after 2 s"' "$T/slow.log" || fail "slow: no timeout reason"
grep -q '^subscriber=bob lang=en items=4 exec_from_model=0 analyses=0' "$T/slow.out" || fail "slow: bob not built in"
[ "$secs" -le 30 ] || fail "slow: took $secs s"
echo "   slow: times out and falls back in $secs s: ok"

# ---- the daily token budget stops the requests (150 tokens per answer) ----
conf budget normal 10 60 300
run budget > /dev/null
n=$(count normal); [ "$n" -eq 12 ] || fail "budget: $((n - 10)) requests, want 2"
grep -q 'event=summary.stop reason="daily token budget spent"' "$T/budget.log" || fail "budget: no stop line"
grep -q 'reason="daily token budget spent"' "$T/budget.log" || fail "budget: no fallback reason"
# the two executive summaries (en, zh) come first and spend it
grep -q '^subscriber=alice lang=en items=4 exec_from_model=1 analyses=0' "$T/budget.out" || fail "budget: alice should have the model's summary only"
grep -q '^subscriber=carol lang=zh items=4 exec_from_model=1 analyses=0' "$T/budget.out" || fail "budget: carol should have the model's summary only"
# the budget is per day and kept in the state: the next run asks nothing
run budget > /dev/null
n=$(count normal); [ "$n" -eq 12 ] || fail "budget rerun: asked again although the day's budget is spent"
echo "   token budget: 2 requests then built-in, also in the next run: ok"

# ---- the state cannot record the tokens spent (a full disk; here a trigger refuses the
# row): the budget still stops the requests, counting what this run spent ----
conf budgetfail normal 10 60 300
CUR=budgetfail
PB_TEST_KEY="$KEY" "$BUILD/paperboy" -c "$T/budgetfail.conf" run --date 2024-12-02 \
  --feed "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" >"$T/budgetfail.out" 2>"$T/budgetfail.log" ||
  fail "budgetfail: making the state failed"
sqlite3 "$T/budgetfail.state/paperboy.db" "CREATE TRIGGER no_room BEFORE INSERT ON token_usage
  BEGIN SELECT RAISE(ABORT, 'injected: database or disk is full'); END;" || fail "budgetfail: no trigger"
before=$(count normal)
run budgetfail > /dev/null
n=$(count normal); [ $((n - before)) -eq 2 ] || fail "budgetfail: $((n - before)) requests, want 2"
grep -q 'event=summary.tokens .*injected: database or disk is full' "$T/budgetfail.log" || fail "budgetfail: the failure is not logged"
grep -q 'event=summary.stop reason="daily token budget spent"' "$T/budgetfail.log" || fail "budgetfail: no stop line"
echo "   token budget with the state refusing the count: 2 requests then built-in: ok"

# ---- an answer without usage is charged an estimate (a token for 4 bytes): the budget still
# stops the requests, and the log says the count is estimated ----
conf nousage nousage 10 60 300
run nousage > /dev/null
n=$(count nousage); [ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "nousage: $n requests, want 1 or 2"
grep -q 'event=summary.stop reason="daily token budget spent"' "$T/nousage.log" || fail "nousage: no stop line"
grep -q 'event=summary.usage answers=[12] reason="the model' "$T/nousage.log" || fail "nousage: no estimate line"
echo "   answers without usage: estimated, $n request(s) then built-in: ok"

# ---- the deadline bounds the time the model may take ----
conf deadline slow 3 4 0
secs=$(run deadline)
grep -q 'event=summary.stop reason="deadline reached"' "$T/deadline.log" || fail "deadline: no stop line"
n=$(count slow)
[ "$secs" -le 12 ] || fail "deadline: took $secs s with a 4 s deadline"
grep -q '^subscriber=carol lang=zh items=4 exec_from_model=0 analyses=0' "$T/deadline.out" || fail "deadline: carol not built in"
echo "   deadline: stopped after $secs s: ok"

# ---- several requests at once once the model answers (1 s per answer, 10 requests) ----
conf parallel delay 10 60 0
secs=$(run parallel)
grep -q 'event=summary.prepare requests=10 answers=10 cached=0 fallbacks=0' "$T/parallel.log" \
  || fail "parallel: want 10 answers"
grep -q '^subscriber=carol lang=zh items=4 exec_from_model=1 analyses=4' "$T/parallel.out" || fail "parallel: carol"
most=$(/usr/bin/python3 -c 'import json,sys,urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1]+"/_count"))["max_inflight"])' "$BASE")
[ "$most" -ge 2 ] && [ "$most" -le 4 ] || fail "parallel: $most requests at once, want 2 to 4 (concurrency 4)"
[ "$secs" -le 7 ] || fail "parallel: took $secs s for 10 answers of 1 s"
echo "   parallel: 10 answers in $secs s, at most $most at once: ok"

# ---- the whole cycle: paperboy run writes the model's text into the digests ----
if [ -n "${PAPERBOY:-}" ]; then
  CUR=e2e
  mkdir -p "$T/e2e.state"
  cat > "$T/e2e.conf" <<EOF
state_dir = "$T/e2e.state";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$T/e2e.files"; };
summary = { base_url = "$BASE/v1"; model = "e2e"; api_key_env = "PB_TEST_KEY";
  prompt_dir = "$PROMPTS"; timeout = 10; deadline = 120; };
subscribers = (
 { name = "alice"; language = "en"; max_papers = 3; topics = ( { name = "Video"; query = "cat:cs.CV AND ti:video"; } ); },
 { name = "carl";  language = "en"; max_papers = 3; topics = ( { name = "Clips"; query = "ti:video AND cat:cs.CV"; } ); },
 { name = "bob";   language = "zh"; max_papers = 3; topics = ( { name = "Video"; query = "cat:cs.CV AND ti:video"; } ); }
);
EOF
  PB_TEST_KEY="$KEY" "$PAPERBOY" -c "$T/e2e.conf" run --feed "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" \
    > "$T/e2e.out" 2> "$T/e2e.log" || fail "e2e: paperboy run failed"
  A="$T/e2e.files/2024-11-28/alice/digest.md"; B="$T/e2e.files/2024-11-28/bob/digest.md"
  [ -f "$A" ] && [ -f "$B" ] || fail "e2e: digests not written"
  grep -q '^MODEL SUMMARY in English of 3 papers' "$A" || fail "e2e: alice has no model summary"
  grep -q '^MODEL SUMMARY in Chinese of 3 papers' "$B" || fail "e2e: bob has no model summary"
  [ "$(grep -c '^MODEL ANALYSIS in English of' "$A")" -eq 3 ] || fail "e2e: alice lacks analyses"
  [ "$(grep -c '^MODEL ANALYSIS in Chinese of' "$B")" -eq 3 ] || fail "e2e: bob lacks analyses"
  # en: 1 summary + 3 analyses (carl has the same papers: free), zh: the same again
  n=$(count e2e); [ "$n" -eq 8 ] || fail "e2e: $n requests, want 8"
  nolog_key e2e
  echo "   paperboy run: model summary and analyses in the digests, 8 requests for 3 subscribers: ok"

  # A prompt file that cannot be read: check (and the daemon's start, a reload) names it; a
  # run goes on without the model and every digest goes out with the built-in summary.
  CUR=noprompt
  mkdir -p "$T/noprompt.state" "$T/noprompt.prompts"
  cp "$PROMPTS/analysis.txt" "$T/noprompt.prompts/"
  sed -e "s|e2e.state|noprompt.state|; s|e2e.files|noprompt.files|; s|model = \"e2e\"|model = \"noprompt\"|" \
      -e "s|prompt_dir = \"$PROMPTS\"|prompt_dir = \"$T/noprompt.prompts\"|" "$T/e2e.conf" > "$T/noprompt.conf"
  rc=0; PB_TEST_KEY="$KEY" "$PAPERBOY" -c "$T/noprompt.conf" check > "$T/noprompt.out" 2> "$T/noprompt.log" || rc=$?
  [ "$rc" -eq 78 ] || fail "noprompt: check exited $rc, want 78"
  grep -q "noprompt.conf: summary.prompt_dir: summary prompt $T/noprompt.prompts/summary.txt: No such file" \
    "$T/noprompt.log" || fail "noprompt: check does not name the missing prompt"
  PB_TEST_KEY="$KEY" "$PAPERBOY" -c "$T/noprompt.conf" run --feed "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" \
    > "$T/noprompt.out" 2> "$T/noprompt.log" || fail "noprompt: paperboy run failed"
  for who in alice carl bob; do
    [ -s "$T/noprompt.files/2024-11-28/$who/digest.md" ] || fail "noprompt: no digest for $who"
  done
  ! grep -q 'MODEL' "$T/noprompt.files/2024-11-28/alice/digest.md" || fail "noprompt: a model's text"
  grep -q "level=error event=summary.model_off reason=\"summary prompt $T/noprompt.prompts/summary.txt" \
    "$T/noprompt.log" || fail "noprompt: no summary.model_off line"
  n=$(count noprompt); [ "$n" -eq 0 ] || fail "noprompt: $n requests, want none"
  echo "   an unreadable prompt: check says which, a run delivers without the model: ok"

  # Hundreds of papers in one run: each is asked about once, however many digests hold it
  # (the run's record of what it asked grows as it goes).
  CUR=many
  mkdir -p "$T/many.state"
  sed -e "s|e2e.state|many.state|; s|e2e.files|many.files|; s|model = \"e2e\"|model = \"many\"|" \
      -e 's|max_papers = 3; topics = ( { name = "[A-Za-z]*"; query = "[^"]*"|max_papers = 400; topics = ( { name = "Vision"; query = "cat:cs.CV"|' \
      "$T/e2e.conf" > "$T/many.conf"
  PB_TEST_KEY="$KEY" "$PAPERBOY" -c "$T/many.conf" run --feed "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" \
    > "$T/many.out" 2> "$T/many.log" || fail "many: paperboy run failed"
  A="$T/many.files/2024-11-28/alice/digest.md"; C="$T/many.files/2024-11-28/carl/digest.md"
  # (the stand-in answers in Chinese to a prompt that names the language: a few abstracts do)
  na=$(grep -c '^MODEL ANALYSIS in' "$A"); nc=$(grep -c '^MODEL ANALYSIS in' "$C")
  nz=$(grep -c '^MODEL ANALYSIS in' "$T/many.files/2024-11-28/bob/digest.md")
  [ "$na" -ge 130 ] && [ "$nc" -eq "$na" ] && [ "$nz" -eq "$na" ] || fail "many: analyses alice $na, carl $nc, bob $nz"
  # en: a summary and an analysis a paper (carl's are alice's), zh: the same again
  n=$(count many); [ "$n" -eq $((2 * na + 2)) ] || fail "many: $n requests, want $((2 * na + 2)) for $na papers"
  echo "   paperboy run: $na papers in 3 digests, each asked about once a language ($n requests): ok"
fi
exit 0
