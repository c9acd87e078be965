#!/bin/sh
# Exit codes of `run` and `daemon --once` when the papers cannot be had, the same as fetch and
# match give (paperboy(1), EXIT STATUS), against tests/lib/arxiv_server.py:
#  1. a --feed that cannot be read: 66, as fetch;
#  2. arXiv answering 404 (a 4xx waiting will not change): 69, as fetch, and the run is in
#     status;
#  3. daemon --once on the same: 69 at once, not polled again until arxiv.stale_deadline_min
#     as a stale feed or an unreachable source is;
#  4. `run --wait 0` lets a transfer in flight finish (a mail server taking 3 s to accept the
#     message): sent once, not cut after a second and left to go again.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d)
SRV= SMTP=
cleanup() {
  for p in $SRV $SMTP; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "73-run-exit: $*" >&2; fails=$((fails + 1)); }
die() { echo "73-run-exit: $*" >&2; exit 1; }

/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/port" --log "$T/srv.log" \
  --fixtures "$PB_FIXTURES" --fail '/rss/|404|100' 2>"$T/srv.err" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/srv.err" >&2; die "server did not start within 10 s"; }
  kill -0 "$SRV" 2>/dev/null || { cat "$T/srv.err" >&2; die "server exited"; }
  sleep 0.1
done
PORT=$(cat "$T/port")
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = {
  categories = ["cs.CV"];
  rss_url = "http://127.0.0.1:$PORT/rss";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 10;
  max_retries = 2;
  stale_deadline_min = 2;
};
file = { dir = "$T/out"; };
subscribers = ( { name = "a"; topics = ( { name = "Depth"; query = "ti:depth"; } ); } );
CONF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }

# 1. A --feed that cannot be read (missing; a folder): 66 from run as from fetch.
for f in "$T/missing.xml" "$T"; do
  pb fetch --feed "$f" >/dev/null 2>&1; frc=$?
  pb run --feed "$f" >/dev/null 2>"$T/run.err"; rc=$?
  [ "$frc" -eq 66 ] || fail "fetch --feed $f: exit $frc, want 66"
  [ "$rc" -eq 66 ] || { fail "run --feed $f: exit $rc, want 66"; cat "$T/run.err" >&2; }
done

# 2. arXiv answers 404: 69 from run as from fetch; the failed run is in status.
pb fetch >/dev/null 2>&1; frc=$?
[ "$frc" -eq 69 ] || fail "fetch on a 404: exit $frc, want 69"
pb run >/dev/null 2>"$T/run.err"; rc=$?
[ "$rc" -eq 69 ] || { fail "run on a 404: exit $rc, want 69"; cat "$T/run.err" >&2; }
pb status >"$T/status" 2>&1
grep -q ' failed .*404' "$T/status" || { fail "status does not show the failed run:"; cat "$T/status" >&2; }

# 3. daemon --once: 69 at once. Polling it again (as a transient failure) would take the two
# minutes of stale_deadline_min and end with 75.
t0=$(date +%s)
pb daemon --once >/dev/null 2>"$T/once.err"; rc=$?
s=$(( $(date +%s) - t0 ))
[ "$rc" -eq 69 ] || { fail "daemon --once on a 404: exit $rc, want 69"; tail -n 5 "$T/once.err" >&2; }
[ "$s" -lt 30 ] || fail "daemon --once on a 404 took ${s} s"
grep -q 'event=daemon.poll_again' "$T/once.err" && fail "daemon --once polled a 404 again"
grep -q 'event=daemon.cycle .*status=failed' "$T/once.err" || fail "daemon --once: no failed cycle logged"

# 4. --wait 0 and a server that answers 3 s after the message: the transfer finishes.
/usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
  --slow-after-data 3 --timeout 120 2>"$T/smtpd.err" &
SMTP=$!
i=0
while [ ! -s "$T/smtp.port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/smtpd.err" >&2; die "smtpd did not start within 10 s"; }
  sleep 0.1
done
cat >"$T/mail.conf" <<CONF
state_dir = "$T/mstate";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
email = { smtp_url = "smtp://127.0.0.1:$(cat "$T/smtp.port")"; tls = "none";
          from = "arXiv digest <digest@example.org>"; };
subscribers = ( { name = "amy"; email = ["amy@example.org"]; max_papers = 5;
                  topics = ( { name = "Depth"; query = "ti:depth"; } ); } );
CONF
"$PAPERBOY" -c "$T/mail.conf" run --feed "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" \
  --wait 0 >"$T/wait0.out" 2>"$T/wait0.err"; rc=$?
[ "$rc" -eq 0 ] || { fail "run --wait 0: exit $rc"; tail -n 5 "$T/wait0.err" >&2; }
row=$(sqlite3 "$T/mstate/paperboy.db" "SELECT status, attempts FROM outbox WHERE channel = 'email'")
[ "$row" = "1|1" ] || fail "run --wait 0: the email is '$row' (status|attempts), want sent at the first attempt"
n=$(grep -c '"status": 250' "$T/mail/index.jsonl" 2>/dev/null)
[ "$n" = 1 ] || fail "run --wait 0: the server accepted $n copies, want 1"

[ "$fails" -eq 0 ] || exit 1
echo "73-run-exit: ok"
