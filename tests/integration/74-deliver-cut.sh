#!/bin/sh
# The delivery time limit (`run --wait S`) and an SMTP session that had delivered a message and
# then began the next one (MAIL written) when the server fell silent: the begun message ends
# as a failed attempt saying why (retried later), as channel.h promises for every message begun
# on a session, not handed back unrecorded as if never tried.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d)
SMTP=
cleanup() {
  [ -n "$SMTP" ] && { kill "$SMTP" 2>/dev/null; wait "$SMTP" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "74-deliver-cut: $*" >&2; fails=$((fails + 1)); }
die() { echo "74-deliver-cut: $*" >&2; exit 1; }

/usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
  --silent-mail-after 1 --timeout 120 2>"$T/smtpd.err" &
SMTP=$!
i=0
while [ ! -s "$T/smtp.port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/smtpd.err" >&2; die "smtpd did not start within 10 s"; }
  sleep 0.1
done
# One session (max_per_host = 1) carries both messages, one after the other.
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
delivery = { max_per_host = 1; };
email = { smtp_url = "smtp://127.0.0.1:$(cat "$T/smtp.port")"; tls = "none";
          from = "arXiv digest <digest@example.org>"; };
subscribers = ( { name = "amy"; email = ["amy@example.org", "bo@example.org"]; max_papers = 5;
                  topics = ( { name = "Depth"; query = "ti:depth"; } ); } );
CONF
t0=$(date +%s)
timeout 60 "$PAPERBOY" -c "$T/pb.conf" run \
  --feed "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" --wait 3 \
  >"$T/out" 2>"$T/err"; rc=$?
s=$(( $(date +%s) - t0 ))
[ "$rc" -eq 0 ] || { fail "run --wait 3: exit $rc"; tail -n 5 "$T/err" >&2; }
[ "$s" -le 15 ] || fail "run --wait 3 took $s s"
q() { sqlite3 "$T/state/paperboy.db" "$1"; }
[ "$(q "SELECT count(*) FROM outbox WHERE status = 1 AND attempts = 1")" = 1 ] ||
  fail "the first message was not sent: $(q "SELECT dest, status, attempts FROM outbox")"
row=$(q "SELECT status, attempts, last_error LIKE '%time limit%' FROM outbox WHERE status <> 1")
[ "$row" = "0|1|1" ] ||
  fail "the message begun when the time ran out is '$row' (status|attempts|says why), want pending after 1 attempt, cut off"

[ "$fails" -eq 0 ] || exit 1
echo "74-deliver-cut: ok"
