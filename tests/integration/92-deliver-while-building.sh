#!/bin/sh
# Delivery starts with the build (src/run.c, "delivering while building"): 2,000 subscribers'
# digests (600 in 2 and 3) from the 1,504-item day to an SMTP peer that keeps every message.
# The first run's build is long enough (about 0.3 s here) that a delivery, its mark committed
# beside the build's writes, comes before its end even on a busy machine.
#  1. One run: every digest is delivered exactly once, the first delivery comes before the
#     last digest is enqueued, and run.done counts every message sent.
#  2. A run stopped with SIGTERM while it builds and delivers: it ends within seconds, and the
#     next run sends the rest; no digest goes twice, none is missing.
#  3. An SMTP server that falls silent after DATA: `run --wait 3` still returns within seconds
#     of the build's end (what is in flight is cut off, never marked sent), not after the
#     server's 120 s timeout.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=600
N1=2000
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-follow.XXXXXX) || exit 1
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "92-deliver-while-building: $*" >&2; exit 1; }
wait_file() { i=0; while [ ! -s "$1" ]; do i=$((i + 1)); [ $i -le 300 ] || die "no $1"; sleep 0.1; done; }

$PY "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" --log "$T/arxiv.log" \
  --fixtures "$PB_FIXTURES" --rss rss2-all-archives-2024-11-28-1504items.xml 2>/dev/null &
pids="$pids $!"
mkdir -p "$T/mail1" "$T/mail2" "$T/mail3"
for k in 1 2; do
  $PY "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp$k.port" --save-dir "$T/mail$k" \
    --pipelining --timeout 300 2>"$T/smtpd$k.err" &
  pids="$pids $!"
done
$PY "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp3.port" --save-dir "$T/mail3" \
  --silent-after-data --timeout 300 2>"$T/smtpd3.err" &
pids="$pids $!"
wait_file "$T/arxiv.port"; wait_file "$T/smtp1.port"; wait_file "$T/smtp2.port"
wait_file "$T/smtp3.port"
AP=$(cat "$T/arxiv.port")
for k in 1 2 3; do
  mkdir -p "$T/d$k"
  n=$N; [ $k != 1 ] || n=$N1
  $PY "$PB_TESTS/lib/gen_config.py" --dir "$T/d$k" --subscribers $n \
    --smtp-port "$(cat "$T/smtp$k.port")" --chat-port 9 --topics 3 --max-papers 10 \
    --email-only --max-total 4 --rss-url "http://127.0.0.1:$AP/rss" \
    --api-url "http://127.0.0.1:$AP/api/query" || die "gen_config failed"
done

# once_each DIR [COUNT]: every message delivered once (250), COUNT (default N) of them
once_each() {
  $PY - "$1/index.jsonl" "${2:-$N}" <<'PY'
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ids = collections.Counter(r.get("message_id") for r in rows if str(r.get("status", "")).startswith("250"))
twice = [k for k, v in ids.items() if v > 1]
if twice:
    sys.exit("delivered twice: %s" % twice[:3])
if len(ids) != int(sys.argv[2]):
    sys.exit("delivered %d distinct messages, want %s" % (len(ids), sys.argv[2]))
PY
}

# 1
"$PAPERBOY" -c "$T/d1/paperboy.conf" run --wait 60 >"$T/run1.out" 2>"$T/run1.log" ||
  die "run exited $?: $(tail -3 "$T/run1.log")"
once_each "$T/mail1" $N1 || die "1: the deliveries are wrong"
first=$(grep -n 'event=deliver.attempt' "$T/run1.log" | head -1 | cut -d: -f1)
last=$(grep -n 'event=digest.enqueued' "$T/run1.log" | tail -1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$last" ] || die "1: no delivery or no digest in the log"
[ "$first" -lt "$last" ] || die "1: the first delivery (line $first) came after the last digest (line $last)"
grep -q "event=run.done .* digests=$N1 messages=$N1 sent=$N1 failed=0 pending=0" "$T/run1.log" ||
  die "1: run.done does not count every message: $(grep run.done "$T/run1.log")"

# 2
"$PAPERBOY" -c "$T/d2/paperboy.conf" run --wait 60 >"$T/run2.out" 2>"$T/run2.log" &
P=$!
pids="$pids $P"
i=0
until grep -q 'event=deliver.attempt' "$T/run2.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -le 600 ] || die "2: nothing delivered within 60 s"; sleep 0.1
done
kill -TERM $P
i=0
while kill -0 $P 2>/dev/null; do
  i=$((i + 1)); [ $i -le 300 ] || die "2: the run did not stop within 30 s of SIGTERM"; sleep 0.1
done
wait $P
"$PAPERBOY" -c "$T/d2/paperboy.conf" run --wait 60 >"$T/run3.out" 2>"$T/run3.log" ||
  die "2: the run after the stop exited $?: $(tail -3 "$T/run3.log")"
once_each "$T/mail2" || die "2: the deliveries are wrong after a stop"

# 3
t0=$(date +%s)
timeout 100 "$PAPERBOY" -c "$T/d3/paperboy.conf" run --wait 3 >"$T/run4.out" 2>"$T/run4.log"
rc=$?
took=$(($(date +%s) - t0))
[ $rc != 124 ] || die "3: run --wait 3 was still delivering after 100 s"
[ $took -le 30 ] || die "3: run --wait 3 took $took s"
grep -q '"status": 0' "$T/mail3/index.jsonl" 2>/dev/null ||
  die "3: no message reached the silent server"
grep -q "event=run.done .* sent=0 " "$T/run4.log" ||
  die "3: something counts as sent: $(grep run.done "$T/run4.log")"
echo "   $N1 digests, the first sent before the last was enqueued; after SIGTERM the next run sent the rest, none twice; --wait 3 with a silent server: $took s"
