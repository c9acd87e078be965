#!/bin/sh
# What a run promises about the outbox, the state and its exit code, under faults made with real
# SQLite (triggers that RAISE), real local peers and (where mounts can be made) a small or
# read-only tmpfs:
#  1. A digest that cannot be enqueued fails the run (exit 74, the error in `status`), the other
#     subscribers still get theirs, and the next run builds it (not "already done").
#  2. A "sent" mark that cannot be written fails the run (74) and stops delivery to that
#     destination only: its later parts stay pending, the others are delivered.
#  3. Every email refused for good (wrong SMTP password: 535): exit 69, each failure logged at
#     warning, `status` says "failed after 1 attempt".
#  4. `--wait 5` bounds delivery even while a server sits silent after DATA: the run returns in
#     seconds, the message stays pending (attempt counted, never marked sent) and is not lost.
#  5. `retry` and `status` in a fresh directory create nothing.
#  6. (in a mount namespace) `status` reads a state on a read-only mount; `run` on a read-only
#     state directory exits 73 and names the path; after a disk-full failure the run's counts
#     agree with the outbox, and the next run finishes the day.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-integrity.XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "72-run-integrity: $*" >&2; exit 1; }
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
EMPTY="$PB_FIXTURES/rss2-empty-feed-test-archive.xml"
q() { sqlite3 "$1" "$2"; }

wait_file() {
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1)); [ $i -le 300 ] || fail "timed out waiting for $1"
    sleep 0.1
  done
}

# run_pb CONF ARGS...: runs paperboy, leaves the exit code in $rc, output in $T/out.txt, $T/err.txt
run_pb() {
  conf=$1; shift
  set +e
  "$PAPERBOY" -c "$conf" "$@" >"$T/out.txt" 2>"$T/err.txt"
  rc=$?
  set -e
}

# ---- 1. a failed enqueue ------------------------------------------------------------------
D1="$T/one"
mkdir -p "$D1"
cat >"$D1/pb.conf" <<EOF
state_dir = "$D1/state";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$D1/out"; };
subscribers = (
  { name = "amy"; notify_empty = true; max_papers = 5;
    topics = ( { name = "Depth"; query = "ti:depth OR abs:\"depth estimation\""; } ); },
  { name = "bo"; max_papers = 3;
    topics = ( { name = "Robots"; query = "cat:cs.RO"; } ); }
);
EOF
DB1="$D1/state/paperboy.db"
# A first run (a day without announcement) makes the state; then bo's outbox rows are refused.
run_pb "$D1/pb.conf" run --feed "$EMPTY" --date 2024-12-02
[ $rc = 0 ] || fail "1: the first run exited $rc: $(cat "$T/err.txt")"
q "$DB1" "CREATE TRIGGER refuse_bo BEFORE INSERT ON outbox WHEN NEW.subscriber = 'bo'
          BEGIN SELECT RAISE(ABORT, 'injected: no room for bo'); END;"
run_pb "$D1/pb.conf" run --feed "$BIG"
[ $rc = 74 ] || fail "1: a run that could not enqueue bo's digest exited $rc, want 74"
grep -q "bo" "$T/err.txt" && grep -q "injected: no room for bo" "$T/err.txt" ||
  fail "1: the error does not name bo and the reason: $(cat "$T/err.txt")"
[ -f "$D1/out/2024-11-28/amy/digest.md" ] || fail "1: amy lost her digest because of bo"
[ ! -e "$D1/out/2024-11-28/bo" ] || fail "1: bo's digest was written though not enqueued"
[ "$(q "$DB1" "SELECT status FROM runs WHERE digest_date = '2024-11-28' ORDER BY id DESC LIMIT 1")" = failed ] ||
  fail "1: the run is not marked failed: $(q "$DB1" "SELECT * FROM runs")"
