#!/bin/sh
# What a run promises about the outbox, the state and its exit code, under faults made with real
# SQLite (triggers that RAISE), real local peers and (where mounts can be made) a small or
# read-only tmpfs:
#  1. A digest that cannot be enqueued fails the run (exit 74, the error in `status`), the other
#     subscribers still get theirs, and the next run builds it (not "already done"); the same
#     with flipped bytes in the database.
#  2. A "sent" mark that cannot be written fails the run (74) and stops delivery to that
#     destination only: its later parts stay pending, the others are delivered; the message
#     sent but not recorded is a warning that it may be sent again.
#  3. Every email's session refused (wrong SMTP password: 535): exit 69, the refusal logged as
#     an error, the messages deferred (pending, `status` shows the 535) and sent by the next
#     run once the password is mended, without `retry`.
#  4. `--wait 5` bounds delivery even while an SMTP server sits silent after DATA and a Slack
#     webhook never answers: the run returns in seconds, both messages stay pending (attempt
#     counted, never marked sent), nothing is lost.
#  5. `retry` and `status` in a fresh directory create nothing.
#  6. (in a mount namespace) `status` reads a state on a read-only mount; `run` on a read-only
#     state directory exits 73 and names the path; after a disk-full failure the run's counts
#     agree with the outbox, and the next run finishes the day; on a disk with no room at all
#     `run`, the daemon and `state migrate` exit 73 (not 75, "try again later") and say the
#     disk is full, and so does SQLite's "disk I/O error".
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
amy_msgs=$(q "$DB1" "SELECT count(*) FROM outbox WHERE digest_date = '2024-11-28' AND subscriber = 'amy'")
[ "$amy_msgs" -ge 1 ] || fail "1: amy has no messages for the day"
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
[ "$n" = "$amy_msgs" ] || fail "1: amy has $n messages for the day, want $amy_msgs (none enqueued twice)"
[ "$(q "$DB1" "SELECT count(*) FROM outbox WHERE status <> 1")" = 0 ] || fail "1: messages left unsent"
[ "$(q "$DB1" "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" = done ] || fail "1: the last run is not done"
run_pb "$D1/pb.conf" run --feed "$BIG"
grep -q "already" "$T/err.txt" "$T/out.txt" || grep -q "0 messages enqueued" "$T/out.txt" ||
  fail "1: the day was not complete after the third run: $(cat "$T/out.txt")"

# 1b. Flipped bytes in the page that holds the payloads: the same, the error says so.
D1B="$T/oneb"
mkdir -p "$D1B"
sed "s|$D1/|$D1B/|g" "$D1/pb.conf" >"$D1B/pb.conf"
run_pb "$D1B/pb.conf" run --feed "$EMPTY" --date 2024-12-02
[ $rc = 0 ] || fail "1b: the first run exited $rc: $(cat "$T/err.txt")"
$PY - "$D1B/state/paperboy.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'outbox_body'").fetchone()[0]
size = db.execute("PRAGMA page_size").fetchone()[0]
db.close()
with open(sys.argv[1], "r+b") as f:
    f.seek((page - 1) * size)
    f.write(b"\x99\xff\xff\xff")   # no such b-tree page type
EOF
run_pb "$D1B/pb.conf" run --feed "$BIG"
[ $rc = 74 ] || fail "1b: a run on a damaged database exited $rc, want 74: $(cat "$T/out.txt")"
grep -q "malformed" "$T/err.txt" || fail "1b: the error does not say the database is damaged: $(grep -v level=info "$T/err.txt")"
run_pb "$D1B/pb.conf" status
grep -q "2024-11-28.*failed.*malformed" "$T/out.txt" || fail "1b: status does not show the failed run: $(cat "$T/out.txt")"

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
# sent but not recorded: it goes again, and the line saying so is a warning with its part
grep -q "level=warn event=deliver.attempt subscriber=bo channel=telegram dest=4242 part=1/.* status=unrecorded .*may be sent again" "$T/err.txt" ||
  fail "2: no warning that bo's part 1 was sent unrecorded: $(grep "status=unrecorded" "$T/err.txt")"
