#!/bin/sh
# A resend after a crash is byte-identical: `paperboy run` for 300 subscribers (email, Slack
# and Telegram each) is killed with SIGKILL three times while it delivers (after the SMTP peer
# has taken some mail, before it has all; the peer answers each DATA 30 ms late so delivery
# lasts), then run again until nothing is pending. Every
# message the SMTP peer accepted is compared byte for byte with what the outbox holds for its
# Message-ID (read back through pb_outbox_get: the chunked body, its SHA-256 checked); every
# digest arrived, and one arrived more than once only when it was in flight at a kill or its
# mark awaited the group commit (per kill at most 2 x delivery.max_total + 1 = 17 in flight,
# plus 64 awaiting the commit: src/deliver/marks.h).
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}" "${BUILD:?}"
N=300
KILLS=3
MAX_TOTAL=8
WINDOW=$((2 * MAX_TOTAL + 1 + 64))
DUMP="$BUILD/tests/tools/outbox_dump"
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-81.XXXXXX)
pids=""
rp=""
cleanup() {
  [ -n "$rp" ] && kill -9 "$rp" 2>/dev/null
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT INT TERM
fail() { echo "81-resend-identical: $*" >&2; exit 1; }
[ -x "$DUMP" ] || fail "missing $DUMP (make tools)"
wait_file() { i=0; while [ ! -s "$1" ]; do i=$((i+1)); [ $i -le 300 ] || fail "no $1"; sleep 0.1; done; }
received() { n=0; [ -f "$T/mail/index.jsonl" ] && n=$(grep -c '"status": 250' "$T/mail/index.jsonl" || true); echo "${n:-0}"; }

mkdir -p "$T/mail" "$T/enq"
/usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
  --pipelining --slow-after-data 0.03 --timeout 600 2>"$T/smtpd.err" &
pids="$pids $!"
/usr/bin/python3 "$PB_TESTS/lib/chat_server.py" --port-file "$T/chat.port" --log "$T/chat.log" \
  --token "123456:R81-token" --timeout 600 2>"$T/chat.err" &
pids="$pids $!"
wait_file "$T/smtp.port"
wait_file "$T/chat.port"
/usr/bin/python3 "$PB_TESTS/lib/gen_config.py" --dir "$T" --subscribers "$N" \
  --smtp-port "$(cat "$T/smtp.port")" --chat-port "$(cat "$T/chat.port")" \
  --token-env PB_R81_TOKEN --max-total "$MAX_TOTAL" --telegram-rate 100
export PB_R81_TOKEN="123456:R81-token"

# Each kill lands in delivery: after the peer took at least 40 more messages than before.
k=0
while [ $k -lt $KILLS ]; do
  before=$(received)
  "$PAPERBOY" -c "$T/paperboy.conf" run --feed "$FEED" --wait 5 >>"$T/run.out" 2>>"$T/run.err" &
  rp=$!
  i=0
  while [ "$(received)" -lt $((before + 40)) ]; do
    i=$((i + 1))
    [ $i -le 600 ] || fail "kill $k: the peer took nothing within 60 s"
    kill -0 "$rp" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$rp" 2>/dev/null || fail "kill $k: the run had already ended (nothing left mid-delivery)"
  wait "$rp" 2>/dev/null || true
  rp=""
  [ "$(received)" -lt "$N" ] || fail "kill $k came after every email was taken"
  k=$((k + 1))
done

done_ok=0
for attempt in 1 2 3 4 5; do
  "$PAPERBOY" -c "$T/paperboy.conf" run --feed "$FEED" --wait 30 >>"$T/run.out" 2>>"$T/run.err" || true
  pending=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0;")
  if [ "$pending" = 0 ]; then done_ok=1; break; fi
done
[ "$done_ok" = 1 ] || fail "messages still pending after 5 complete runs"
[ "$(sqlite3 "$T/state/paperboy.db" "PRAGMA integrity_check;")" = ok ] || fail "integrity_check"

# What was enqueued, read back through the state.
sqlite3 "$T/state/paperboy.db" "select msg_id from outbox where channel = 'email' order by rowid;" \
  >"$T/ids"
"$DUMP" "$T/state/paperboy.db" "$T/enq" <"$T/ids" >"$T/enq/index" || fail "outbox_dump failed"
sleep 1   # the peer writes its index line by line

/usr/bin/python3 - "$T" "$N" "$KILLS" "$WINDOW" <<'EOF'
import collections, email, email.policy, glob, json, os, sys
t, n, kills, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
problems = []

def message_id(raw):
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    return (m.get("Message-ID") or "").strip()

enq = {}
for line in open(os.path.join(t, "enq", "index")):
    num, msg_id = line.split(" ", 1)
    raw = open(os.path.join(t, "enq", num + ".out"), "rb").read()
    enq[message_id(raw)] = raw
if len(enq) != n:
    problems.append("%d distinct Message-IDs enqueued, want %d" % (len(enq), n))

got = collections.Counter()
differ = []
for path in sorted(glob.glob(os.path.join(t, "mail", "*.eml"))):
    raw = open(path, "rb").read()
    mid = message_id(raw)
    got[mid] += 1
    want = enq.get(mid)
    if want is None:
        problems.append("%s: Message-ID %s was never enqueued" % (os.path.basename(path), mid))
    elif raw != want:
        differ.append("%s (%s)" % (os.path.basename(path), mid))
if differ:
    problems.append("%d received messages differ from what was enqueued, e.g. %s"
                    % (len(differ), differ[:3]))
missing = [m for m in enq if got[m] == 0]
if missing:
    problems.append("%d digests never arrived, e.g. %s" % (len(missing), missing[:3]))
dups = sum(c - 1 for c in got.values() if c > 1)
if dups > kills * window:
    problems.append("%d repeats for %d kills (at most %d each)" % (dups, kills, window))
if got and max(got.values()) > 1 + kills:
    problems.append("one message arrived %d times" % max(got.values()))
print("   email: %d enqueued, %d received, %d repeats after %d kills, all byte-identical: %s"
      % (len(enq), sum(got.values()), dups, kills, "yes" if not differ else "NO"))
if problems:
    print("\n".join("   PROBLEM: " + p for p in problems))
    sys.exit(1)
EOF
