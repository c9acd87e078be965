#!/bin/sh
# The state under SIGKILL: tests/tools/state_crash enqueues 2 parts for each of 1,500
# subscribers (one transaction per subscriber, as a cycle does) and "sends" them (append to a
# log, then mark sent). It is killed with SIGKILL at 25 random points and started again each
# time, then left to finish. Checks: every message was sent (nothing lost), at most one
# repeat per kill (the message in flight; two kills may hit the same one), every message is marked sent, the ledger is
# complete, and PRAGMA integrity_check stays ok after every kill.
set -u
: "${BUILD:?}"
TOOL="$BUILD/tests/tools/state_crash"
[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built" >&2; exit 1; }
T=$(mktemp -d /tmp/pb-crash.XXXXXX) || exit 1
P=
trap '[ -n "$P" ] && kill -9 "$P" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
die() { echo "FAIL: $*" >&2; exit 1; }
N=1500
KILLS=25
seed=$$
kills=0
for k in $(seq 1 $KILLS); do
  # A pseudo-random delay of 20..400 ms, different at each round.
  seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
  ms=$(( 20 + seed % 381 ))
  "$TOOL" "$T/paperboy.db" $N "$T/sent.log" 2>>"$T/tool.err" &
  P=$!
  sleep "$(printf '0.%03d' "$ms")"
  if kill -9 "$P" 2>/dev/null; then
    kills=$((kills + 1))
  fi
  wait "$P" 2>/dev/null
  P=
  [ "$(sqlite3 "$T/paperboy.db" 'PRAGMA integrity_check' 2>&1)" = ok ] ||
    die "integrity_check after kill $k: $(sqlite3 "$T/paperboy.db" 'PRAGMA integrity_check' 2>&1)"
done
# Finish: bounded (generous for ASan).
"$TOOL" "$T/paperboy.db" $N "$T/sent.log" 2>>"$T/tool.err" &
P=$!
i=0
while kill -0 "$P" 2>/dev/null; do
  i=$((i + 1))
  [ $i -gt 1200 ] && die "the last run did not finish within 120 s"
  sleep 0.1
done
wait "$P" || die "the last run failed: $(tail -n 5 "$T/tool.err")"
P=

want=$((N * 2))
distinct=$(sort -u "$T/sent.log" | wc -l)
total=$(wc -l <"$T/sent.log")
dups=$((total - distinct))
[ "$distinct" -eq "$want" ] || die "sent $distinct distinct messages, want $want"
[ "$dups" -le "$kills" ] || die "$dups repeats for $kills kills"
q() { sqlite3 "$T/paperboy.db" "$1"; }
[ "$(q 'SELECT COUNT(*) FROM outbox')" -eq "$want" ] || die "outbox rows: $(q 'SELECT COUNT(*) FROM outbox')"
[ "$(q 'SELECT COUNT(*) FROM outbox WHERE status = 1')" -eq "$want" ] || die "not all marked sent"
[ "$(q 'SELECT COUNT(*) FROM ledger')" -eq "$N" ] || die "ledger rows: $(q 'SELECT COUNT(*) FROM ledger')"
[ "$(q 'PRAGMA integrity_check')" = ok ] || die "final integrity_check"
echo "   $kills kills, $want messages, $dups repeated (one in flight per kill at most)"
exit 0
