#!/bin/sh
# Two paperboy machines on one state: two processes with their own state_dir and
# state.machine, started together for the same day against the arXiv stand-in and an SMTP
# peer that logs every message. Checks: arXiv is asked once (one machine fetches, the other
# reads the papers from the state); every digest is delivered exactly once; both machines
# deliver some; status lists both machines with what they sent.
# The shared state is PostgreSQL (tests/lib/pg.sh) when this build has the backend and the
# server binaries are installed, else one SQLite file both state_dirs link to (PB_MULTI_BACKEND
# = sqlite | postgresql forces one).
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_MULTI_SUBSCRIBERS:-120}
T=$(mktemp -d /tmp/pb-multi.XXXXXX) || exit 1
SRV= SMTP= A= B= PGDIR=
MULTI_NAME=87-machines
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"

/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" \
  --log "$T/requests.json" --fixtures "$PB_FIXTURES" 2>"$T/arxiv.err" &
SRV=$!
mkdir -p "$T/mail"
# 30 ms per message, so delivery lasts long enough for both machines to take part.
/usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
  --slow-after-data 0.03 --timeout 300 2>"$T/smtpd.err" &
SMTP=$!
wait_file "$T/arxiv.port" 30
wait_file "$T/smtp.port" 30

multi_state "$T" || die "no shared state"
echo "   backend=$MULTI_BACKEND subscribers=$N"
multi_conf "$T" alpha "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" "$N" >"$T/a.conf"
multi_conf "$T" beta "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" "$N" >"$T/b.conf"
"$PAPERBOY" -c "$T/a.conf" check >/dev/null 2>"$T/check.err" || die "config a does not load"

"$PAPERBOY" -c "$T/a.conf" run >"$T/a.out" 2>"$T/a.log" &
A=$!
"$PAPERBOY" -c "$T/b.conf" run >"$T/b.out" 2>"$T/b.log" &
B=$!
wait_exit "$A" 120 || die "machine alpha did not finish within 120 s"
ra=$rc; A=
wait_exit "$B" 120 || die "machine beta did not finish within 120 s"
rb=$rc; B=
[ "$ra" -eq 0 ] || die "alpha: exit $ra"
[ "$rb" -eq 0 ] || die "beta: exit $rb"

# arXiv saw what one machine asks: one listing.
n=$(grep -c '"/rss' "$T/requests.json")
[ "$n" -eq 1 ] || die "arXiv was asked for the listing $n times, want once"
grep -q 'event=fetch.shared' "$T/a.log" "$T/b.log" || die "no machine read the papers from the state"

# Every digest exactly once.
multi_delivered_once "$T/mail/index.jsonl" "$N" || die "deliveries are wrong"

# Both machines delivered some, and status says so for each.
sa=$(grep -c 'event=deliver.attempt.*status=sent' "$T/a.log")
sb=$(grep -c 'event=deliver.attempt.*status=sent' "$T/b.log")
echo "   alpha sent $sa, beta sent $sb"
[ "$sa" -gt 0 ] && [ "$sb" -gt 0 ] || die "one machine delivered nothing (alpha $sa, beta $sb)"
[ $((sa + sb)) -eq "$N" ] || die "alpha $sa + beta $sb sent, want $N"
"$PAPERBOY" -c "$T/a.conf" status >"$T/status.out" 2>"$T/status.err" || die "status failed"
grep -Eq "^  alpha +\* heartbeat .* claims 0 messages, 0 fetches  sent today $sa, in all $sa$" \
  "$T/status.out" || die "status does not show alpha's $sa: $(cat "$T/status.out")"
grep -Eq "^  beta +  heartbeat .* claims 0 messages, 0 fetches  sent today $sb, in all $sb$" \
  "$T/status.out" || die "status does not show beta's $sb: $(cat "$T/status.out")"
echo "87-machines: ok"
