#!/bin/sh
# Suppression and the reader's links, end to end with `paperboy run` (web on) against
# tests/lib/smtpd.py and tests/lib/chat_server.py on 127.0.0.1:
#  1. ana has two addresses; the SMTP peer refuses bo@ for good at RCPT (550): ana@ gets its
#     digest, bo@ is suppressed alone. The Telegram chat that blocked the bot (403) and the
#     archived Slack webhook (410) are suppressed too.
#  2. The mail ana@ received carries List-Unsubscribe with its own https /u/ link first (the
#     token checks, for ana and that address) and the mailto after it,
#     List-Unsubscribe-Post: List-Unsubscribe=One-Click and List-Id; the footer's manage and
#     unsubscribe links and two feedback links per paper check too.
#  3. `subscriber list` says "active (1 of 2 suppressed)" and "suppressed"; `status` lists the
#     three with their reasons; `subscriber show` lists the suppression.
#  4. The next day's run makes no RCPT for bo@ and no request to the chat and the webhook
#     (run.suppressed in the log), and still mails ana@.
#  5. `subscriber resume ana` lifts it: the day after, bo@ is asked for again.
#  6. Web on with a key file others can read: the run refuses, naming the file.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
: "${BUILD:=$(cd "$(dirname "$PAPERBOY")" && pwd)}"
PY=/usr/bin/python3
LINK_CHECK="$BUILD/tests/tools/link_check"
T=$(mktemp -d /tmp/pb-suppress.XXXXXX)
SMTP= CHAT=
cleanup() {
  for p in $SMTP $CHAT; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "66-suppress: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "66-suppress: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
[ -f "$FEED" ] || die "missing fixture $FEED"
[ -x "$LINK_CHECK" ] || die "missing $LINK_CHECK (make tools)"

wait_port() {   # $1 port file, $2 pid, $3 stderr file
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && { cat "$3" >&2; die "a peer did not start within 10 s"; }
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "a peer exited"; }
    sleep 0.1
  done
}

mkdir -p "$T/mail"
$PY "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" --timeout 300 \
  --reject bo@example.org --rcpt-log "$T/rcpt.jsonl" 2>"$T/smtpd.err" &
SMTP=$!
$PY "$PB_TESTS/lib/chat_server.py" --port-file "$T/chat.port" --log "$T/chat.jsonl" \
  --token "777:TEST" --timeout 300 2>"$T/chat.err" &
CHAT=$!
wait_port "$T/smtp.port" "$SMTP" "$T/smtpd.err"
wait_port "$T/chat.port" "$CHAT" "$T/chat.err"
SP=$(cat "$T/smtp.port")
CP=$(cat "$T/chat.port")

cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
delivery = { retry_base_s = 1; };
email = { smtp_url = "smtp://127.0.0.1:$SP"; tls = "none";
          from = "arXiv digest <digest@example.org>";
          unsubscribe_mailto = "leave@example.org"; };
telegram = { token_env = "PB_TEST_TG_TOKEN"; api_url = "http://127.0.0.1:$CP"; };
web = { listen = "127.0.0.1:8425"; base_url = "https://digest.example.org";
        secret_file = "$T/web.secret"; };
subscribers = (
  { name = "ana"; email = ["ana@example.org", "bo@example.org"]; max_papers = 3;
    topics = ( { name = "3D"; query = "ti:\"gaussian splatting\" OR ti:3D"; } ); },
  { name = "tg"; telegram_chat = "403001"; max_papers = 2;
    topics = ( { name = "Video"; query = "ti:video"; } ); },
  { name = "sl"; slack_webhook_env = "PB_TEST_SLACK_HOOK"; max_papers = 2;
    topics = ( { name = "Video"; query = "ti:video"; } ); } );
CONF
PB_TEST_TG_TOKEN="777:TEST"
PB_TEST_SLACK_HOOK="http://127.0.0.1:$CP/hooks/archived/x"
export PB_TEST_TG_TOKEN PB_TEST_SLACK_HOOK
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
rcpts() { cat "$T/rcpt.jsonl" 2>/dev/null | grep -c "\"rcpt\": \"$1\""; }
chat_requests() { cat "$T/chat.jsonl" 2>/dev/null | grep -c "$1"; }

