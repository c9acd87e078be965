#!/bin/sh
# Fetching when arXiv, the network or the operator gets in the way, against
# tests/lib/arxiv_server.py:
#  1. every request names the feed types in Accept (the stand-in, like arXiv's query endpoint,
#     answers 406 to "*/*" alone);
#  2. a host or proxy name that does not resolve fails at once, not after five retries, and
#     says what to do (network, proxy, --feed);
#  3. a rate limiter's plain-text answer is quoted ("Rate exceeded."), with HTTP 200 and 503;
#     run keeps the "arXiv error:" prefix of arXiv's own error;
#  4. SIGTERM ends `run` and `daemon --once` within seconds while they wait out a long
#     Retry-After, and while a transfer hangs;
#  5. a 403 (arXiv denies the client; its robots page takes requests that go on after one for
#     an attack) is said once and followed by no request to arXiv in the run: not the
#     metadata's next batch, the likes' lookups or the full text, nor the daemon's next
#     catch-up date or the latest announcement;
#  6. a 429 whose Retry-After (600 s) is longer than the client waits (120 s): the error says
#     what arXiv asked, and nothing is asked of arXiv before it ends: not by the same machine's
#     next run, not by another machine on the state (another date), not by the daemon's next
#     poll; a wait past the daemon's deadline ends its polling at once.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}" "${BUILD:=build}"
T=$(mktemp -d)
SRV= SLOW= DENY= RA= P=
cleanup() {
  for p in $P $SRV $SLOW $DENY $RA; do kill "$p" 2>/dev/null; done
  for p in $P $SRV $SLOW $DENY $RA; do wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }
now_ms() { /usr/bin/python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
# start_server NAME ARGS...: the stand-in, its port in $T/NAME.port.
start_server() {
  n=$1; shift
  /usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/$n.port" \
    --log "$T/$n.log" --fixtures "$PB_FIXTURES" "$@" 2>"$T/$n.err" &
  pid=$!
  i=0
  while [ ! -s "$T/$n.port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && { cat "$T/$n.err" >&2; die "$n: server did not start within 10 s"; }
    kill -0 "$pid" 2>/dev/null || { cat "$T/$n.err" >&2; die "$n: server exited"; }
    sleep 0.1
  done
}
start_server main \
  --fail '/rss/cs.NE|200|100||Rate exceeded.' \
  --fail '/rss/cs.DL|503|100||Rate exceeded.' \
  --fail '/rss/cs.RO|503|100|100'
SRV=$pid
PORT=$(cat "$T/main.port")
start_server slow --stall '/rss/|60'
SLOW=$pid

# conf FILE RSS_HOST_PORT CATEGORY [RETRIES]
conf() {
  cat >"$1" <<CONF
state_dir = "$T/state-$(basename "$1" .conf)";
timezone = "Asia/Shanghai";
schedule = ["08:30", "20:30"];
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
log_level = "info";
arxiv = {
  categories = ["$3"];
  rss_url = "http://$2/rss";
  api_url = "http://$2/api/query";
  request_interval_ms = $(case $2 in 127.0.0.1:*) echo 10 ;; *) echo 3000 ;; esac);
  max_retries = ${4:-5};
  fill_metadata = true;
};
file = { dir = "$T/out"; };
subscribers = ( { name = "alice"; topics = ( { name = "ML"; query = "cat:cs.LG"; } ); } );
CONF
}
# timed NAME CMD...: runs it, rc in $rc, milliseconds in $ms, output in $T/NAME.{out,err}.
timed() {
  n=$1; shift
  t0=$(now_ms)
  "$@" >"$T/$n.out" 2>"$T/$n.err"
  rc=$?
  ms=$(( $(now_ms) - t0 ))
}
has() { grep -qF -- "$2" "$T/$1.err" || { fail "$1: no '$2' in:"; sed 's/^/  | /' "$T/$1.err" | tail -n 6 >&2; }; }

