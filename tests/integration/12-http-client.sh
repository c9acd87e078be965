#!/bin/sh
# The HTTP client itself, through tests/tools/http_probe against tests/lib/arxiv_server.py:
# POST bodies and headers (the model API's path), retries of POST and their opt-out, the
# exponential backoff, Retry-After as an HTTP date, bounded redirects, no retry on 404, gzip,
# the conditional GET by Last-Modified alone, and TLS: verified against a throw-away CA made
# here with openssl, refused (and not retried) without it. The spacing between requests is not this
# test's subject (11-fetch-http checks it with arXiv's 3 s), so the probe runs without it.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}" "${BUILD:?}"
PROBE=$BUILD/tests/tools/http_probe
[ -x "$PROBE" ] || { echo "FAIL: $PROBE not built" >&2; exit 1; }
T=$(mktemp -d)
SRV=
TLS=
cleanup() {
  for p in $SRV $TLS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }

/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/port" --log "$T/requests.log" \
  --fixtures "$PB_FIXTURES" \
  --fail '/echo-busy|503|1' --fail '/echo-once|503|5' --fail '/backoff|503|2' \
  --fail '/dated|429|1|date+2' \
  2>"$T/server.err" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/server.err" >&2; die "server did not start within 10 s"; }
  kill -0 "$SRV" 2>/dev/null || { cat "$T/server.err" >&2; die "server exited"; }
  sleep 0.1
done
U="http://127.0.0.1:$(cat "$T/port")"
# probe NAME ARGS...: body to NAME.out, the answer line (and the client's log) to NAME.err.
probe() {
  n=$1; shift
  "$PROBE" "$@" >"$T/$n.out" 2>"$T/$n.err"
  rc=$?
}
has() { grep -q "$2" "$T/$1.err" || fail "$1: no '$2' in: $(grep '^rc=' "$T/$1.err")"; }
check() {
  what=$1 expr=$2
  /usr/bin/python3 - "$T/requests.log" "$expr" <<'PY' || fail "$what"
import json, sys
R = [json.loads(l) for l in open(sys.argv[1])]
gaps = [b['t'] - a['t'] for a, b in zip(R, R[1:])]
if not eval(sys.argv[2]):
    print('  false: %s' % sys.argv[2], file=sys.stderr)
    for r in R:
        print('  | %.3f %s %s %s' % (r['t'], r['status'], r['method'], r['path']), file=sys.stderr)
    sys.exit(1)
PY
}
mark() { n0=$(wc -l <"$T/requests.log" | tr -d ' '); }

# POST: body, JSON content type by default, extra headers; answered once.
mark
probe post --post '{"model":"m","messages":[]}' --header 'Authorization: Bearer sk-test-1234' "$U/echo"
[ $rc -eq 0 ] || fail "post: exit $rc"
has post 'rc=0 status=200 attempts=1'
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["body"] == "{\"model\":\"m\",\"messages\":[]}", d
assert d["content_type"] == "application/json", d
assert d["headers"]["authorization"] == "Bearer sk-test-1234", d
assert "expect" not in d["headers"], d
' "$T/post.out" || fail "post: the server saw another request"
grep -q 'event=http.post ' "$T/post.err" || fail "post: no http.post log line"

# POST answered 503 once is retried by default...
probe postretry --post 'x' --type text/plain "$U/echo-busy"
has postretry 'status=404 attempts=2'
# ...and not at all when the caller says max_retries = 0 (a non-idempotent request).
mark
probe postonce --post 'x' --post-retries 0 "$U/echo-once"
has postonce 'rc=-1 status=503 attempts=1'
check "postonce: one request" "len(R) - $n0 == 1"

# GET 503 twice, then 200: backoff 400 ms doubled, jittered in [d/2, d].
mark
probe backoff --backoff 400 "$U/backoff"
has backoff 'status=404 attempts=3'
check "backoff: waits grow (>= 0.2 s, then >= 0.4 s)" "gaps[$n0] >= 0.2 and gaps[$n0 + 1] >= 0.4"
grep -q 'event=http.retry .*status=503' "$T/backoff.err" || fail "backoff: retries not logged"