# ---- 1. the first run ----
pb run --feed "$FEED" >"$T/run1.out" 2>"$T/run1.err"
[ "$(rcpts ana@example.org)" = 1 ] && [ "$(rcpts bo@example.org)" = 1 ] ||
  fail "1: want one RCPT each: $(cat "$T/rcpt.jsonl" 2>&1)"
[ "$(ls "$T/mail"/*.eml 2>/dev/null | wc -l)" = 1 ] || fail "1: want one message kept: $(ls "$T/mail")"
grep -q 'event=deliver.suppressed subscriber=ana channel=email dest=bo@example.org' "$T/run1.err" ||
  fail "1: bo@ not suppressed: $(grep deliver "$T/run1.err")"
grep -q 'event=deliver.suppressed subscriber=ana channel=email dest=ana@example.org' "$T/run1.err" &&
  fail "1: ana@ suppressed with bo@"
grep -q 'event=deliver.suppressed subscriber=tg channel=telegram dest=403001' "$T/run1.err" ||
  fail "1: the blocked chat not suppressed"
grep -q 'event=deliver.suppressed subscriber=sl channel=slack dest=webhook' "$T/run1.err" ||
  fail "1: the archived webhook not suppressed"
[ -f "$T/web.secret" ] && [ "$(stat -c %a "$T/web.secret")" = 600 ] ||
  fail "1: the key file was not created 0600"

# ---- 2. the headers and links of the mail ana@ received ----
$PY - "$T/mail" "$LINK_CHECK" "$T/web.secret" <<'PY' || fail "2: headers and links (see above)"
import email, email.policy, glob, re, subprocess, sys

