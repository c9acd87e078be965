#!/bin/sh
# The readers' pages in a real browser: `paperboy serve` on 127.0.0.1 with a local SMTP peer
# (tests/lib/smtpd.py saves what it receives) and the announcement fetched beforehand from the
# arXiv stand-in (so the preview has it cached). Debian's chromium, driven by puppeteer-core
# (tests/browser/selfservice.js), signs up on the form, opens the link of the confirmation mail
# the peer received and presses its button (opening it alone changes nothing), opens the manage
# page, sees a rule error with its column, edits the topics, presses Preview and sees the titles
# of the fixture announcement, saves and unsubscribes; then opens a feedback link of carol's,
# presses its button, "Take it back" (the verdict gone from the state, logged verdict=0), and
# the other verdict on the page that says so; every screen at 320 px without sideways
# scrolling, none refused anything by the pages' Content-Security-Policy, which refuses a
# script put into a page, inline or from this origin (none runs). The state is then read with `paperboy subscriber
# list`/`show`. Over the wire, a confirmation the peer refuses for good (550 at RCPT, or an
# address it cannot take without SMTPUTF8) gives the form back with 422 and keeps no sign-up,
# one it refuses for now (451), or for a policy of its own (554 5.7.1 relaying denied), answers
# 503; the reader then signs up again and is active
# again, the same subscriber. A subscriber the administrator added (`subscriber add`, two
# addresses, language "de") has a manage page whose "Stop sending here" buttons are each named
# with their address and whose language list reads "German (de), set outside this form"; its
# mail's unsubscribe link for the second address is opened and its button pressed with Space.
# Every page opened, the refusals' too (an address with no page, a link cut short), is checked
# with axe-core (tests/browser/package.json) at 375 and 1000 px, light and dark, against WCAG
# 2.1 AA: a serious or critical finding fails, a lesser one is printed as a note; the forms are
# gone through by the keyboard alone (Tab reaches every control in order, its focus drawn;
# Enter and Space press the buttons), the sign-up once with a topic that does not parse.
# Screenshots go to $BUILD/browser-artefacts/selfservice. Skipped, with the
# reason, only when chromium cannot start.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
name=65-web-browser
tmp=$(mktemp -d /tmp/pb-web-browser.XXXXXX)
pidfile="$tmp/chromium.pid"
pids=""
cleanup() {
  if [ -s "$pidfile" ]; then
    kill -9 "$(cat "$pidfile")" 2>/dev/null
  fi
  for p in $pids; do kill "$p" 2>/dev/null; done
  for p in $pids; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "$name: FAIL: $*" >&2; [ -f "$tmp/serve.err" ] && tail -n 20 "$tmp/serve.err" >&2; exit 1; }
skip() { echo "$name: SKIP: $*" >&2; exit 0; }

browser_dir="$PB_TESTS/browser"
build_dir="${BUILD:-$(cd "$PB_TESTS/.." && pwd)/build}"
art="$build_dir/browser-artefacts/selfservice"
chromium="${PB_CHROMIUM:-/usr/bin/chromium}"
PY=/usr/bin/python3

[ -x "$chromium" ] || skip "no chromium at $chromium (contrib/install-deps.sh --test installs it)"
command -v node >/dev/null 2>&1 || fail "node is missing (Debian package nodejs)"
if [ ! -f "$browser_dir/node_modules/puppeteer-core/package.json" ] ||
   [ ! -f "$browser_dir/node_modules/axe-core/axe.min.js" ]; then
  command -v npm >/dev/null 2>&1 || fail "npm is missing (Debian package npm)"
  PUPPETEER_SKIP_DOWNLOAD=1 timeout 120 npm ci --prefix "$browser_dir" --prefer-offline --no-audit --no-fund \
    --loglevel=error >"$tmp/npm.log" 2>&1 ||
    fail "npm ci --prefix tests/browser failed: $(tail -n 5 "$tmp/npm.log")"
fi

wait_file() { # FILE
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1))
    [ $i -gt 150 ] && fail "$1 did not appear"
    sleep 0.1
  done
}

timeout 300 $PY "$PB_TESTS/lib/arxiv_server.py" --port-file "$tmp/arxiv.port" --log "$tmp/arxiv.log" \
  --fixtures "$PB_FIXTURES" 2>"$tmp/arxiv.err" &