parts=$(q "$DB2" "SELECT n_parts FROM outbox WHERE msg_id = '2024-11-28/bo/telegram/4242/1'")
[ "${parts:-0}" -ge 2 ] || fail "2: bo's Telegram digest has ${parts:-no} parts, the test needs 2 or more"
[ "$(tg_parts)" = 1 ] || fail "2: $(tg_parts) Telegram messages went to bo, want 1 (part 1, then stop)"
[ "$(q "$DB2" "SELECT count(*) FROM outbox WHERE subscriber = 'bo' AND channel = 'telegram' AND status = 0")" = "$parts" ] ||
  fail "2: bo's parts are not all pending: $(q "$DB2" "SELECT msg_id, status FROM outbox")"
[ "$(q "$DB2" "SELECT count(*) FROM outbox WHERE subscriber = 'amy' AND digest_date = '2024-11-28' AND status = 1")" -ge 1 ] &&
  [ "$(q "$DB2" "SELECT count(*) FROM outbox WHERE subscriber = 'amy' AND digest_date = '2024-11-28' AND status <> 1")" = 0 ] ||
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


# ---- 3. every email refused for good -------------------------------------------------------
D3="$T/three"
mkdir -p "$D3"
$PY "$PB_TESTS/lib/smtpd.py" --port-file "$D3/smtp.port" --save-dir "$D3/mail" \
  --auth digest:s3cret --timeout 600 2>"$D3/smtpd.err" &
pids="$pids $!"
wait_file "$D3/smtp.port"
export PB_TEST_SMTP_PASSWORD="wrong-password"
cat >"$D3/pb.conf" <<EOF
state_dir = "$D3/state";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
delivery = { retry_base_s = 2; };
email = { smtp_url = "smtp://127.0.0.1:$(cat "$D3/smtp.port")"; tls = "none";
          username = "digest"; password_env = "PB_TEST_SMTP_PASSWORD";
          from = "arXiv digest <digest@example.org>"; };
subscribers = (
  { name = "amy"; email = ["amy@example.org"]; max_papers = 5;
    topics = ( { name = "Depth"; query = "ti:depth"; } ); },
  { name = "bo"; email = ["bo@example.org"]; max_papers = 3;
    topics = ( { name = "Robots"; query = "cat:cs.RO"; } ); }
);
EOF
# (retries 2 s apart, the first after the run's wait: the run ends with both pending)
run_pb "$D3/pb.conf" run --feed "$BIG" --wait 1
# What the session hears before any recipient (the login) is the installation's, not a
# reader's: the messages wait (deferred), to go once the password is mended; the run says so
# and exits 69 all the same.
[ $rc = 69 ] || fail "3: a run whose every email was refused the session exited $rc, want 69: $(cat "$T/out.txt" "$T/err.txt")"
grep -q "sent 0, failed 0, pending 2" "$T/out.txt" || fail "3: the summary: $(cat "$T/out.txt")"
n=$(grep -c "event=deliver.attempt.*status=retry.*535" "$T/err.txt" || true)
[ "$n" = 2 ] || fail "3: $n deferrals logged, want 2: $(cat "$T/err.txt")"
grep -q "level=error event=smtp.session state=refused verdict=deferred" "$T/err.txt" ||
	fail "3: the refusal not logged as an error: $(cat "$T/err.txt")"
grep -q "2 messages wait: the server refused the session itself" "$T/err.txt" ||
	fail "3: no word about the waiting digests: $(cat "$T/err.txt")"
run_pb "$D3/pb.conf" status
n=$(grep -c "535" "$T/out.txt" || true)
[ "$n" -ge 1 ] || fail "3: status does not show the server's 535: $(cat "$T/out.txt")"
# the password mended: the next run sends them, no retry asked
export PB_TEST_SMTP_PASSWORD="s3cret"
sleep 3
run_pb "$D3/pb.conf" run --feed "$BIG" --wait 30
[ $rc = 0 ] || fail "3: the run after the password was mended exited $rc: $(cat "$T/out.txt" "$T/err.txt")"
grep -q "sent 2, failed 0, pending 0" "$T/out.txt" || fail "3: mended, the summary: $(cat "$T/out.txt")"
unset PB_TEST_SMTP_PASSWORD

# ---- 4. --wait bounds a transfer in flight -------------------------------------------------
D4="$T/four"
mkdir -p "$D4"
$PY "$PB_TESTS/lib/smtpd.py" --port-file "$D4/smtp.port" --save-dir "$D4/mail" \
  --silent-after-data --timeout 600 2>"$D4/smtpd.err" &
