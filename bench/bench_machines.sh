#!/bin/sh
# Several machines on one state: N digests (one email each, N subscribers) delivered to an SMTP
# peer that takes 30 ms per message (tests/lib/smtpd.py --slow-after-data 0.03), each
# `paperboy run` with 4 SMTP sessions, measured as whole runs (fetch from the local arXiv stand-in,
# build, deliver; wall time from the start to the last process's exit):
#   A  one machine on SQLite
#   B  one machine on PostgreSQL (tests/lib/pg.sh; a fresh database per run)
#   C  two machines on that PostgreSQL, started together (each its own state_dir)
# in turn A B C A B C ..., BENCH_ROUNDS times (default 3), each figure the median.
# Goals: C >= 1.7x B (the second machine adds its sessions), B >= 0.8x A.
# Without the PostgreSQL backend or server, B is left out and C runs on one SQLite file that
# both state_dirs link to (two processes on one host), and says so.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
N=${BENCH_MACHINES_N:-2000}
ROUNDS=${BENCH_ROUNDS:-3}
S=4
PB_TESTS=$(cd "$(dirname "$0")/../tests" && pwd)
export PB_TESTS
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-bench-machines.XXXXXX) || exit 1
SRV= SMTP= PGDIR=
cleanup() {
  for p in $SRV $SMTP; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "$PGDIR" ] && sh "$PB_TESTS/lib/pg.sh" stop "$PGDIR" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "bench_machines: $*" >&2; exit 1; }
wait_file() {
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1)); [ $i -le 300 ] || fail "timed out waiting for $1"
    sleep 0.1
  done
}
. "$PB_TESTS/lib/multi.sh"
MULTI_SESSIONS=$S

$PY "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" --log "$T/requests.json" \
  --fixtures "$PB_FIXTURES" 2>"$T/arxiv.err" &
SRV=$!
mkdir -p "$T/mail"
SMTP_CMD="$PY $PB_TESTS/lib/smtpd.py --port-file $T/smtp.port --save-dir $T/mail --slow-after-data 0.03 --pipelining --timeout 3000"
# shellcheck disable=SC2086
$SMTP_CMD 2>"$T/smtpd.err" &
SMTP=$!
wait_file "$T/arxiv.port"
wait_file "$T/smtp.port"
AP=$(cat "$T/arxiv.port")
SP=$(cat "$T/smtp.port")

PG=0
if multi_has_pg "$T"; then
  eval "$(sh "$PB_TESTS/lib/pg.sh" start)" || fail "cannot start PostgreSQL"
  PGDIR=$PB_PG_DIR
  PSQL=$(ls /usr/lib/postgresql/*/bin/psql | tail -n 1)
  PG=1
fi

now() { $PY -c 'import time; print("%.3f" % time.time())'; }
# trial KIND ROUND: one run of A, B or C on a fresh state; prints the rate (messages/s).
trial() {
  k=$(echo "$1$2" | tr A-Z a-z)
  d="$T/$k"
  mkdir -p "$d"
  if [ "$1" = A ] || { [ "$1" = C ] && [ $PG = 0 ]; }; then
    MULTI_BACKEND=sqlite
    mkdir -p "$d/shared"
  else
    MULTI_BACKEND=postgresql
    "$PSQL" "$PB_PG_CONNINFO" -q -c "CREATE DATABASE $k" >/dev/null || fail "createdb"
    PB_PG_CONNINFO_SAVED=$PB_PG_CONNINFO
    PB_PG_CONNINFO=$(echo "$PB_PG_CONNINFO" | sed "s/dbname=[^ ]*/dbname=$k/")
  fi
  multi_conf "$d" alpha "$AP" "$SP" "$N" >"$d/a.conf"
  [ "$1" = C ] && multi_conf "$d" beta "$AP" "$SP" "$N" >"$d/b.conf"
  [ "$MULTI_BACKEND" = postgresql ] && PB_PG_CONNINFO=$PB_PG_CONNINFO_SAVED
  t0=$(now)
  "$PAPERBOY" -c "$d/a.conf" run >"$d/a.out" 2>"$d/a.log" &
  pa=$!
  pb=
  if [ "$1" = C ]; then
    "$PAPERBOY" -c "$d/b.conf" run >"$d/b.out" 2>"$d/b.log" &
    pb=$!
  fi
  wait "$pa" || fail "$1: alpha failed: $(tail -n 3 "$d/a.log")"
  [ -n "$pb" ] && { wait "$pb" || fail "$1: beta failed: $(tail -n 3 "$d/b.log")"; }
  t1=$(now)
  sent=$(cat "$d"/*.log | grep -c 'event=deliver.attempt.*status=sent')
  [ "$sent" -eq "$N" ] || fail "$1: $sent sent, want $N"
  # the stages of alpha's run (run.done), to say where the time went
  sed -n 's/.*event=run.done .* build_ms=\([0-9]*\) .* deliver_ms=\([0-9]*\).*/\1 \2/p' "$d/a.log" |
    tail -n 1 >>"$T/stages.$1"
  find "$T/mail" -name '*.eml' -delete
  $PY -c "print('%.1f' % ($N / ($t1 - $t0)))"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

RA="" RB="" RC=""
r=0
while [ $r -lt "$ROUNDS" ]; do
  RA="$RA $(trial A $r)" || exit 1
  [ $PG = 1 ] && { RB="$RB $(trial B $r)" || exit 1; }
  RC="$RC $(trial C $r)" || exit 1
  r=$((r + 1))
done
MA=$(echo "$RA" | median)
MC=$(echo "$RC" | median)
echo "$N digests (one email each), SMTP peer 30 ms per message, $S sessions per machine;"
echo "whole runs, median of $ROUNDS alternating rounds (A B C ...), messages/s:"
echo "  A one machine, SQLite        $MA   (runs:$RA)"
if [ $PG = 1 ]; then
  MB=$(echo "$RB" | median)
  echo "  B one machine, PostgreSQL    $MB   (runs:$RB)"
  echo "  C two machines, PostgreSQL   $MC   (runs:$RC)"
  echo "  two machines / one (C/B)     $($PY -c "print('%.2f' % ($MC / $MB))")  (goal >= 1.7)"
  echo "  PostgreSQL / SQLite (B/A)    $($PY -c "print('%.2f' % ($MB / $MA))")  (goal >= 0.8)"
else
  echo "  (no PostgreSQL backend or server: B left out, C on one shared SQLite file)"
  echo "  C two machines, SQLite file  $MC   (runs:$RC)"
  echo "  two machines / one (C/A)     $($PY -c "print('%.2f' % ($MC / $MA))")  (goal >= 1.7)"
fi
for k in A B C; do
  [ -s "$T/stages.$k" ] || continue
  echo "  $k alpha's stages, median: build_ms $(cut -d' ' -f1 "$T/stages.$k" | median)," \
    "deliver_ms $(cut -d' ' -f2 "$T/stages.$k" | median)"
done
echo "commands:"
echo "  $PY $PB_TESTS/lib/arxiv_server.py --port-file P --log L --fixtures \$PB_FIXTURES"
echo "  $SMTP_CMD"
echo "  $PAPERBOY -c a.conf run   (A, B; with C also: $PAPERBOY -c b.conf run, at once)"
echo "  configs: tests/lib/multi.sh multi_conf (N=$N subscribers, delivery.max_total ="
echo "  max_per_host = $S, state.machine alpha / beta)"