# 1. Accept. The stand-in refuses "*/*" alone (the HTTP probe sends only that)...
"$BUILD/tests/tools/http_probe" "http://127.0.0.1:$PORT/rss/cs.LG" >/dev/null 2>"$T/probe.err"
grep -q 'status=406' "$T/probe.err" || fail "the stand-in served a feed to Accept: */*"
# ...and paperboy's requests, to the RSS and to the API, name the feed types.
conf "$T/ok.conf" "127.0.0.1:$PORT" cs.LG
timed accept "$PAPERBOY" -c "$T/ok.conf" fetch
[ "$rc" -eq 0 ] || { fail "accept: exit $rc"; tail -n 5 "$T/accept.err" >&2; }
/usr/bin/python3 - "$T/main.log" <<'PY' || fail "accept: a request without the feed types"
import json, sys
R = [json.loads(l) for l in open(sys.argv[1])]
paths = set(r['path'] for r in R if r['status'] == 200)
assert '/rss/cs.LG' in paths and '/api/query' in paths, paths
for r in R:
    if r['path'] == '/rss/cs.LG' and r['status'] == 406:
        continue   # the probe's request above
    a = r['headers'].get('accept', '')
    assert 'application/atom+xml' in a and 'application/rss+xml' in a, (r['path'], a)
PY

# 2. Names that do not resolve: reported at once (5 retries configured), with the hint.
conf "$T/dns.conf" "nonexistent.invalid" cs.LG 5
timed dns "$PAPERBOY" -c "$T/dns.conf" fetch
[ "$rc" -eq 75 ] || fail "dns: exit $rc, want 75"
[ "$ms" -lt 5000 ] || fail "dns: took $ms ms, want well under 5 s"
has dns "nonexistent.invalid"
has dns "does not resolve: check the network and the proxy settings"
has dns "use --feed FILE"
grep -q 'event=http.retry' "$T/dns.err" && fail "dns: a name that does not resolve was retried"
timed dnsrun "$PAPERBOY" -c "$T/dns.conf" run
[ "$rc" -eq 75 ] || fail "dns run: exit $rc, want 75"
[ "$ms" -lt 5000 ] || fail "dns run: took $ms ms"
has dnsrun "does not resolve"
timed proxy env -u no_proxy -u NO_PROXY http_proxy=http://proxy.nonexistent.invalid:3128 \
  "$PAPERBOY" -c "$T/ok.conf" fetch --category cs.AI
[ "$rc" -eq 75 ] || fail "proxy: exit $rc, want 75"
[ "$ms" -lt 5000 ] || fail "proxy: took $ms ms"
has proxy "the proxy name does not resolve"

# 3. What a rate limiter said, quoted; as 200 (parsed) and as 503 (after retries).
timed rate200 "$PAPERBOY" -c "$T/ok.conf" fetch --category cs.NE
[ "$rc" -eq 65 ] || fail "rate200: exit $rc, want 65"
has rate200 'not XML; the server said "Rate exceeded."'
grep -q 'Document is empty' "$T/rate200.err" && fail "rate200: libxml2's message, not the server's"
conf "$T/rate.conf" "127.0.0.1:$PORT" cs.DL 0
timed rate503 "$PAPERBOY" -c "$T/rate.conf" fetch
[ "$rc" -eq 75 ] || fail "rate503: exit $rc, want 75"
has rate503 'HTTP 503, the server said "Rate exceeded."'
timed arxerr "$PAPERBOY" -c "$T/ok.conf" run --feed "$PB_FIXTURES/rss2-error-bad-archive.xml"
[ "$rc" -eq 65 ] || fail "arxerr: exit $rc, want 65"
has arxerr "arXiv error: Bad archive 'astroph'"