pids="$pids $!"
# A Slack webhook that reads the request and never answers: an HTTP transfer in flight.
$PY "$PB_TESTS/lib/chat_server.py" --port-file "$D4/chat.port" --log "$D4/chat.log" \
  --timeout 600 2>"$D4/chat.err" &
pids="$pids $!"
wait_file "$D4/smtp.port"
wait_file "$D4/chat.port"
export PB_TEST_HANG_HOOK="http://127.0.0.1:$(cat "$D4/chat.port")/hooks/hang/amy"
cat >"$D4/pb.conf" <<EOF
state_dir = "$D4/state";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
email = { smtp_url = "smtp://127.0.0.1:$(cat "$D4/smtp.port")"; tls = "none";
          from = "arXiv digest <digest@example.org>"; };
subscribers = (
  { name = "amy"; email = ["amy@example.org"]; max_papers = 5;
    slack_webhook_env = "PB_TEST_HANG_HOOK";
    topics = ( { name = "Depth"; query = "ti:depth"; } ); }
);
EOF
start=$(date +%s)
set +e
timeout 100 "$PAPERBOY" -c "$D4/pb.conf" run --feed "$BIG" --wait 5 >"$T/out.txt" 2>"$T/err.txt"
rc=$?
set -e
took=$(( $(date +%s) - start ))
[ $rc != 124 ] || fail "4: run --wait 5 was still delivering after 100 s"
[ $took -le 20 ] || fail "4: run --wait 5 took $took s"
[ $rc = 0 ] || fail "4: run --wait 5 exited $rc: $(cat "$T/err.txt")"
grep -q '"status": 0' "$D4/mail/index.jsonl" || fail "4: the message never reached the silent server"
grep -q '"status": 0' "$D4/chat.log" || fail "4: the Slack message never reached the silent webhook"
row=$(q "$D4/state/paperboy.db" "SELECT status, attempts FROM outbox WHERE channel = 'email'")
[ "$row" = "0|1" ] || fail "4: the cut-off email is '$row' (status|attempts), want pending after 1 attempt"
# The Slack digest may have several parts: the first was cut off, the others wait behind it.
row=$(q "$D4/state/paperboy.db" "SELECT status, attempts FROM outbox WHERE channel = 'slack' AND part = 1")
[ "$row" = "0|1" ] || fail "4: the cut-off Slack message is '$row' (status|attempts), want pending after 1 attempt"
[ "$(q "$D4/state/paperboy.db" "SELECT count(*) FROM outbox WHERE status <> 0")" = 0 ] ||
  fail "4: a cut-off message was settled: $(q "$D4/state/paperboy.db" "SELECT msg_id, status FROM outbox")"
[ "$(q "$D4/state/paperboy.db" "SELECT count(*) FROM outbox WHERE part = 1 AND last_error LIKE '%time limit%'")" = 2 ] ||
  fail "4: the cut-off messages do not say why"

# ---- 5. retry and status in a fresh directory create nothing ----------------------------------
D5="$T/five"
mkdir -p "$D5"
printf 'state_dir = "%s/state";\narxiv = { categories = ["cs.CV"]; };\nsubscribers = ( { name = "amy"; topics = ( { name = "t"; query = "ti:depth"; } ); } );\n' "$D5" >"$D5/pb.conf"
run_pb "$D5/pb.conf" retry
[ $rc = 0 ] || fail "5: retry without a state exited $rc: $(cat "$T/err.txt")"
grep -q "no state yet" "$T/out.txt" || fail "5: retry does not say there is no state: $(cat "$T/out.txt")"
run_pb "$D5/pb.conf" retry --subscriber nobody
[ $rc = 64 ] || fail "5: retry for an unknown subscriber exited $rc, want 64"
run_pb "$D5/pb.conf" status
[ $rc = 0 ] || fail "5: status without a state exited $rc"
[ ! -e "$D5/state" ] || fail "5: retry or status created $D5/state"

