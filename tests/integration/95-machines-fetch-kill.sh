#!/bin/sh
# The fetching machine killed with SIGKILL in the middle of its fetch (the stand-in holds the
# listing 8 s; the lease is 5 s): its claim is renewed no more, and the other machine, waiting
# for the papers, takes the fetch over once the lease has run out rather than after a fixed
# long wait. Checks: beta fetches itself and delivers every digest within 30 s of the kill;
# status shows alpha holding no fetch.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_MULTI_SUBSCRIBERS:-6}
T=$(mktemp -d /tmp/pb-multi-fkill.XXXXXX) || exit 1
SRV= SMTP= A= B= PGDIR=
MULTI_NAME=95-machines-fetch-kill
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"
MULTI_LEASE=5

multi_peers "/rss|8"
echo "   backend=$MULTI_BACKEND subscribers=$N"
multi_confs
multi_alpha_claims
"$PAPERBOY" -c "$T/b.conf" run >"$T/b.out" 2>"$T/b.log" &
B=$!
sleep 2
kill -9 "$A"
wait "$A" 2>/dev/null
A=
killed_at=$(date +%s)

wait_exit "$B" 30 || die "beta did not finish within 30 s of alpha's death"
B=
[ "$rc" -eq 0 ] || die "beta: exit $rc"
echo "   beta done $(( $(date +%s) - killed_at )) s after the kill"
grep -q 'event=fetch.waiting' "$T/b.log" || die "beta did not wait for alpha's fetch"
grep -q 'event=fetch.claimed' "$T/b.log" || die "beta did not take the fetch over"
n=$(grep -c '"/rss' "$T/requests.json")
[ "$n" -eq 2 ] || die "arXiv was asked for the listing $n times, want twice (alpha, beta)"
n=$(grep -c '"status": 250' "$T/mail/index.jsonl")
[ "$n" -eq "$N" ] || die "$n digests delivered, want $N"
"$PAPERBOY" -c "$T/b.conf" status >"$T/status.out" 2>"$T/status.err" || die "status failed"
grep -Eq "^  alpha +  heartbeat .* 0 fetches" "$T/status.out" ||
  die "status: alpha still holds its fetch: $(cat "$T/status.out")"
echo "95-machines-fetch-kill: ok"