# 4. SIGTERM. The RSS answers 503 with Retry-After: 100, which is waited for (the cap is
#    120 s); a signal must end the wait at once.
# sigterm NAME PATTERN CMD...: starts CMD, waits for PATTERN in its stderr (for "-": one
# second), sends SIGTERM, wants it gone within 3 s.
sigterm() {
  n=$1 pat=$2; shift 2
  : >"$T/$n.err"
  "$@" >"$T/$n.out" 2>"$T/$n.err" &
  P=$!
  i=0
  [ "$pat" = - ] && sleep 1
  until [ "$pat" = - ] || grep -q -- "$pat" "$T/$n.err"; do
    i=$((i + 1))
    [ $i -gt 200 ] && { fail "$n: no '$pat' within 20 s"; sed 's/^/  | /' "$T/$n.err" | tail -n 5 >&2; kill "$P"; wait "$P"; P=; return; }
    sleep 0.1
  done
  sleep 0.5
  t0=$(now_ms)
  kill -TERM "$P"
  i=0
  while kill -0 "$P" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { fail "$n: still running 5 s after SIGTERM"; kill -KILL "$P"; break; }
    sleep 0.05
  done
  wait "$P"
  rc=$?
  P=
  ms=$(( $(now_ms) - t0 ))
  [ "$ms" -lt 3000 ] || fail "$n: exited $ms ms after SIGTERM, want < 3 s"
  echo "   $n: exit $rc, $ms ms after SIGTERM"
}
conf "$T/wait.conf" "127.0.0.1:$PORT" cs.RO 3
# A run stopped before it has the announcement did nothing: 75, try again later; a stopped
# daemon exits 0.
sigterm runwait 'event=http.retry' "$PAPERBOY" -c "$T/wait.conf" run
[ "$rc" -eq 75 ] || fail "runwait: exit $rc, want 75"
grep -q 'stopped' "$T/runwait.err" || fail "runwait: no 'stopped' in the error"
grep -q 'wait_ms=100000' "$T/runwait.err" || fail "runwait: the Retry-After wait was not 100 s"
sigterm oncewait 'event=http.retry' env PAPERBOY_NOW=2026-09-24T12:00:00Z \
  "$PAPERBOY" -c "$T/wait.conf" daemon --foreground --once
[ "$rc" -eq 0 ] || fail "oncewait: exit $rc, want 0"
# A transfer in flight: the second stand-in holds every answer for 60 s.
conf "$T/slow.conf" "127.0.0.1:$(cat "$T/slow.port")" cs.LG 0
sigterm runslow - "$PAPERBOY" -c "$T/slow.conf" run
[ "$rc" -eq 75 ] || fail "runslow: exit $rc, want 75"
sigterm onceslow - env PAPERBOY_NOW=2026-09-24T12:00:00Z \
  "$PAPERBOY" -c "$T/slow.conf" daemon --foreground --once
[ "$rc" -eq 0 ] || fail "onceslow: exit $rc, want 0"

# 5. 403. The stand-in denies the RSS of cs.SY, the API and the full text; the RSS of cs.LG
#    is served, so a run gets its announcement and is refused after it.
start_server deny --fail '/rss/cs.SY|403|1000' --fail '/api/query|403|1000' \
  --fail '/html/|403|1000' --fail '/pdf/|403|1000'
DENY=$pid
DPORT=$(cat "$T/deny.port")
DENIED='arXiv denies this client access (403): check user_agent and request rate'
# nreq PATH-PREFIX: the requests the deny stand-in has logged for it.
nreq() { grep -c "\"path\": \"$1" "$T/deny.log"; }
conf "$T/deny.conf" "127.0.0.1:$DPORT" cs.SY
timed denyfetch "$PAPERBOY" -c "$T/deny.conf" fetch
[ "$rc" -eq 69 ] || fail "denyfetch: exit $rc, want 69"
has denyfetch "$DENIED"
[ "$(nreq /rss/)" -eq 1 ] || fail "denyfetch: $(nreq /rss/) requests, want 1"
# run: the RSS comes, the metadata's first batch is refused; the second batch, the lookup of
# alice's liked paper and the full text are not asked, and the digest still goes out.
: >"$T/deny.log"
conf "$T/denyrun.conf" "127.0.0.1:$DPORT" cs.LG
sed -i -e 's/fill_metadata = true;/fill_metadata = true; idlist_batch = 2;/' \
  -e 's|^file = |fulltext = { enabled = true; html_url = "http://127.0.0.1:'"$DPORT"'/html"; pdf_url = "http://127.0.0.1:'"$DPORT"'/pdf"; max_papers = 3; };\nfile = |' \
  -e 's/name = "alice"; topics/name = "alice"; like = ["2409.00001"]; topics/' "$T/denyrun.conf"
