#!/bin/sh
# Crash safety: a run for 1,000 subscribers (email, Slack and Telegram each) against local
# peers (the SMTP peer offering PIPELINING) is killed with SIGKILL at random moments, at least
# 20 times, and restarted each time.
# At the end every subscriber has its digest on every channel, nothing is lost, and the state
# database passes PRAGMA integrity_check. A message may arrive twice only when it was in flight
# when the process died (the server accepted it, the state had not yet recorded that): so per
# channel at most kills x MAX_INFLIGHT duplicates, and no message more than once per kill.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_CRASH_SUBSCRIBERS:-1000}
KILLS=${PB_CRASH_KILLS:-22}
MAX_INFLIGHT=8      # delivery.max_total: transfers in flight at once
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-crash.XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT INT TERM
fail() { echo "70-crash: $*" >&2; exit 1; }

wait_file() {  # wait_file PATH SECONDS
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1)); [ $i -le $(($2 * 10)) ] || fail "timed out waiting for $1"
    sleep 0.1
  done
}

mkdir -p "$T/mail"
/usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
  --pipelining --timeout 1500 2>"$T/smtpd.err" &
pids="$pids $!"
/usr/bin/python3 "$PB_TESTS/lib/chat_server.py" --port-file "$T/chat.port" --log "$T/chat.log" \
  --token "123456:CRASH-token" --timeout 1500 2>"$T/chat.err" &
pids="$pids $!"
wait_file "$T/smtp.port" 30
wait_file "$T/chat.port" 30
SMTP_PORT=$(cat "$T/smtp.port")
CHAT_PORT=$(cat "$T/chat.port")

# 1,000 subscribers, each with its own address, webhook (a secret file) and chat.
/usr/bin/python3 "$PB_TESTS/lib/gen_config.py" --dir "$T" --subscribers "$N" \
  --smtp-port "$SMTP_PORT" --chat-port "$CHAT_PORT" --token-env PB_CRASH_TOKEN \
  --max-total "$MAX_INFLIGHT" --telegram-rate 50
mv "$T/paperboy.conf" "$T/crash.conf"
export PB_CRASH_TOKEN="123456:CRASH-token"
"$PAPERBOY" -c "$T/crash.conf" check >/dev/null || fail "the generated config does not load"

# Kill at random moments: early ones land in the enqueue phase, later ones in delivery (which
# lasts, since Telegram is paced at 50 messages a second in all).
seed=${PB_CRASH_SEED:-$$}
echo "   seed=$seed kills=$KILLS subscribers=$N"
k=0
while [ $k -lt "$KILLS" ]; do
  "$PAPERBOY" -c "$T/crash.conf" run --feed "$FEED" --wait 5 >>"$T/run.out" 2>>"$T/run.err" &
  rp=$!
  # 50..1500 ms, from an awk PRNG so a seed reproduces the kill points
  ms=$(awk -v s="$seed" -v k="$k" 'BEGIN { srand(s + k * 7919); printf "%d", 50 + rand() * 1450 }')
  sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
  if kill -9 "$rp" 2>/dev/null; then
    echo "   kill $k at ${ms} ms" >>"$T/kills"
  fi
  wait "$rp" 2>/dev/null || true
  k=$((k + 1))
done
real_kills=$(wc -l <"$T/kills" 2>/dev/null || echo 0)
[ "$real_kills" -ge 20 ] || fail "only $real_kills runs were still alive to be killed (need 20)"

# Now let it finish: bounded number of complete runs until nothing is pending.
done_ok=0
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  "$PAPERBOY" -c "$T/crash.conf" run --feed "$FEED" --wait 30 >>"$T/run.out" 2>>"$T/run.err" || true
  pending=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0;")
  if [ "$pending" = 0 ]; then done_ok=1; break; fi
done
[ "$done_ok" = 1 ] || fail "messages still pending after 10 complete runs"

integrity=$(sqlite3 "$T/state/paperboy.db" "PRAGMA integrity_check;")
[ "$integrity" = ok ] || fail "integrity_check: $integrity"

sqlite3 -separator ' ' "$T/state/paperboy.db" \
  "select channel, dest, part, n_parts, status from outbox order by channel, dest, part;" \
  > "$T/outbox.txt"
sleep 1   # the peers flush their logs line by line; give the last answers a moment

/usr/bin/python3 - "$T" "$N" "$real_kills" "$MAX_INFLIGHT" <<'EOF'
import collections, hashlib, json, os, sys
t, n, kills, inflight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
problems = []
outbox = [l.split() for l in open(os.path.join(t, "outbox.txt"))]
bad = [o for o in outbox if o[4] != "1"]
if bad:
    problems.append("%d outbox rows not sent, e.g. %s" % (len(bad), bad[:3]))
want = collections.Counter()
for ch, dest, part, nparts, st in outbox:
    want[ch] += 1

# email: accepted transactions per recipient
mail = collections.Counter()
for line in open(os.path.join(t, "mail", "index.jsonl")):
    r = json.loads(line)
    if r.get("status") == 250:
        for rc in r["rcpt"]:
            mail[rc] += 1
# slack per hook, telegram per (chat, text)
slack = collections.Counter()
tg = collections.Counter()
for line in open(os.path.join(t, "chat.log")):
    r = json.loads(line)
    if r.get("status") not in (200, "200"):
        continue
    if r.get("kind") == "slack":
        slack[r.get("hook") or r.get("path")] += 1
    elif r.get("kind") == "telegram":
        body = r.get("body")
        if isinstance(body, str):
            body = json.loads(body)
        key = (str(body["chat_id"]), hashlib.sha1(body["text"].encode()).hexdigest())
        tg[key] += 1

parts = {}
for ch, dest, part, nparts, st in outbox:
    if ch == "telegram":
        parts[dest] = int(nparts)

def check(name, got, expect_keys, expect_each=None):
    missing = [k for k in expect_keys if got.get(k, 0) < 1]
    dups = sum(v - 1 for v in got.values() if v > 1)
    worst = max(got.values()) if got else 0
    if missing:
        problems.append("%s: %d destinations got nothing, e.g. %s" % (name, len(missing), missing[:3]))
    if dups > kills * inflight:
        problems.append("%s: %d duplicates for %d kills of %d transfers in flight"
                        % (name, dups, kills, inflight))
    if worst > 1 + kills:
        problems.append("%s: one message arrived %d times" % (name, worst))
    print("   %-8s %5d destinations, %5d received, %3d duplicates (kills %d)"
          % (name, len(expect_keys), sum(got.values()), dups, kills))

check("email", mail, ["u%04d@example.org" % i for i in range(n)])
hooks = {}
for k, v in slack.items():
    hooks[k.rsplit("/", 1)[-1]] = hooks.get(k.rsplit("/", 1)[-1], 0) + v
check("slack", hooks, ["u%04d" % i for i in range(n)])
# telegram: every part of every chat exactly once (distinct texts per chat = parts)
per_chat = collections.Counter()
for (chat, _h), v in tg.items():
    per_chat[chat] += 1
short = [c for c, p in parts.items() if per_chat.get(c, 0) < p]
if short:
    problems.append("telegram: %d chats miss parts, e.g. %s" % (len(short), short[:3]))
if len(parts) != n:
    problems.append("telegram: %d chats in the outbox, want %d" % (len(parts), n))
check("telegram", tg, list(tg.keys()))
if want["email"] != n:
    problems.append("outbox holds %d emails, want %d" % (want["email"], n))
if problems:
    print("\n".join("   PROBLEM: " + p for p in problems))
    sys.exit(1)
EOF
