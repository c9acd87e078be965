#!/bin/sh
# Delivery throughput, measured in one run against the same local peers:
#  - 10,000 personalised digest-sized emails through pb_deliver_run (tests/tools/deliver_drive)
#    to Postfix's smtp-sink on 127.0.0.1, and Postfix's smtp-source sending the same number of
#    messages of the same size (one of paperboy's messages, via -F) with the same number of
#    sessions to the same sink; both rates, their ratio, paperboy's peak memory.
#  - 10,000 Telegram messages to the local Bot API stand-in with pacing switched off.
# TLS is off for the SMTP part (tls = "none"): smtp-source speaks no TLS.
# smtp-sink offers PIPELINING, which paperboy uses and smtp-source cannot ("No SMTP command
# pipelining support", smtp-source(1)); so paperboy is also measured against a second sink
# started with -p (no PIPELINING), where it takes the same four round trips per message.
# Each figure is the median of BENCH_ROUNDS (3) rounds, paperboy and smtp-source alternating.
# Targets: paperboy >= 0.6x smtp-source, peak memory < 150 MB.
set -eu
: "${BUILD:?BUILD must name the build directory}"
N=${BENCH_N:-10000}
S=${BENCH_SESSIONS:-8}
SIZE=${BENCH_TEXT_SIZE:-12000}
DRIVE="$BUILD/tests/tools/deliver_drive"
PY=/usr/bin/python3
LIB="$(cd "$(dirname "$0")/../tests/lib" && pwd)"
T=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "bench_deliver: $*" >&2; exit 1; }
[ -x "$DRIVE" ] || fail "missing $DRIVE (make tools)"
[ -x /usr/sbin/smtp-sink ] && [ -x /usr/sbin/smtp-source ] || fail "needs postfix's smtp-sink and smtp-source"
cd "$T"

now() { $PY -c 'import time; print("%.3f" % time.time())'; }
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SINK_USER=""
[ "$(id -u)" = 0 ] && SINK_USER="-u nobody"
# shellcheck disable=SC2086
/usr/sbin/smtp-sink $SINK_USER 127.0.0.1:"$PORT" 1024 &
pids="$pids $!"
i=0
until $PY -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1).close()" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "smtp-sink did not start"; sleep 0.1
done

# The same sink without PIPELINING.
PORT2=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
/usr/sbin/smtp-sink -p $SINK_USER 127.0.0.1:"$PORT2" 1024 &
pids="$pids $!"
i=0
until $PY -c "import socket; socket.create_connection(('127.0.0.1',$PORT2),1).close()" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "smtp-sink -p did not start"; sleep 0.1
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}'; }
ROUNDS=${BENCH_ROUNDS:-3}

# ---- paperboy: enqueue (pb_mail_build + pb_outbox_put) and deliver in one process ----
PB_CMD="$DRIVE --db $T/mail.db --smtp smtp://127.0.0.1:$PORT --tls none --email $N --size $SIZE --max-total $S --max-host $S --max-wait 5 --quiet"
PLAIN_CMD="$DRIVE --db $T/plain.db --smtp smtp://127.0.0.1:$PORT2 --tls none --email $N --size $SIZE --max-total $S --max-host $S --max-wait 5 --quiet"
SRC_CMD="/usr/sbin/smtp-source -s $S -m $N -d -F $T/sample.eml -f digest@lab.test.example -t s00000@test.example -M localhost 127.0.0.1:$PORT"
pb_rates=""; pb_ms=""; mems=""; plain_rates=""; src_rates=""; r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	# A: paperboy, a fresh state each round
	rm -f "$T"/mail.db* "$T"/plain.db*
	# shellcheck disable=SC2086
	/usr/bin/time -f %M -o mem.txt $PB_CMD > pb.out 2> pb.err || { cat pb.err >&2; fail "paperboy run failed"; }
	grep -q "sent=$N " pb.out || { cat pb.out >&2; fail "paperboy did not send all $N"; }
	pb_rates="$pb_rates $(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' pb.out)"
	pb_ms="$pb_ms $(sed -n 's/.* deliver_ms=\([0-9]*\).*/\1/p' pb.out)"
	mems="$mems $(tail -n 1 mem.txt)"
	if [ $r = 1 ]; then
		# One of paperboy's messages, as smtp-source -F wants it (LF line ends; it adds
		# the CRs), as the state returns it (tests/tools/outbox_dump: bodies are chunks).
		sqlite3 "$T/mail.db" "SELECT msg_id FROM outbox ORDER BY rowid LIMIT 1" >first.id
		"$BUILD/tests/tools/outbox_dump" "$T/mail.db" . <first.id >/dev/null || fail "outbox_dump failed"
		MSG_BYTES=$($PY - 000001.out sample.eml <<'PYEOF'
import sys
p = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(p.replace(b"\r\n", b"\n"))
print(len(p))
PYEOF
)
	fi
	# A': the same without PIPELINING
	# shellcheck disable=SC2086
	$PLAIN_CMD > plain.out 2> plain.err || { cat plain.err >&2; fail "paperboy run (no pipelining) failed"; }
	grep -q "sent=$N " plain.out || { cat plain.out >&2; fail "paperboy (no pipelining) did not send all $N"; }
	plain_rates="$plain_rates $(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' plain.out)"
	# B: smtp-source, same count, same message, same sessions, same sink
	t0=$(now)
	# shellcheck disable=SC2086
	$SRC_CMD > src.out 2>&1 || { cat src.out >&2; fail "smtp-source failed"; }
	t1=$(now)
	src_rates="$src_rates $($PY -c "print('%.1f' % ($N / ($t1 - $t0)))")"