pids="$pids $!"
mkdir -p "$tmp/mail"
timeout 300 $PY "$PB_TESTS/lib/smtpd.py" --port-file "$tmp/smtp.port" --save-dir "$tmp/mail" \
  --reject refused@example.org --defer later@example.org --deny denied@example.net \
  --rcpt-log "$tmp/rcpt.jsonl" \
  --timeout 280 2>"$tmp/smtp.err" &
pids="$pids $!"
wait_file "$tmp/arxiv.port"
wait_file "$tmp/smtp.port"
AP=$(cat "$tmp/arxiv.port")
SP=$(cat "$tmp/smtp.port")
# A free port for the pages: the links in the mail carry it.
WP=$(/usr/bin/python3 "$PB_TESTS/lib/free_port.py")
base="http://127.0.0.1:$WP"

mkdir -p "$tmp/state"
cat >"$tmp/pb.conf" <<CONF
state_dir = "$tmp/state";
arxiv = { categories = ["cs.LG", "cs.AI"]; rss_url = "http://127.0.0.1:$AP/rss";
          api_url = "http://127.0.0.1:$AP/api/query"; fill_metadata = false; };
email = { smtp_url = "smtp://127.0.0.1:$SP"; from = "digest@example.org"; tls = "none"; };
web = { listen = "127.0.0.1:$WP"; base_url = "$base"; };
subscribers = (
  { name = "carol"; email = ["carol@example.org"];
    topics = ( { name = "drift"; query = "ti:drift"; } ); }
);
CONF
pb() { timeout 30 "$PAPERBOY" -c "$tmp/pb.conf" "$@"; }

# The latest announcement, fetched as a run fetches it: the preview reads it from the cache.
pb fetch >"$tmp/fetch.out" 2>"$tmp/fetch.err" || fail "fetch exited $?: $(tail -n 3 "$tmp/fetch.err")"
ls "$tmp/state/http-cache" 2>/dev/null | grep -q . || fail "fetch left nothing in the HTTP cache"

# A subscriber the administrator added, with a language the form does not list.
pb subscriber add wilma --email wilma@example.org --email 'w.b&co@example.org' \
  --topic 'Drift=ti:drift' --language de >"$tmp/add.out" 2>&1 ||
  fail "subscriber add exited $?: $(tail -n 3 "$tmp/add.out")"

timeout 200 "$PAPERBOY" -c "$tmp/pb.conf" serve 2>"$tmp/serve.err" &
serve_pid=$!
pids="$pids $serve_pid"
i=0
until curl -s -o /dev/null "$base/"; do
  i=$((i + 1))
  [ $i -gt 100 ] && fail "paperboy serve did not answer on $base"
  sleep 0.1
done

# A feedback link of carol's digest, "not for me" on a paper, as a run writes it; the browser
# reads the verdict after each press.
fb_link=$("$build_dir/tests/tools/web_token" "$tmp/state/web.secret" "$base" feedback carol \
  "2411.00001v1 -") || fail "web_token failed"
admin_link=$("$build_dir/tests/tools/web_token" "$tmp/state/web.secret" "$base" manage wilma \
  wilma@example.org) || fail "web_token failed"
unsub_link=$("$build_dir/tests/tools/web_token" "$tmp/state/web.secret" "$base" unsub wilma \
  'w.b&co@example.org') || fail "web_token failed"
cat >"$tmp/verdict.sh" <<SH
$PY -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
r = c.execute("SELECT verdict FROM feedback WHERE subscriber = ? AND paper_id = ?",
              ("carol", "2411.00001")).fetchone()
print(r[0] if r else "none")' "$tmp/state/paperboy.db"
SH

rm -rf "$art"; mkdir -p "$art"
PB_CHROMIUM="$chromium" PB_BROWSER_PIDFILE="$pidfile" \
PB_FEEDBACK_LINK="$fb_link" PB_FEEDBACK_PAPER=2411.00001 PB_FEEDBACK_STATE="$tmp/verdict.sh" \
PB_ADMIN_LINK="$admin_link" PB_ADMIN_ADDRESSES='wilma@example.org|w.b&co@example.org' \
PB_ADMIN_LANGUAGE='German (de), set outside this form' PB_UNSUB_LINK="$unsub_link" \
PB_EXPECT_TITLES="The Drift Contract|Signal2Symbol" \
PB_ABSENT_TITLE="Outlier Detection for Multi-Network Data" \
  timeout -k 5 120 node "$browser_dir/selfservice.js" "$base" "$tmp/mail" "$art" \
  "Dora.Reader@example.org" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
