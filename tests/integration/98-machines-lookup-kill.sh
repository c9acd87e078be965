#!/bin/sh
# The machine making the day's lookups of liked papers killed with SIGKILL in the middle of
# them (the stand-in holds each API answer 6 s; the lease is 5 s): its claim of the lookups is
# renewed no more, and the other machine, waiting for them, takes them over once the lease has
# run out rather than after a fixed long wait. Checks: beta makes the lookups itself and
# delivers every digest within 20 s of the kill; status shows alpha holding no claim.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_MULTI_SUBSCRIBERS:-4}
T=$(mktemp -d /tmp/pb-multi-lkill.XXXXXX) || exit 1
SRV= SMTP= A= B= PGDIR=
MULTI_NAME=98-machines-lookup-kill
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"
. "$PB_TESTS/lib/multi_lookup.sh"

lookup_start 6
"$PAPERBOY" -c "$T/b.conf" run >"$T/b.out" 2>"$T/b.log" &
B=$!
sleep 2
kill -9 "$A"
wait "$A" 2>/dev/null
A=
killed_at=$(date +%s)

wait_exit "$B" 20 || die "beta did not finish within 20 s of alpha's death"
B=
[ "$rc" -eq 0 ] || die "beta: exit $rc"
echo "   beta done $(( $(date +%s) - killed_at )) s after the kill"
grep -q 'event=rank.lookup_waiting' "$T/b.log" || die "beta did not wait for alpha's lookups"
grep -q 'event=rank.lookup ids=2 ' "$T/b.log" || die "beta did not take the lookups over"
grep -q 'event=rank.lookup ids=' "$T/a.log" && die "alpha finished its lookups before the kill"
multi_delivered_once "$T/mail/index.jsonl" "$N" || die "deliveries are wrong"
"$PAPERBOY" -c "$T/b.conf" status >"$T/status.out" 2>"$T/status.err" || die "status failed"
grep -Eq "^  alpha +  heartbeat .* 0 fetches" "$T/status.out" ||
  die "status: alpha still holds its claim: $(cat "$T/status.out")"
echo "98-machines-lookup-kill: ok"