mail, check, key = sys.argv[1:4]
bad = []
def tok(purpose, url):
    r = subprocess.run([check, key, purpose, url], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else "refused: " + r.stdout.strip()
path = sorted(glob.glob(mail + "/*.eml"))[0]
m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
lu = " ".join(str(m["List-Unsubscribe"]).split())
mo = re.fullmatch(r"<(https://digest\.example\.org/u/[A-Za-z0-9_.-]+)>, <mailto:leave@example\.org>", lu)
if not mo:
    bad.append("List-Unsubscribe: %r" % lu)
else:
    got = tok("unsub", mo.group(1))
    if got != "ok ana\tana@example.org":
        bad.append("the /u/ token: %r" % got)
    if tok("manage", mo.group(1)) != "refused: for another purpose":
        bad.append("an unsubscribe token passed as a manage token")
if str(m["List-Unsubscribe-Post"]) != "List-Unsubscribe=One-Click":
    bad.append("List-Unsubscribe-Post: %r" % m["List-Unsubscribe-Post"])
if str(m["List-Id"]) != "<ana.digest.example.org>":
    bad.append("List-Id: %r" % m["List-Id"])
text = m.get_body(("plain",)).get_content()
html = m.get_body(("html",)).get_content()
for name, part in (("text", text), ("html", html)):
    if mo and mo.group(1) not in part:
        bad.append("%s: the footer's unsubscribe link is not the header's" % name)
    man = re.findall(r"https://digest\.example\.org/m/[A-Za-z0-9_.-]+", part)
    if not man or tok("manage", man[0]) != "ok ana\tana@example.org":
        bad.append("%s: manage link %r" % (name, man[:1]))
    fb = re.findall(r"https://digest\.example\.org/f/[A-Za-z0-9_.-]+", part)
    if len(fb) != 6:
        bad.append("%s: %d feedback links, want 2 for each of 3 papers" % (name, len(fb)))
    for i, u in enumerate(fb):
        got = tok("feedback", u)
        if not re.fullmatch(r"ok ana\t\d{4}\.\d{4,5} %s" % ("\\+" if i % 2 == 0 else "-"), got):
            bad.append("%s: feedback link %d: %r" % (name, i, got))
for b in bad:
    print("   " + b)
sys.exit(1 if bad else 0)
PY

# ---- 3. list, status, show ----
pb subscriber list >"$T/list" 2>&1 || fail "3: list: $(cat "$T/list")"
grep -Eq '^ana +config +active \(1 of 2 suppressed\) ' "$T/list" || fail "3: list ana: $(cat "$T/list")"
grep -Eq '^tg +config +suppressed ' "$T/list" && grep -Eq '^sl +config +suppressed ' "$T/list" ||
  fail "3: list tg, sl: $(cat "$T/list")"
pb status >"$T/status" 2>&1 || fail "3: status: $(cat "$T/status")"
grep -Eq '^  ana +email +bo@example.org +since .*550 5\.1\.1' "$T/status" &&
  grep -Eq '^  tg +telegram +403001 +since .*blocked' "$T/status" &&
  grep -Eq '^  sl +slack +webhook +since .*410' "$T/status" ||
  fail "3: status does not list the suppressed destinations: $(cat "$T/status")"
sed -n '/^suppressed destinations/,/^$/p' "$T/status" | grep -q 'ana@example.org' &&
  fail "3: status lists ana@ as suppressed"
pb subscriber show ana >"$T/show" 2>&1
grep -Eq '^suppressed +email bo@example.org since .*550' "$T/show" || fail "3: show: $(cat "$T/show")"

# ---- 4. the next day: nothing for the suppressed, ana@ as before ----
sed 's/28 Nov 2024/29 Nov 2024/' "$FEED" >"$T/next.xml"
# new papers on the next day, so that every subscriber has a digest again
$PY - "$T/next.xml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
s = re.sub(r"(oai:arXiv\.org:|arxiv\.org/abs/)(\d{4})\.(\d{5})", lambda m: m.group(1) + "2499." + m.group(3), s)
open(p, "w", encoding="utf-8").write(s)
PY
tg_before=$(chat_requests '"chat": "403001"')
sl_before=$(chat_requests 'hooks/archived/x')
pb run --feed "$T/next.xml" >"$T/run2.out" 2>"$T/run2.err"
[ "$(rcpts bo@example.org)" = 1 ] || fail "4: a RCPT for the suppressed bo@: $(cat "$T/rcpt.jsonl")"
[ "$(rcpts ana@example.org)" = 2 ] || fail "4: ana@ was not mailed the next day: $(cat "$T/rcpt.jsonl")"
[ "$(chat_requests '"chat": "403001"')" = "$tg_before" ] || fail "4: a request to the blocked chat"
[ "$(chat_requests 'hooks/archived/x')" = "$sl_before" ] || fail "4: a request to the archived webhook"
for d in "subscriber=ana channel=email dest=bo@example.org" "subscriber=tg channel=telegram dest=403001" \
         "subscriber=sl channel=slack dest=webhook"; do
  grep -q "event=run.suppressed $d" "$T/run2.err" || fail "4: no run.suppressed $d"
done

# ---- 5. resume lifts it ----
pb subscriber resume ana >"$T/resume" 2>&1 && grep -q "^subscriber ana active (1 suppressed destination lifted" "$T/resume" ||
  fail "5: resume: $(cat "$T/resume")"
pb subscriber list >"$T/list" 2>&1
grep -Eq '^ana +config +active ' "$T/list" && ! grep -Eq '^ana .*suppressed' "$T/list" ||
  fail "5: list after resume: $(cat "$T/list")"
pb status >"$T/status" 2>&1
sed -n '/^suppressed destinations/,/^$/p' "$T/status" | grep -q 'bo@example.org' &&
  fail "5: status still lists bo@ as suppressed: $(cat "$T/status")"
sed 's/29 Nov 2024/02 Dec 2024/; s/2499\./2498./g' "$T/next.xml" >"$T/third.xml"
pb run --feed "$T/third.xml" >"$T/run3.out" 2>"$T/run3.err"
# bo@ is asked for again (the requeued message, refused again: the new day's waits paused
# with it), and ana@ gets hers
[ "$(rcpts bo@example.org)" = 2 ] && [ "$(rcpts ana@example.org)" = 3 ] ||
  fail "5: bo@ not asked for after resume: $(cat "$T/rcpt.jsonl")"

# ---- 6. a key file others can read is refused, naming it ----
chmod 644 "$T/web.secret"
sed 's/02 Dec 2024/03 Dec 2024/' "$T/third.xml" >"$T/fourth.xml"
pb run --feed "$T/fourth.xml" >"$T/run4.out" 2>"$T/run4.err"; rc=$?
[ $rc != 0 ] && grep -q "$T/web.secret" "$T/run4.err" ||
  fail "6: a readable key file: exit $rc, $(tail -n 3 "$T/run4.err")"

[ $fails = 0 ] || exit 1
echo "   suppression: RCPT 550, Telegram 403, Slack 410 suppressed alone; links and headers check"
