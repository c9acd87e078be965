#!/bin/sh
# The web endpoint for real: `paperboy serve` on 127.0.0.1 (a free port) and curl as the
# mailbox provider and the reader.
#  1. serve without web set exits 78 and says so; the key file is created 0600 at the start.
#  2. GET of an unsubscribe link (minted by tests/tools/web_token with the server's key, as
#     pb_link_make writes it into the mails): a page with a button; nothing changes.
#  3. `curl -X POST -d List-Unsubscribe=One-Click URL` (RFC 8058, as the providers send it):
#     200, and serve killed with SIGKILL right after the answer: the state has the unsubscribe.
#  4. `paperboy run` against the local SMTP peer sends that address nothing while the other
#     subscriber still gets its digest.
#  5. Forged, expired, cross-purpose and malformed links get 403/410/400 plain pages that never
#     echo the token; a 100 KB body 413; an unknown path 404; PUT 405; HEAD as GET; every answer
#     has a Content-Length and none redirects; the feedback link's page, its POST without the
#     csrf refused, with it recorded, and taken back by the page's button; a subscriber added by `paperboy subscriber add` while
#     serve runs is known at the next request, and so is one added to the configuration file
#     (one of its two addresses unsubscribed, the subscriber stays active); links made for an
#     earlier subscriber of a name given again refused (410); the per-client rate limit answers 429 with
#     Retry-After.
#  6. No token ever reaches the log.
#  7. `paperboy daemon` runs the endpoint when web is set and stops it on SIGTERM.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${BUILD:?}"
PY=/usr/bin/python3
LIB="$(cd "$(dirname "$0")/../lib" && pwd)"
TOKEN="$BUILD/tests/tools/web_token"
T=$(mktemp -d /tmp/pb-web.XXXXXX)
SRV=""
SMTP=""
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  [ -n "$SMTP" ] && kill "$SMTP" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "64-web: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "64-web: FAIL: $*" >&2; exit 1; }
[ -x "$TOKEN" ] || die "missing $TOKEN"
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"

free_port() {
  /usr/bin/python3 "$PB_TESTS/lib/free_port.py"
}
wait_listen() {
  i=0
  until $PY -c "import socket; socket.create_connection(('127.0.0.1',$1),1).close()" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && die "nothing listens on $1: $(cat "$T/serve.log" 2>/dev/null)"
    sleep 0.1
  done
}
sql() { $PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join(str(x) for x in r) for r in c.execute(sys.argv[2])))' "$T/state/paperboy.db" "$1"; }
# code METHOD URL [curl args]: the status; headers in $T/h, body in $T/b
code() {
  m=$1 u=$2
  shift 2
  curl -s -m 10 -X "$m" -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$u"
}
# every answer: a Content-Length, no Location
framed() {
  grep -qi '^Content-Length: ' "$T/h" || fail "$1: no Content-Length: $(cat "$T/h")"
  grep -qi '^Location:' "$T/h" && fail "$1: a redirect: $(cat "$T/h")"
}

PORT=$(free_port)
$PY "$LIB/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" --timeout 300 &
SMTP=$!
i=0
while [ ! -s "$T/smtp.port" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && die "the SMTP peer did not start"; sleep 0.1
done
SMTP_PORT=$(cat "$T/smtp.port")

conf() {   # conf FILE WEB-GROUP
  cat >"$1" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; rss_url = "http://127.0.0.1:9/rss";
          api_url = "http://127.0.0.1:9/api/query"; max_retries = 0; timeout = 5; };
email = { smtp_url = "smtp://127.0.0.1:$SMTP_PORT"; from = "bot@example.org"; tls = "none"; };
file = { enabled = false; };
$2
subscribers = (
  { name = "gone"; email = ["gone@example.org"]; max_papers = 2;
    topics = ( { name = "vision"; query = "cat:cs.CV"; } ); },
  { name = "stay"; email = ["stay@example.org"]; max_papers = 2;
    topics = ( { name = "vision"; query = "cat:cs.CV"; } ); } );
EOF
}
conf "$T/off.conf" ""
conf "$T/pb.conf" "web = { listen = \"127.0.0.1:$PORT\"; base_url = \"http://127.0.0.1:$PORT\"; rate_limit = 60; };"