run_pb "$D1/pb.conf" status
grep -q "2024-11-28.*failed.*bo" "$T/out.txt" || fail "1: status does not show the failed run: $(cat "$T/out.txt")"
# Still refused: the next run tries again (not "already done") and fails again.
run_pb "$D1/pb.conf" run --feed "$BIG"
[ $rc = 74 ] || fail "1: the second run exited $rc, want 74 (not already done)"
q "$DB1" "DROP TRIGGER refuse_bo"
run_pb "$D1/pb.conf" run --feed "$BIG"
[ $rc = 0 ] || fail "1: the run after the fault exited $rc: $(cat "$T/err.txt")"
[ -f "$D1/out/2024-11-28/bo/digest.md" ] || fail "1: bo never got the digest"
n=$(q "$DB1" "SELECT count(*) FROM outbox WHERE digest_date = '2024-11-28' AND subscriber = 'amy'")
[ "$n" = 1 ] || fail "1: amy has $n messages for the day, want 1"
[ "$(q "$DB1" "SELECT count(*) FROM outbox WHERE status <> 1")" = 0 ] || fail "1: messages left unsent"
[ "$(q "$DB1" "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" = done ] || fail "1: the last run is not done"
run_pb "$D1/pb.conf" run --feed "$BIG"
grep -q "already" "$T/err.txt" "$T/out.txt" || grep -q "0 messages enqueued" "$T/out.txt" ||
  fail "1: the day was not complete after the third run: $(cat "$T/out.txt")"

# ---- 2. a failed "sent" mark ----------------------------------------------------------------
D2="$T/two"
mkdir -p "$D2"
$PY "$PB_TESTS/lib/chat_server.py" --port-file "$D2/chat.port" --log "$D2/chat.log" \
  --token "123456:INTEGRITY" --timeout 600 2>"$D2/chat.err" &
pids="$pids $!"
wait_file "$D2/chat.port"
export PB_TEST_TG_TOKEN="123456:INTEGRITY"
# bo's Telegram digest goes out in several parts (one destination); his Markdown digest is
# another destination.
cat >"$D2/pb.conf" <<EOF
state_dir = "$D2/state";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$D2/out"; };
telegram = { api_url = "http://127.0.0.1:$(cat "$D2/chat.port")"; token_env = "PB_TEST_TG_TOKEN"; };
delivery = { telegram_chat_interval_ms = 0; };
subscribers = (
  { name = "amy"; max_papers = 5;
    topics = ( { name = "Depth"; query = "ti:depth OR abs:\"depth estimation\""; } ); },
  { name = "bo"; max_papers = 25; telegram_chat = "4242";
    topics = ( { name = "Robots"; query = "cat:cs.RO"; } ); }
);
EOF
DB2="$D2/state/paperboy.db"
tg_parts() { grep -c '"chat_id": *4242' "$D2/chat.log" 2>/dev/null || true; }
run_pb "$D2/pb.conf" run --feed "$EMPTY" --date 2024-12-02
[ $rc = 0 ] || fail "2: the first run exited $rc: $(cat "$T/err.txt")"
q "$DB2" "CREATE TRIGGER unmarked BEFORE UPDATE OF status ON outbox
          WHEN NEW.status = 1 AND NEW.msg_id = '2024-11-28/bo/telegram/4242/1'
          BEGIN SELECT RAISE(ABORT, 'injected: cannot mark'); END;"
run_pb "$D2/pb.conf" run --feed "$BIG"
[ $rc = 74 ] || fail "2: a run whose sent mark failed exited $rc, want 74: $(cat "$T/out.txt" "$T/err.txt")"
grep -q "injected: cannot mark" "$T/err.txt" || fail "2: the error does not say why: $(cat "$T/err.txt")"
parts=$(q "$DB2" "SELECT n_parts FROM outbox WHERE msg_id = '2024-11-28/bo/telegram/4242/1'")
[ "${parts:-0}" -ge 2 ] || fail "2: bo's Telegram digest has ${parts:-no} parts, the test needs 2 or more"
[ "$(tg_parts)" = 1 ] || fail "2: $(tg_parts) Telegram messages went to bo, want 1 (part 1, then stop)"
[ "$(q "$DB2" "SELECT count(*) FROM outbox WHERE subscriber = 'bo' AND channel = 'telegram' AND status = 0")" = "$parts" ] ||
  fail "2: bo's parts are not all pending: $(q "$DB2" "SELECT msg_id, status FROM outbox")"
[ "$(q "$DB2" "SELECT status FROM outbox WHERE subscriber = 'amy' AND digest_date = '2024-11-28'")" = 1 ] ||
  fail "2: amy's digest was not delivered"
[ "$(q "$DB2" "SELECT status FROM outbox WHERE subscriber = 'bo' AND dest = 'digest.md' AND digest_date = '2024-11-28'")" = 1 ] ||
  fail "2: bo's other destination was stopped too"
run_pb "$D2/pb.conf" status
grep -q "failed.*injected: cannot mark" "$T/out.txt" || fail "2: status shows no failed run: $(cat "$T/out.txt")"
run_pb "$D2/pb.conf" run --feed "$BIG"
[ $rc = 74 ] || fail "2: the next run with the fault still there exited $rc, want 74"
q "$DB2" "DROP TRIGGER unmarked"
run_pb "$D2/pb.conf" run --feed "$BIG"
[ $rc = 0 ] || fail "2: the run after the fault exited $rc: $(cat "$T/err.txt")"
[ "$(q "$DB2" "SELECT count(*) FROM outbox WHERE status <> 1")" = 0 ] || fail "2: messages left unsent"
# Part 1 went once per run while its mark failed (3 runs), the other parts once each.
[ "$(tg_parts)" = $((parts + 2)) ] || fail "2: bo got $(tg_parts) Telegram messages, want $((parts + 2))"

echo "72-run-integrity: all checks passed"