# ---- 6. read-only and full file systems (tmpfs in a mount namespace of our own) -------------
ns_run() {
  if [ "$(id -u)" = 0 ]; then unshare -m "$@"; else unshare -r -m "$@"; fi
}
mkdir -p "$T/probe"
if ! ns_run sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" && umount "$1"' sh "$T/probe" 2>/dev/null; then
  echo "72-run-integrity: section 6 skipped: no mount namespace here (unshare -m)"
  echo "72-run-integrity: all checks passed"
  exit 0
fi
cat >"$T/ns.sh" <<'NS'
set -eu
fail() { echo "72-run-integrity: $*" >&2; exit 1; }
q() { sqlite3 "$1" "$2"; }
run_pb() {
  conf=$1; shift
  set +e
  "$PAPERBOY" -c "$conf" "$@" >"$T/out.txt" 2>"$T/err.txt"
  rc=$?
  set -e
}
M="$T/mnt"
mkdir -p "$M"
mount -t tmpfs -o size=4m tmpfs "$M"

# 6a. status reads a state on a read-only mount (a copy of section 1's, without -wal).
mkdir -p "$M/ro/state"
cp "$T/one/state/paperboy.db" "$M/ro/state/"
conf_for() {  # conf_for STATE_DIR OUT_DIR FILE
  cat >"$3" <<EOF
state_dir = "$1";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$2"; };
subscribers = (
  { name = "s1"; max_papers = 20; topics = ( { name = "a"; query = "cat:cs.CV"; } ); },
  { name = "s2"; max_papers = 20; topics = ( { name = "a"; query = "cat:cs.RO"; } ); },
  { name = "s3"; max_papers = 20; topics = ( { name = "a"; query = "cat:cs.LG"; } ); },
  { name = "s4"; max_papers = 20; topics = ( { name = "a"; query = "cat:cs.CL"; } ); },
  { name = "s5"; max_papers = 20; topics = ( { name = "a"; query = "cat:cs.AI"; } ); },
  { name = "s6"; max_papers = 20; topics = ( { name = "a"; query = "abs:learning"; } ); }
);
EOF
}
conf_for "$M/ro/state" "$T/six-out" "$T/ro.conf"
conf_for "$M/fresh/state" "$T/six-out" "$T/fresh.conf"
mount -o remount,ro "$M"
run_pb "$T/ro.conf" status
[ $rc = 0 ] || fail "6a: status on a read-only mount exited $rc: $(cat "$T/err.txt")"
grep -q "2024-11-28  run .*done" "$T/out.txt" || fail "6a: status does not show the runs: $(cat "$T/out.txt")"
[ ! -e "$M/ro/state/paperboy.db-wal" ] || fail "6a: status wrote a -wal file"

# 6b. run on a read-only file system: 73, with the path.
run_pb "$T/fresh.conf" run --feed "$BIG"
[ $rc = 73 ] || fail "6b: run with a state directory that cannot be created exited $rc, want 73"
grep -q "$M/fresh/state" "$T/err.txt" || fail "6b: the error does not name the directory: $(cat "$T/err.txt")"
run_pb "$T/ro.conf" run --feed "$BIG"
[ $rc = 73 ] || fail "6b: run with a read-only state directory exited $rc, want 73"
grep -q "$M/ro/state" "$T/err.txt" || fail "6b: the error does not name the directory: $(cat "$T/err.txt")"
run_pb "$T/ro.conf" retry
[ $rc = 73 ] || fail "6b: retry on a read-only state exited $rc, want 73"
grep -q "$M/ro/state/paperboy.db" "$T/err.txt" || fail "6b: the error does not name the database: $(cat "$T/err.txt")"
mount -o remount,rw "$M"
umount "$M"