case $rc in
0) ;;
3) skip "$(grep 'cannot start' "$tmp/out" | head -n 1)" ;;
*) fail "the browser checks failed (exit $rc); screenshots in $art" ;;
esac

# Two mails went, to the reader alone: the confirmation and the new manage link of "Sign out
# other links", to the address as typed (a local part may be case-sensitive), not lowered.
n=$(ls "$tmp/mail"/*.eml 2>/dev/null | wc -l)
[ "$n" -eq 2 ] || fail "expected 2 mails (the confirmation, the new link), the SMTP peer got $n"
[ "$(grep -l '^To: Dora.Reader@example.org' "$tmp/mail"/*.eml | wc -l)" -eq 2 ] ||
  fail "a mail is not to the reader"
grep -q '"rcpt": "Dora.Reader@example.org", "status": 250' "$tmp/rcpt.jsonl" ||
  fail "the confirmation was not sent to the address as typed: $(cat "$tmp/rcpt.jsonl")"

# The state as the administrator sees it.
pb subscriber list >"$tmp/list" 2>"$tmp/list.err" || fail "subscriber list exited $?"
cat "$tmp/list"
grep -Eq '^dora\.reader +stored +unsubscribed ' "$tmp/list" ||
  fail "subscriber list does not show dora.reader stored and unsubscribed"
grep -Eq '^carol +config +active ' "$tmp/list" || fail "carol is no longer active"
pb subscriber show dora.reader >"$tmp/show" 2>&1 || fail "subscriber show exited $?"
grep -q 'source *web' "$tmp/show" || fail "dora.reader's source is not web: $(cat "$tmp/show")"
grep -q 'topic *Symbols = ti:signal2symbol' "$tmp/show" || fail "the saved topics are not stored"
grep -q 'ti:learning' "$tmp/show" && fail "the topic signed up with was not replaced"

# Replayed confirmation: a plain page, nothing changes.
link=$(sed -e ':a' -e '/=\r*$/{N;s/=\r*\n//;ba' -e '}' "$tmp/mail"/*.eml | grep -o "$base/c/[A-Za-z0-9_.-]*" | head -n 1)
[ -n "$link" ] || fail "no /c/ link in the saved mail"
curl -s "$link" >"$tmp/again.html" || fail "the replayed link did not answer"
grep -q 'Already confirmed' "$tmp/again.html" || fail "a replayed link does not say it is done"
curl -s -d 'csrf=x' "$link" >"$tmp/again.html" || fail "the replayed button did not answer"
grep -q 'Already confirmed' "$tmp/again.html" || fail "a replayed POST does not say it is done"

# A confirmation the SMTP server refuses for good (550 at RCPT; an address with non-ASCII
# letters, which this server cannot take without SMTPUTF8): a 4xx page that says the address
# was refused and to check it, the server's words not on it; and since nothing was kept (no
# pending sign-up, no stamp) the same address is tried again (and refused again) rather than
# answered as sent, and the corrected address goes through from the same client. One the
# server refuses for now (451) is still "try again later", 503.
csrf=$(curl -s "$base/signup" | grep -o 'name="csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//')
[ -n "$csrf" ] || fail "no csrf field in the sign-up form"
signup() { # ADDRESS TOPICS OUT -> prints the HTTP status
  curl -s -o "$3" -w '%{http_code}' --data-urlencode "csrf=$csrf" --data-urlencode "email=$1" \
    --data-urlencode "topics=$2" --data-urlencode language=en --data-urlencode max_papers=5 \
    "$base/signup"
}
pending() { # ADDRESS -> the pending sign-ups of that address
  $PY -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM signups WHERE address = ?", (sys.argv[2],)).fetchone()[0])' \
    "$tmp/state/paperboy.db" "$1"
}
for k in 1 2; do
  st=$(signup refused@example.org 'Drift = ti:drift' "$tmp/refused.html")
  [ "$st" = 422 ] || fail "a confirmation refused for good answered $st, not 422 (try $k)"
  grep -q 'refused this address' "$tmp/refused.html" && grep -q 'check' "$tmp/refused.html" ||
    fail "the page does not say the address was refused: $(cat "$tmp/refused.html")"
  grep -qi 'try again later' "$tmp/refused.html" && fail "a refusal for good says to try again later"
  grep -q 'User unknown\|<refused@' "$tmp/refused.html" && fail "the server's words are on the page"
  grep -q 'value="refused@example.org"' "$tmp/refused.html" ||
    fail "the form does not come back with the address to correct"
  [ "$(pending refused@example.org)" = 0 ] || fail "a refused sign-up is still pending (try $k)"
done
[ "$(grep -c '"rcpt": "refused@example.org", "status": 550' "$tmp/rcpt.jsonl")" = 2 ] ||
  fail "the refused address was not asked twice: $(cat "$tmp/rcpt.jsonl")"
grep -q 'event=web.signup status=refused error="550 5.1.1 <refused@example.org>' "$tmp/serve.err" ||
  fail "no quoted refusal in the log: $(grep web.signup "$tmp/serve.err")"
st=$(signup 'dörte@example.org' 'Drift = ti:drift' "$tmp/utf8.html")
[ "$st" = 422 ] && grep -q 'refused this address' "$tmp/utf8.html" ||
  fail "an address the server cannot take without SMTPUTF8 answered $st: $(cat "$tmp/utf8.html")"
for k in 1 2; do
  st=$(signup later@example.org 'Drift = ti:drift' "$tmp/later.html")
  [ "$st" = 503 ] && grep -q 'could not be sent' "$tmp/later.html" &&
    grep -q 'try again later' "$tmp/later.html" ||
    fail "a confirmation refused for now answered $st: $(cat "$tmp/later.html")"
  [ "$(pending later@example.org)" = 0 ] || fail "a deferred sign-up is still pending (try $k)"
done
# Refused for good, but by a policy of the server's (relaying denied): the installation's to
# mend, not the address's, so "try again later" and not "check the address".
st=$(signup denied@example.net 'Drift = ti:drift' "$tmp/denied.html")
[ "$st" = 503 ] && grep -q 'try again later' "$tmp/denied.html" &&
  ! grep -q 'refused this address' "$tmp/denied.html" ||
  fail "a relay refused by the server's policy answered $st: $(cat "$tmp/denied.html")"
grep -q 'event=web.signup status=unsent error="554 5.7.1 <denied@example.net>: Relay access denied' "$tmp/serve.err" ||
  fail "no quoted policy refusal in the log: $(grep web.signup "$tmp/serve.err")"
[ "$(pending denied@example.net)" = 0 ] || fail "a sign-up refused by policy is still pending"
# the address corrected, from the same client: sent (the refusals used none of its sign-ups)
st=$(signup fixed@example.org 'Drift = ti:drift' "$tmp/fixed.html")
[ "$st" = 200 ] && grep -q 'Check your mailbox' "$tmp/fixed.html" ||
  fail "the corrected address answered $st: $(cat "$tmp/fixed.html")"
[ "$(pending fixed@example.org)" = 1 ] || fail "the corrected sign-up is not pending"
# Hostile input over the wire: echoed escaped, nothing sent.
st=$(signup '<script>alert(1)</script>@x.org' '<img src=x onerror=alert(1)> = ti:(a' "$tmp/hostile.html")
[ "$st" = 400 ] || fail "a hostile sign-up answered $st, not 400"
grep -q '<script>alert(1)' "$tmp/hostile.html" && fail "the address came back as markup"
grep -q '<img src=x' "$tmp/hostile.html" && fail "a topic came back as markup"
grep -q '&lt;img src=x onerror=alert(1)&gt;' "$tmp/hostile.html" || fail "the topic is not echoed escaped"
n=$(ls "$tmp/mail"/*.eml 2>/dev/null | wc -l)
[ "$n" -eq 3 ] || fail "after the refused, corrected and hostile sign-ups the SMTP peer holds $n mails, not 3"

# The reader who unsubscribed signs up again with the same address (in lower case now), an
# hour after the first confirmation (its stamp moved back an hour): a confirmation goes, and its
# link makes that subscriber active again with the new topics and its address no longer
# suppressed, not a second subscriber.
$PY -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE stamps SET at = at - 3600 WHERE key LIKE ?", ("confirm-mail:%",))
c.commit()' "$tmp/state/paperboy.db" || fail "moving the stamps back"
st=$(signup dora.reader@example.org 'Again = ti:drift' "$tmp/resign.html")
[ "$st" = 200 ] && grep -q 'Check your mailbox' "$tmp/resign.html" ||
  fail "signing up again answered $st: $(cat "$tmp/resign.html")"
n=$(ls "$tmp/mail"/*.eml 2>/dev/null | wc -l)
[ "$n" -eq 4 ] || fail "signing up again: the SMTP peer holds $n mails, not 4"
link2=$(sed -e ':a' -e '/=\r*$/{N;s/=\r*\n//;ba' -e '}' "$(ls "$tmp/mail"/*.eml | tail -n 1)" |
  grep -o "$base/c/[A-Za-z0-9_.-]*" | head -n 1)
[ -n "$link2" ] && [ "$link2" != "$link" ] || fail "no new /c/ link in the second mail"
# The link as a mail scanner fetches it, GET and HEAD: a page with a button, nothing changes.
curl -s "$link2" >"$tmp/ask2.html" || fail "the second link did not answer"
curl -s -I "$link2" >/dev/null || fail "the second link did not answer a HEAD"
grep -q 'id="confirm"' "$tmp/ask2.html" || fail "the second link: $(cat "$tmp/ask2.html")"
pb subscriber list >"$tmp/list2" 2>&1 || fail "subscriber list exited $?"
grep -Eq '^dora\.reader +stored +unsubscribed ' "$tmp/list2" ||
  fail "opening the link subscribed again before its button: $(cat "$tmp/list2")"
ccsrf=$(grep -o 'name="csrf" value="[^"]*"' "$tmp/ask2.html" | sed 's/.*value="//; s/"$//')
curl -s --data-urlencode "csrf=$ccsrf" "$link2" >"$tmp/again2.html" ||
  fail "the second link's button did not answer"
grep -q 'Subscribed again' "$tmp/again2.html" || fail "the second link: $(cat "$tmp/again2.html")"
pb subscriber list >"$tmp/list2" 2>&1 || fail "subscriber list exited $?"
grep -Eq '^dora\.reader +stored +active ' "$tmp/list2" || fail "dora.reader is not active again: $(cat "$tmp/list2")"
[ "$(grep -c '^dora' "$tmp/list2")" = 1 ] || fail "a second subscriber was made: $(cat "$tmp/list2")"
pb subscriber show dora.reader >"$tmp/show2" 2>&1 || fail "subscriber show exited $?"
grep -q 'topic *Again = ti:drift' "$tmp/show2" || fail "the new topics are not stored: $(cat "$tmp/show2")"
grep -qi 'suppress\|unsubscribed' "$tmp/show2" && fail "dora.reader's address is still stopped: $(cat "$tmp/show2")"

# serve stops cleanly on SIGTERM (and, in a sanitizer build, reports nothing)
kill -TERM "$serve_pid"
wait "$serve_pid"
rc=$?
[ "$rc" -eq 0 ] || fail "serve exited $rc after SIGTERM"
grep -q 'Sanitizer' "$tmp/serve.err" && fail "the sanitizer reported: $(grep -m1 Sanitizer "$tmp/serve.err")"

# The feedback link's presses in the log: recorded, taken back (verdict=0), the other, taken
# back again; no verdict left.
[ "$(grep -c 'event=web.feedback subscriber=carol paper=2411.00001 verdict=0' "$tmp/serve.err")" = 2 ] ||
  fail "the verdicts taken back are not in the log: $(grep web.feedback "$tmp/serve.err")"
grep -q 'event=web.feedback subscriber=carol paper=2411.00001 verdict=-1' "$tmp/serve.err" ||
  fail "the verdict recorded is not in the log"
[ "$(sh "$tmp/verdict.sh")" = none ] || fail "carol's verdict was not taken back"

n=$(ls "$art"/*.png 2>/dev/null | wc -l)
[ "$n" -eq 21 ] || fail "expected 21 screenshots in $art, found $n"
echo "$name: ok ($n screenshots in $art)"