timed denyrun "$PAPERBOY" -c "$T/denyrun.conf" run
[ "$rc" -eq 0 ] || { fail "denyrun: exit $rc, want 0 (the announcement came)"; tail -n 5 "$T/denyrun.err" >&2; }
[ "$(nreq /rss/)" -eq 1 ] || fail "denyrun: $(nreq /rss/) RSS requests, want 1"
n=$(grep -c '"status": 403' "$T/deny.log")
[ "$n" -eq 1 ] || fail "denyrun: $n requests refused, want 1 and none after it ($(grep -o '"path": "[^"]*", "query": "[^"]\{0,20\}' "$T/deny.log" | tr '\n' ' '))"
[ "$(grep -c 'event=arxiv.denied' "$T/denyrun.err")" -eq 1 ] || fail "denyrun: not one arxiv.denied line"
has denyrun "$DENIED"
[ -n "$(find "$T/out" -type f 2>/dev/null | head -n 1)" ] || fail "denyrun: no digest in $T/out"
# The daemon: two dates to catch up (through the API) and the latest (the RSS of cs.SY); the
# first refusal ends the wake-up, which the next scheduled time repeats.
: >"$T/deny.log"
conf "$T/denyd.conf" "127.0.0.1:$DPORT" cs.SY
"$PAPERBOY" -c "$T/denyd.conf" run \
  --feed "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" \
  >/dev/null 2>"$T/denyseed.err" || { fail "denyd: the first run failed"; tail -n 3 "$T/denyseed.err" >&2; }
timed denyd env PAPERBOY_NOW=2026-09-29T12:00:00Z "$PAPERBOY" -c "$T/denyd.conf" daemon \
  --foreground --once