# 6c. the disk fills up in the middle of a run: the run fails, its counts agree with the
# outbox, and once there is room the next run finishes the day.
mount -t tmpfs -o size=4m tmpfs "$M"
conf_for "$M/state" "$T/six-out" "$T/full.conf"
run_pb "$T/full.conf" run --feed "$EMPTY" --date 2024-12-02
[ $rc = 0 ] || fail "6c: the first run exited $rc: $(cat "$T/err.txt")"
DB="$M/state/paperboy.db"
# Leave about 300 KB: the run's start and a digest or two (md, html, all.md) fit, six do not.
free_kb=$(df -k "$M" | awk 'NR == 2 { print $4 }')
dd if=/dev/zero of="$M/filler" bs=1k count=$((free_kb - 300)) 2>/dev/null || true
run_pb "$T/full.conf" run --feed "$BIG"
[ $rc = 74 ] || fail "6c: a run on a full disk exited $rc, want 74: $(cat "$T/out.txt" "$T/err.txt")"
got=$(q "$DB" "SELECT count(DISTINCT subscriber) || ' ' || count(*) FROM outbox WHERE digest_date = '2024-11-28'")
counted=$(q "$DB" "SELECT n_digests || ' ' || n_messages FROM runs WHERE digest_date = '2024-11-28'")
[ "$got" = "$counted" ] || fail "6c: the run counted '$counted' (digests messages), the outbox holds '$got'"
[ "${got%% *}" -lt 6 ] || fail "6c: the disk did not fill up (all 6 digests enqueued)"
rm -f "$M/filler"
run_pb "$T/full.conf" run --feed "$BIG"
[ $rc = 0 ] || fail "6c: the run after the disk was freed exited $rc: $(cat "$T/err.txt")"
[ "$(q "$DB" "SELECT count(DISTINCT subscriber) FROM outbox WHERE digest_date = '2024-11-28'")" = 6 ] ||
  fail "6c: not every digest is in the outbox after the second run"
[ "$(q "$DB" "SELECT count(*) FROM outbox WHERE status <> 1")" = 0 ] || fail "6c: messages left unsent"
got=$(q "$DB" "SELECT count(*) FROM outbox WHERE digest_date = '2024-11-28'")
counted=$(q "$DB" "SELECT sum(n_messages) FROM runs WHERE digest_date = '2024-11-28'")
[ "$got" = "$counted" ] || fail "6c: the runs counted $counted messages, the outbox holds $got"
[ "$(q "$DB" "PRAGMA integrity_check")" = ok ] || fail "6c: integrity_check"

# 6d. a disk with no room left at all: `run` and the daemon cannot take the lock (its pid is
# not written) and say so with 73, not 75 ("another paperboy holds it"), on which systemd's
# units stop restarting the daemon for good (RestartPreventExitStatus=75).
free_kb=$(df -k "$M" | awk 'NR == 2 { print $4 }')
dd if=/dev/zero of="$M/filler" bs=1k count=$((free_kb + 64)) 2>/dev/null || true
run_pb "$T/full.conf" run --feed "$BIG"
[ $rc = 73 ] || fail "6d: run on a disk with no room exited $rc, want 73: $(cat "$T/err.txt")"
grep -q "No space left on device" "$T/err.txt" || fail "6d: run does not say the disk is full: $(cat "$T/err.txt")"
run_pb "$T/full.conf" daemon --foreground --once
[ $rc = 73 ] || fail "6d: the daemon on a disk with no room exited $rc, want 73: $(cat "$T/err.txt")"
grep -q "$M/state/paperboy.lock: No space left on device" "$T/err.txt" ||
  fail "6d: the daemon does not say the disk is full: $(cat "$T/err.txt")"
# `state migrate` takes the same lock before it copies anything (no server answers here)
sed 's|^arxiv = |state = { backend = "postgresql"; conninfo = "host=127.0.0.1 port=9 dbname=none"; };\narxiv = |' \
  "$T/full.conf" >"$T/migrate.conf"
run_pb "$T/migrate.conf" state migrate --to postgresql
[ $rc = 73 ] || fail "6d: state migrate on a disk with no room exited $rc, want 73: $(cat "$T/err.txt")"
grep -q "$M/state/paperboy.lock: No space left on device" "$T/err.txt" ||
  fail "6d: state migrate does not say the disk is full: $(cat "$T/err.txt")"
# SQLite's own "disk I/O error" (its -wal file cannot be made) comes with the cause
run_pb "$T/full.conf" retry
[ $rc = 73 ] || fail "6d: retry on a disk with no room exited $rc, want 73: $(cat "$T/err.txt")"
grep -q "paperboy: $DB: .*disk I/O error (No space left on device)" "$T/err.txt" ||
  fail "6d: retry does not say the disk is full: $(cat "$T/err.txt")"
rm -f "$M/filler"
umount "$M"
NS
PAPERBOY="$PAPERBOY" T="$T" BIG="$BIG" EMPTY="$EMPTY" ns_run sh "$T/ns.sh"

echo "72-run-integrity: all checks passed"