# 1. web off: 78 with the reason
"$PAPERBOY" -c "$T/off.conf" serve >/dev/null 2>"$T/off.err"; rc=$?
[ $rc = 78 ] && grep -q "web endpoint is off" "$T/off.err" ||
  fail "serve without web: exit $rc, $(cat "$T/off.err")"

start() {
  "$PAPERBOY" -c "$T/pb.conf" serve >>"$T/serve.log" 2>&1 &
  SRV=$!
  wait_listen "$PORT"
}
start
[ "$(stat -c %a "$T/state/web.secret")" = 600 ] || fail "web.secret is not 0600"
KEY="$T/state/web.secret"
BASE="http://127.0.0.1:$PORT"
URL=$("$TOKEN" "$KEY" "$BASE" unsub gone gone@example.org) || die "web_token failed"
TOK=${URL##*/}

# 2. GET: a page with a button, nothing changes
c=$(code GET "$URL")
[ "$c" = 200 ] || fail "GET of the unsubscribe link: $c"
framed "GET /u/"
grep -q 'name="List-Unsubscribe" value="One-Click"' "$T/b" && grep -q '<form method="post">' "$T/b" ||
  fail "the unsubscribe page has no button: $(cat "$T/b")"
grep -q 'gone@example.org' "$T/b" || fail "the page does not name the address"
grep -qi '^Content-Security-Policy: ' "$T/h" && grep -qi '^X-Frame-Options: DENY' "$T/h" ||
  fail "the page lacks its security headers: $(cat "$T/h")"
[ "$(sql 'SELECT count(*) FROM suppressions')" = 0 ] || fail "a GET changed the state"
c=$(code HEAD "$URL" -I)
[ "$c" = 200 ] || fail "HEAD of the unsubscribe link: $c"

# 3. the provider's POST, then SIGKILL right after the answer
c=$(code POST "$URL" -d List-Unsubscribe=One-Click)
kill -9 "$SRV"
wait "$SRV" 2>/dev/null
SRV=""
[ "$c" = 200 ] || fail "one-click POST: $c $(cat "$T/b")"
framed "POST /u/"
[ "$(sql "SELECT subscriber, channel, dest FROM suppressions")" = "gone|email|gone@example.org" ] ||
  fail "the unsubscribe is not in the state after SIGKILL: $(sql 'SELECT * FROM suppressions')"
[ "$(sql "SELECT state FROM subscribers WHERE name = 'gone'")" = unsubscribed ] ||
  fail "gone is not unsubscribed: $(sql 'SELECT name, state FROM subscribers')"
start
c=$(code POST "$URL" -d List-Unsubscribe=One-Click)
[ "$c" = 200 ] && grep -q "already unsubscribed" "$T/b" || fail "a second POST: $c $(cat "$T/b")"
# as multipart/form-data, which RFC 8058 allows too
URL2=$("$TOKEN" "$KEY" "$BASE" unsub stay other@example.org)
c=$(code POST "$URL2" -F List-Unsubscribe=One-Click)
[ "$c" = 200 ] || fail "one-click POST as multipart: $c $(cat "$T/b")"
[ "$(sql "SELECT count(*) FROM suppressions WHERE dest = 'other@example.org'")" = 1 ] ||
  fail "the multipart POST was not recorded"
[ "$(sql "SELECT count(*) FROM subscribers WHERE name = 'stay'")" = 0 ] ||
  fail "stay, who keeps stay@example.org, changed state"

# 4. a run sends gone@ nothing, stay@ its digest
"$PAPERBOY" -c "$T/pb.conf" run --feed "$FEED" >/dev/null 2>"$T/run.err" ||
  fail "run: $(tail -n 3 "$T/run.err")"
grep -q '"stay@example.org"' "$T/mail/index.jsonl" 2>/dev/null ||
  fail "stay got no digest: $(cat "$T/mail/index.jsonl" 2>/dev/null)"
grep -q 'gone@example.org' "$T/mail/index.jsonl" 2>/dev/null &&
  fail "the unsubscribed address got a digest"

# 5. refused links: the right status, a plain page, never the token
# the MAC's first character changed: still base64url in its one spelling, so the token reads
# and its MAC is wrong (a changed last character may only touch unused bits: malformed, 400)
FORGED=$(echo "$TOK" | sed 's/\.A/.B/; t; s/\../.A/')
c=$(code POST "$BASE/u/$FORGED" -d List-Unsubscribe=One-Click)
[ "$c" = 403 ] || fail "forged: $c"
grep -q "$FORGED" "$T/b" && fail "the forged token is echoed"
EXP=$("$TOKEN" "$KEY" "$BASE" unsub@ stay stay@example.org 1000000000)
c=$(code POST "$BASE/u/$EXP" -d List-Unsubscribe=One-Click)
[ "$c" = 410 ] && grep -q "This link has expired" "$T/b" || fail "expired: $c $(cat "$T/b")"
FB=$("$TOKEN" "$KEY" "$BASE" feedback stay "2411.00001v1 +")
c=$(code POST "$BASE/u/${FB##*/}" -d List-Unsubscribe=One-Click)
[ "$c" = 403 ] || fail "cross-purpose: $c"
c=$(code GET "$BASE/u/%3Cscript%3E")
[ "$c" = 400 ] && ! grep -q "script" "$T/b" || fail "malformed: $c $(cat "$T/b")"
[ "$(sql "SELECT count(*) FROM suppressions WHERE dest LIKE 'stay%'")" = 0 ] ||
  fail "a refused link changed the state"
head -c 102400 /dev/zero | tr '\0' a >"$T/big"
c=$(code POST "$URL" --data-binary @"$T/big")
[ "$c" = 413 ] || fail "a 100 KB body: $c"
# in chunks, without a length: cut off (no answer, or 413), and the server goes on
c=$(code POST "$URL" -H 'Transfer-Encoding: chunked' --data-binary @"$T/big")
[ "$c" = 000 ] || [ "$c" = 413 ] || fail "a chunked 100 KB body: $c"
c=$(code GET "$BASE/no/such/page")
[ "$c" = 404 ] || fail "unknown path: $c"
framed "404"
c=$(code PUT "$URL" -d x=1)
[ "$c" = 405 ] || fail "PUT: $c"
# feedback: the page asks, its button records
c=$(code GET "$FB")
[ "$c" = 200 ] && grep -q "2411.00001" "$T/b" || fail "feedback page: $c"
CSRF=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/b")
[ "$(sql 'SELECT count(*) FROM feedback')" = 0 ] || fail "a GET recorded feedback"
c=$(code POST "$FB" -d x=1)
[ "$c" = 403 ] || fail "feedback POST without csrf: $c"
c=$(code POST "$FB" -d "csrf=$CSRF")
[ "$c" = 200 ] || fail "feedback POST: $c $(cat "$T/b")"
[ "$(sql 'SELECT subscriber, paper_id, verdict, source FROM feedback')" = "stay|2411.00001|1|web" ] ||
  fail "feedback not recorded: $(sql 'SELECT * FROM feedback')"
# the page of a recorded verdict offers to take it back (opening it takes nothing); its
# button does, logged as verdict=0
c=$(code GET "$FB")
[ "$c" = 200 ] && grep -q 'value="undo"' "$T/b" && grep -q 'Take it back' "$T/b" ||
  fail "the page of a recorded verdict: $c $(cat "$T/b")"
[ "$(sql 'SELECT count(*) FROM feedback')" = 1 ] || fail "a GET took the verdict back"
c=$(code POST "$FB" -d "csrf=$CSRF" -d action=undo)
[ "$c" = 200 ] && grep -q 'is taken back' "$T/b" && grep -q 'Not for me' "$T/b" ||
  fail "taking the verdict back: $c $(cat "$T/b")"
[ "$(sql 'SELECT count(*) FROM feedback')" = 0 ] ||
  fail "the verdict taken back is still there: $(sql 'SELECT * FROM feedback')"
grep -q 'event=web.feedback subscriber=stay paper=2411.00001 verdict=0' "$T/serve.log" ||
  fail "no log line of the verdict taken back: $(grep web.feedback "$T/serve.log")"
# a subscriber added beside the running server is known to it at the next request
"$PAPERBOY" -c "$T/pb.conf" subscriber add newbie --email newbie@example.org \
  --topic 'v=cat:cs.CV' >/dev/null 2>"$T/add.err" || fail "subscriber add: $(cat "$T/add.err")"
NEW=$("$TOKEN" "$KEY" "$BASE" unsub newbie newbie@example.org)
c=$(code POST "$NEW" -d List-Unsubscribe=One-Click)
[ "$c" = 200 ] || fail "a subscriber added while serve runs: $c $(cat "$T/b")"
[ "$(sql "SELECT state, source FROM subscribers WHERE name = 'newbie'")" = "unsubscribed|cli" ] ||
  fail "newbie: $(sql "SELECT * FROM subscribers WHERE name = 'newbie'")"
grep -q 'event=web.reload subscribers=3' "$T/serve.log" || fail "no reload in the log"
# a subscriber added to the configuration file while serve runs (as before a daemon's SIGHUP):
# known at the next request; one of its two addresses unsubscribed, the other keeps it active
$PY - "$T/pb.conf" <<'EOF2'
import sys
p = sys.argv[1]
s = open(p).read()
i = s.rindex("} );")
s = s[:i] + ('},\n  { name = "later"; email = ["later@example.org", "later2@example.org"];'
             ' max_papers = 2;\n    topics = ( { name = "vision"; query = "cat:cs.CV"; } ); } );\n')
open(p, "w").write(s)
EOF2
LATER=$("$TOKEN" "$KEY" "$BASE" unsub later later@example.org)
c=$(code POST "$LATER" -d List-Unsubscribe=One-Click)
[ "$c" = 200 ] || fail "a subscriber added to the file while serve runs: $c $(cat "$T/b")"
[ "$(sql "SELECT count(*) FROM suppressions WHERE subscriber = 'later' AND dest = 'later@example.org'")" = 1 ] ||
  fail "later's unsubscribe is not in the state: $(sql 'SELECT * FROM suppressions')"
[ "$(sql "SELECT count(*) FROM subscribers WHERE name = 'later'")" = 0 ] ||
  fail "later, who keeps later2@example.org, changed state: $(sql "SELECT * FROM subscribers")"
grep -q 'event=web.reload subscribers=4 why=file' "$T/serve.log" || fail "no reload of the file in the log"
# a name given again: the links made for the earlier subscriber of that name (two days before
# it was removed, and in the minute before) open nothing of the new one's, nor does one to an
# address the new one has; the new one's own links, made after, do
RECENT=$("$TOKEN" "$KEY" "$BASE" manage newbie newbie@example.org $(( $(date +%s) - 60 )))
OLDF=$("$TOKEN" "$KEY" "$BASE" feedback newbie "2401.00001 +" $(( $(date +%s) - 60 )))
OLD=$("$TOKEN" "$KEY" "$BASE" manage newbie newbie@example.org $(( $(date +%s) - 2 * 86400 )))
OLDU=$("$TOKEN" "$KEY" "$BASE" unsub newbie newbie@example.org $(( $(date +%s) - 2 * 86400 )))
"$PAPERBOY" -c "$T/pb.conf" subscriber remove newbie >/dev/null 2>"$T/rm.err" ||
  fail "subscriber remove: $(cat "$T/rm.err")"
"$PAPERBOY" -c "$T/pb.conf" subscriber add newbie --email newbie@other.example.org \
  --topic 'secret=ti:quantum' >/dev/null 2>"$T/add.err" || fail "subscriber add again: $(cat "$T/add.err")"
c=$(code GET "$OLD")
[ "$c" = 410 ] && grep -q "earlier subscription" "$T/b" && ! grep -q quantum "$T/b" ||
  fail "an earlier subscriber's manage link: $c $(cat "$T/b")"
c=$(code POST "$OLDU" -d List-Unsubscribe=One-Click)
[ "$c" = 410 ] || fail "an earlier subscriber's unsubscribe link: $c $(cat "$T/b")"
c=$(code GET "$RECENT")
[ "$c" = 410 ] && grep -q "earlier subscription" "$T/b" && ! grep -q quantum "$T/b" ||
  fail "an earlier subscriber's manage link of a minute before its removal: $c $(cat "$T/b")"
c=$(code POST "$OLDF")
[ "$c" = 410 ] || fail "an earlier subscriber's feedback link: $c $(cat "$T/b")"
SAME=$("$TOKEN" "$KEY" "$BASE" manage newbie newbie@other.example.org $(( $(date +%s) - 60 )))
c=$(code GET "$SAME")
[ "$c" = 410 ] && ! grep -q quantum "$T/b" ||
  fail "a link made before the removal, to the new subscriber's address: $c"
[ "$(sql "SELECT state FROM subscribers WHERE name = 'newbie'")" = active ] ||
  fail "the new newbie changed: $(sql "SELECT * FROM subscribers WHERE name = 'newbie'")"
[ "$(sql "SELECT count(*) FROM feedback WHERE subscriber = 'newbie'")" = 0 ] ||
  fail "a verdict recorded for the new newbie: $(sql "SELECT * FROM feedback")"
grep -q 'event=web.token_refused purpose=manage reason=removed subscriber=newbie' "$T/serve.log" ||
  fail "no log line of a link refused after a removal"
# a link made in the second of the removal is the new subscriber's (a script's remove, add
# and run may share a second; the former's were made by its own runs, before)
REMOVED=$(sql "SELECT removed FROM sub_generations WHERE name = 'newbie'")
[ -n "$REMOVED" ] && [ "$REMOVED" -gt 0 ] || fail "no removal recorded: $REMOVED"
NEWM=$("$TOKEN" "$KEY" "$BASE" manage newbie newbie@other.example.org "$REMOVED")
c=$(code GET "$NEWM")
[ "$c" = 200 ] && grep -q quantum "$T/b" || fail "the new subscriber's own manage link: $c"
# a subscriber of the file, no removal: its links of before its start still work
EARLY=$("$TOKEN" "$KEY" "$BASE" manage later later2@example.org $(( $(date +%s) - 2 * 86400 )))
c=$(code GET "$EARLY")
[ "$c" = 200 ] || fail "a file subscriber's earlier link: $c"
# the rate limit: 60 a minute from one client
got=""
for i in $(seq 1 70); do
  c=$(code GET "$BASE/no/such/page")
  if [ "$c" = 429 ]; then got=$i; break; fi
done
[ -n "$got" ] || fail "no 429 after 70 requests in a minute"
grep -qi '^Retry-After: [0-9]' "$T/h" || fail "429 without Retry-After: $(cat "$T/h")"
# a one-click unsubscribe from that client is answered all the same (RFC 8058: the providers
# post from few addresses, and do not always try again)
c=$(code POST "$URL" -d List-Unsubscribe=One-Click)
[ "$c" = 200 ] || fail "a one-click POST past the rate limit: $c"

# 6. the log has each request, never a token
kill "$SRV"
wait "$SRV" 2>/dev/null; rc=$?
SRV=""
[ $rc = 0 ] || fail "serve stopped by SIGTERM exits $rc"
grep -q 'event=web.request method=POST path=/u/… status=200' "$T/serve.log" ||
  fail "no web.request line for the POST: $(tail -n 5 "$T/serve.log")"
for t in "$TOK" "$FORGED" "$EXP" "${FB##*/}" "$CSRF"; do
  grep -qF "$t" "$T/serve.log" && fail "a token is in the log"
  grep -qF "${t%%.*}" "$T/serve.log" && fail "a token's payload is in the log"
done

# 7. the daemon runs the endpoint too when web is set, and stops it with itself
"$PAPERBOY" -c "$T/pb.conf" daemon --foreground >"$T/daemon.log" 2>&1 &
SRV=$!
wait_listen "$PORT"
c=$(code GET "$URL")
[ "$c" = 200 ] || fail "the daemon's endpoint: GET $c"
grep -q 'event=web.start' "$T/daemon.log" || fail "the daemon did not log web.start"
kill "$SRV"
i=0
while kill -0 "$SRV" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 300 ] && { kill -9 "$SRV"; fail "the daemon did not stop on SIGTERM"; break; }
  sleep 0.1
