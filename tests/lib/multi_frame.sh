# The frame of the tests of several machines (sourced; POSIX sh): the traps, and
#   cleanup          stops A, B, WEB, SRV, SMTP, CHAT (the pids the test sets) and PGDIR's
#                    server, removes T;
#   die MSG          names MULTI_NAME, shows the tails of T's logs, exits 1;
#   wait_file PATH SECONDS, wait_exit PID SECONDS (sets rc; 1 when it did not exit).
cleanup() {
  for p in ${A:-} ${B:-} ${WEB:-} ${SRV:-} ${SMTP:-} ${CHAT:-}; do kill "$p" 2>/dev/null; done
  for p in ${A:-} ${B:-} ${WEB:-} ${SRV:-} ${SMTP:-} ${CHAT:-}; do wait "$p" 2>/dev/null; done
  [ -n "${PGDIR:-}" ] && sh "$PB_TESTS/lib/pg.sh" stop "$PGDIR" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() {
  echo "$MULTI_NAME: $*" >&2
  for f in "$T"/*.log "$T"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 12 "$f" >&2; }; done
  exit 1
}
wait_file() {  # wait_file PATH SECONDS
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1)); [ $i -le $(($2 * 10)) ] || die "timed out waiting for $1"
    sleep 0.1
  done
}
wait_exit() {   # wait_exit PID SECONDS -> sets rc
  i=0
  while kill -0 "$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -le $(($2 * 10)) ] || return 1
    sleep 0.1
  done
  wait "$1"; rc=$?
  return 0
}