[ "$rc" -eq 69 ] || fail "denyd: exit $rc, want 69"
n=$(grep -c '"path"' "$T/deny.log")
[ "$n" -eq 1 ] || fail "denyd: $n requests, want the one refused ($(grep -o '"path": "[^"]*"' "$T/deny.log" | tr '\n' ' '))"
grep -q 'event=daemon.catchup date=2026-09-28' "$T/denyd.err" &&
  fail "denyd: caught up 2026-09-28 after arXiv refused 2026-09-25"
has denyd 'event=daemon.arxiv_denied'
echo "   403: said once, nothing asked after it (fetch, run, daemon catch-up)"

# 6. Retry-After beyond the client's cap. The stand-in answers the RSS of cs.CV with 429 and
#    Retry-After: 600, and serves the API.
start_server ra --fail '/rss/cs.CV|429|1000|600'
RA=$pid
RPORT=$(cat "$T/ra.port")
rareq() { grep -c "\"path\": \"$1" "$T/ra.log"; }
ASKED='arXiv asked to retry after'
conf "$T/ra.conf" "127.0.0.1:$RPORT" cs.CV
timed rafetch "$PAPERBOY" -c "$T/ra.conf" fetch
[ "$rc" -eq 75 ] || fail "rafetch: exit $rc, want 75"
has rafetch "$ASKED 600 s"
echo 'state = { machine = "alpha"; };' >>"$T/ra.conf"
timed rarun "$PAPERBOY" -c "$T/ra.conf" run
[ "$rc" -eq 75 ] || fail "rarun: exit $rc, want 75"
has rarun "$ASKED 600 s"
[ "$(rareq /rss/)" -eq 2 ] || fail "rarun: $(rareq /rss/) requests, want 2 (fetch, run)"
# The same machine's next run, and another machine on the same state for another date (the
# API, which the stand-in serves): not asked.
timed rarun2 "$PAPERBOY" -c "$T/ra.conf" run
[ "$rc" -eq 75 ] || fail "rarun2: exit $rc, want 75"
has rarun2 "not asked: $ASKED"
sed -e "s|state-ra\";|state-rab\";|" -e 's/machine = "alpha"/machine = "beta"/' "$T/ra.conf" >"$T/rab.conf"
mkdir -p "$T/state-rab"
ln -s "$T/state-ra/paperboy.db" "$T/state-rab/paperboy.db"
timed rabeta "$PAPERBOY" -c "$T/rab.conf" run --date 2026-09-23
[ "$rc" -eq 75 ] || fail "rabeta: exit $rc, want 75"
has rabeta "not asked: $ASKED"
[ "$(rareq /)" -eq 2 ] || fail "rabeta: $(rareq /) requests in all, want 2 ($(grep -o '"path": "[^"]*"' "$T/ra.log" | tr '\n' ' '))"
# The daemon (a state of its own): its next poll comes when the wait ends, not after its
# backoff (60 s here).
conf "$T/rad.conf" "127.0.0.1:$RPORT" cs.CV
: >"$T/ra.log"
: >"$T/rad.err"
env PAPERBOY_NOW=2026-09-24T12:00:00Z "$PAPERBOY" -c "$T/rad.conf" daemon --foreground \
  --once >"$T/rad.out" 2>"$T/rad.err" &
P=$!
i=0
until grep -q 'event=daemon.poll_again' "$T/rad.err"; do
  i=$((i + 1))
  [ $i -gt 100 ] && { fail "rad: no poll_again within 10 s"; break; }
  sleep 0.1
done
has rad "arXiv asked to wait 600 s; next request at 2026-09-24T12:10:0"
has rad 'event=daemon.retry_after expected=2026-09-24 wait_s=600 '
grep -q 'event=daemon.poll_again expected=2026-09-24 reason=unavailable in_s=\(599\|600\)' \
  "$T/rad.err" || fail "rad: the next poll is not in 600 s: $(grep -o 'event=daemon.poll_again.*' "$T/rad.err")"
[ "$(rareq /)" -eq 1 ] || fail "rad: $(rareq /) requests, want 1"
kill -TERM "$P"; wait "$P"; P=
# A wait past the deadline (stale_deadline_min = 5): the polling ends at once, nothing asked.
sed 's/fill_metadata = true;/fill_metadata = true; stale_deadline_min = 5;/' "$T/rad.conf" >"$T/rae.conf"
sed -i "s|state-rad\";|state-rae\";|" "$T/rae.conf"
: >"$T/ra.log"
timed rae env PAPERBOY_NOW=2026-09-24T12:00:00Z "$PAPERBOY" -c "$T/rae.conf" daemon \
  --foreground --once
[ "$rc" -eq 75 ] || fail "rae: exit $rc, want 75"
[ "$ms" -lt 10000 ] || fail "rae: took $ms ms, want the polling given up at once"
has rae 'event=daemon.gave_up'
# logged under its own event: the wait is not waited, unlike daemon.retry_after's
has rae 'event=daemon.retry_after_past_deadline expected=2026-09-24 wait_s=600 '
! grep -q 'event=daemon.retry_after ' "$T/rae.err" || fail "rae: logged as a wait waited"
[ "$(rareq /)" -eq 1 ] || fail "rae: $(rareq /) requests, want 1"
echo "   Retry-After 600 s: said, and honoured by the next run, another machine and the daemon"

[ "$fails" -eq 0 ] || { echo "14-fetch-faults: $fails failure(s)" >&2; exit 1; }
echo "14-fetch-faults: all checks passed"