done
wait "$SRV" 2>/dev/null; rc=$?
SRV=""
[ $rc = 0 ] || fail "the daemon with web exits $rc on SIGTERM: $(tail -n 3 "$T/daemon.log")"
$PY -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1).close()" 2>/dev/null &&
  fail "the endpoint still listens after the daemon stopped"

# 8. one client holding connections open (a byte now and then renews each one's timeout) takes
# 32 of them, no more: the 33rd is closed at once and a request from elsewhere still answers;
# when some close, it is let in again. A trusted proxy's connections (loopback by default) are
# every reader's and are not counted.
held() {   # held PORT N WANT: opens N connections that send half a request, prints how many
  # are still open once the server had a moment (WANT of them, up to 5 s under a loaded
  # machine), then whether one more is answered, then whether one is after 5 closed (up to 5 s)
  $PY - "$1" "$2" "$3" <<'PYEOF'
import socket, sys, time
port, n, want = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port), 2)
    s.sendall(b"GET /no/such/page HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
closed = set()
def count():
    for i, s in enumerate(socks):
        if i in closed:
            continue
        s.settimeout(0.02)
        try:
            if s.recv(1) == b"":
                closed.add(i)
        except socket.timeout:
            pass
        except OSError:
            closed.add(i)
    return n - len(closed)
time.sleep(0.5)
open_ = count()
t = time.monotonic()
while open_ > want and time.monotonic() - t < 5:
    time.sleep(0.1)
    open_ = count()
def one():
    try:
        c = socket.create_connection(("127.0.0.1", port), 2)
        c.settimeout(3)
        c.sendall(b"GET /no/such/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return c.recv(12).decode(errors="replace")[9:12] or "closed"
    except OSError as e:
        return "refused"
more = one()
for s in socks[:5]:
    s.close()
t = time.monotonic()
time.sleep(0.2)
after = one()
while after != "404" and time.monotonic() - t < 5:
    time.sleep(0.2)
    after = one()
print(open_, more, after)
PYEOF
}
P2=$(free_port)
sed -e "s|$T/state|$T/state2|" -e "s|127.0.0.1:$PORT|127.0.0.1:$P2|g" \
  -e 's|rate_limit = 60;|rate_limit = 10000; trusted_proxies = ["10.9.0.0/16"];|' "$T/pb.conf" >"$T/far.conf"
"$PAPERBOY" -c "$T/far.conf" serve >"$T/far.log" 2>&1 &
SRV=$!
wait_listen "$P2"
set -- $(held "$P2" 33 32)
# the 33rd is closed at accept: the client reads the end, or a reset as it writes
[ "$1" = 32 ] && { [ "$2" = closed ] || [ "$2" = refused ]; } && [ "$3" = 404 ] ||
  fail "33 held connections from one client: $1 open, one more $2, after 5 closed $3 (want 32, closed or refused, 404)"
grep -q 'event=web.client_limit client=127.0.0.1 connections=32' "$T/far.log" ||
  fail "no web.client_limit line: $(tail -n 3 "$T/far.log")"
kill "$SRV"; wait "$SRV" 2>/dev/null; SRV=""
sed -e 's|trusted_proxies = \["10.9.0.0/16"\];||' "$T/far.conf" >"$T/near.conf"
"$PAPERBOY" -c "$T/near.conf" serve >"$T/near.log" 2>&1 &
SRV=$!
wait_listen "$P2"
set -- $(held "$P2" 40 40)
[ "$1" = 40 ] && [ "$2" = 404 ] || fail "40 connections from a trusted proxy: $1 open, one more $2"
kill "$SRV"; wait "$SRV" 2>/dev/null; SRV=""

[ $fails = 0 ] || exit 1
echo "64-web: ok"