# Retry-After as an HTTP date 2 s ahead (1 s resolution): the retry waits at least ~1 s.
mark
probe dated --backoff 10 "$U/dated"
has dated 'attempts=2'
check "dated: Retry-After date honoured" "gaps[$n0] >= 1.0"

# 404 is final: no retry.
probe missing "$U/nothing-here"
has missing 'rc=-1 status=404 attempts=1'

# Redirects: followed up to the bound, beyond it an error that is not retried.
probe redir3 --redirects 5 "$U/redirect/3"
has redir3 'rc=0 status=200 attempts=1'
grep -qx arrived "$T/redir3.out" || fail "redir3: body"
probe redir9 --redirects 5 "$U/redirect/9"
has redir9 'rc=-1 .*attempts=1 .*err=.*[Rr]edirect'

# gzip on the wire, the fixture's bytes in the body.
probe gz "$U/fixture/rss2-all-archives-2024-11-28-1504items.xml"
has gz 'rc=0 status=200'
cmp -s "$T/gz.out" "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" || fail "gz: body differs from the fixture"
check "gz: the client asked for gzip" "'gzip' in R[-1]['headers'].get('accept-encoding', '')"

# Conditional GET by Last-Modified alone, two requests with one client.
mark
probe lm --cache "$T/cache" "$U/lm" "$U/lm"
[ "$(grep -c '^rc=0 status=200' "$T/lm.err")" -eq 2 ] || fail "lm: both answers should be 200"
grep -q 'from_cache=1' "$T/lm.err" || fail "lm: the second answer did not come from the cache"
[ "$(grep -c 'dated by Last-Modified only' "$T/lm.out")" -eq 2 ] || fail "lm: cached body differs"
check "lm: If-Modified-Since sent, 304 answered" "[(r['status'], r['headers'].get('if-modified-since')) for r in R[$n0:]] == [(200, None), (304, 'Thu, 24 Sep 2026 04:00:00 GMT')]"
ls "$T/cache/"*.cache >/dev/null 2>&1 || fail "lm: no cache file"
ls "$T/cache/"*.tmp.* >/dev/null 2>&1 && fail "lm: a temporary file was left behind"

# TLS: a CA and a certificate for 127.0.0.1, made for this run.
if command -v openssl >/dev/null 2>&1; then
  (
    cd "$T" &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 \
      -subj "/CN=paperboy test CA" &&
    openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" &&
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >srv.ext &&
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
      -days 1 -extfile srv.ext
  ) >"$T/openssl.log" 2>&1 || { cat "$T/openssl.log" >&2; die "openssl could not make the test CA"; }
  /usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/tls.port" --log "$T/tls.log" \
    --fixtures "$PB_FIXTURES" --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" 2>"$T/tls.err" &
  TLS=$!
  i=0
  while [ ! -s "$T/tls.port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && { cat "$T/tls.err" >&2; die "TLS server did not start within 10 s"; }
    sleep 0.1
  done
  S="https://127.0.0.1:$(cat "$T/tls.port")"
  probe tlsok --ca "$T/ca.pem" "$S/lm"
  has tlsok 'rc=0 status=200 attempts=1'
  grep -q 'dated by Last-Modified only' "$T/tlsok.out" || fail "tlsok: body"
  probe tlsbad --retries 3 "$S/lm"
  has tlsbad 'rc=-1 status=0 attempts=1 .*err=.*[Cc]ertificate'
  [ -s "$T/tlsbad.out" ] && fail "tlsbad: a body was accepted from an unverified peer"
else
  echo "   (openssl missing: TLS checks skipped)"
fi

[ "$fails" -eq 0 ] || { echo "12-http-client: $fails failure(s)" >&2; exit 1; }
echo "12-http-client: all checks passed"