done
PB_RATE=$(echo "$pb_rates" | median)
PB_MS=$(echo "$pb_ms" | median)
MEM_KB=$(echo "$mems" | median | cut -d. -f1)
PLAIN_RATE=$(echo "$plain_rates" | median)
SRC_RATE=$(echo "$src_rates" | median)
RATIO=$($PY -c "print('%.2f' % ($PB_RATE / $SRC_RATE))")
PLAIN_RATIO=$($PY -c "print('%.2f' % ($PLAIN_RATE / $SRC_RATE))")

# ---- Telegram: 10,000 messages to the local stand-in, pacing off ----
TOKEN="123456:BENCH-token"
$PY "$LIB/chat_server.py" --port-file tg.port --log tg.jsonl --token "$TOKEN" --timeout 900 &
pids="$pids $!"
i=0
while [ ! -s tg.port ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "chat server did not start"; sleep 0.1; done
TP=$(cat tg.port)
TG_CMD="$DRIVE --db $T/tg.db --telegram-api http://127.0.0.1:$TP --token *** --telegram $N --no-pacing --max-total $S --max-host $S --max-wait 5 --quiet"
tg_rates=""; tg_mems=""; r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	rm -f "$T"/tg.db*
	# shellcheck disable=SC2086
	/usr/bin/time -f %M -o tgmem.txt $(echo "$TG_CMD" | sed "s/\*\*\*/$TOKEN/") > tg.out 2> tg.err \
		|| { cat tg.err >&2; fail "telegram run failed"; }
	grep -q "sent=$N " tg.out || { cat tg.out >&2; fail "telegram: not all sent"; }
	tg_rates="$tg_rates $(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' tg.out)"
	tg_mems="$tg_mems $(tail -n 1 tgmem.txt)"
done
TG_RATE=$(echo "$tg_rates" | median)
TG_MEM=$(echo "$tg_mems" | median | cut -d. -f1)

echo "medians of $ROUNDS rounds, alternating A A' B (email) and then Telegram"
echo "email: $N messages of $MSG_BYTES bytes, $S sessions, smtp-sink on 127.0.0.1"
echo "  paperboy (pb_deliver_run)  $PB_RATE msgs/s  (${PB_MS} ms delivering; runs:$pb_rates; last: $(cat pb.out))"
echo "  paperboy, sink without PIPELINING (-p)  $PLAIN_RATE msgs/s  (runs:$plain_rates)"
echo "  smtp-source (never pipelines)           $SRC_RATE msgs/s  (runs:$src_rates)"
echo "  ratio paperboy/smtp-source $RATIO  (target >= 0.6); without PIPELINING $PLAIN_RATIO"
echo "  paperboy peak memory       $((MEM_KB / 1024)) MB ($MEM_KB KB, target < 150 MB)"
echo "telegram: $N messages to the local Bot API stand-in, pacing off, $S connections"
echo "  paperboy                   $TG_RATE msgs/s, peak memory $((TG_MEM / 1024)) MB  (runs:$tg_rates)"
echo "commands:"
echo "  /usr/sbin/smtp-sink $SINK_USER 127.0.0.1:PORT 1024"
echo "  /usr/bin/time -f %M $PB_CMD"
echo "  /usr/sbin/smtp-sink -p $SINK_USER 127.0.0.1:PORT2 1024"
echo "  $PLAIN_CMD"
echo "  $SRC_CMD"
echo "  /usr/bin/python3 tests/lib/chat_server.py --port-file tg.port --log tg.jsonl --token ***"
echo "  /usr/bin/time -f %M $TG_CMD"
