#!/bin/sh
# A fetch that outlasts the lease: the stand-in holds the listing 12 s (PB_LONG_FETCH_S)
# while the lease is 5 s. alpha fetches; beta, started meanwhile, waits. Checks: the fetching
# machine renews its claim, so beta never takes the fetch over (arXiv is asked once, beta
# reads the papers from the state); status, asked midway, shows both machines alive (a
# heartbeat within the lease) and alpha fetching; every digest is delivered once.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_MULTI_SUBSCRIBERS:-6}
STALL=${PB_LONG_FETCH_S:-12}
T=$(mktemp -d /tmp/pb-multi-long.XXXXXX) || exit 1
SRV= SMTP= A= B= PGDIR=
MULTI_NAME=94-machines-long-fetch
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"
MULTI_LEASE=5

multi_peers "/rss|$STALL"
echo "   backend=$MULTI_BACKEND subscribers=$N listing held ${STALL} s, lease 5 s"
multi_confs
multi_alpha_claims
sleep 1
"$PAPERBOY" -c "$T/b.conf" run >"$T/b.out" 2>"$T/b.log" &
B=$!

# Past a lease and a half of the fetch (and 6 s of beta's wait): both must look alive.
sleep $((STALL * 3 / 4))
kill -0 "$A" 2>/dev/null || die "alpha ended before its fetch could"
multi_midway "$T"

wait_exit "$A" 120 || die "alpha did not finish within 120 s"
ra=$rc; A=
wait_exit "$B" 120 || die "beta did not finish within 120 s"
rb=$rc; B=
[ "$ra" -eq 0 ] || die "alpha: exit $ra"
[ "$rb" -eq 0 ] || die "beta: exit $rb"

n=$(grep -c '"/rss' "$T/requests.json")
[ "$n" -eq 1 ] || die "arXiv was asked for the listing $n times, want once"
grep -q 'event=fetch.claimed' "$T/a.log" || die "alpha did not fetch"
grep -q 'event=fetch.shared' "$T/b.log" || die "beta did not read the papers from the state"
grep -q 'event=fetch.claim_lost' "$T/a.log" && die "alpha lost its claim"

multi_delivered_once "$T/mail/index.jsonl" "$N" || die "deliveries are wrong"
echo "94-machines-long-fetch: ok"
