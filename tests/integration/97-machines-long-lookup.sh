#!/bin/sh
# The day's lookups of liked papers outlast the lease: the stand-in holds each API answer
# 10 s (PB_LONG_LOOKUP_S) while the lease is 5 s. alpha fetches and then looks up; beta,
# started while alpha looks up, waits for the lookups. Checks: the looking-up machine renews
# its claim of the lookups, so beta never takes them over (each liked id asked once, by
# alpha; beta finds them made); status, asked midway, shows both machines alive (a heartbeat
# within the lease) and alpha's claim live; every digest is delivered once.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_MULTI_SUBSCRIBERS:-4}
STALL=${PB_LONG_LOOKUP_S:-10}
T=$(mktemp -d /tmp/pb-multi-lookup.XXXXXX) || exit 1
SRV= SMTP= A= B= PGDIR=
MULTI_NAME=97-machines-long-lookup
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"
. "$PB_TESTS/lib/multi_lookup.sh"

lookup_start "$STALL"
"$PAPERBOY" -c "$T/b.conf" run >"$T/b.out" 2>"$T/b.log" &
B=$!

# Past a lease of alpha's lookups and of beta's wait: both alive, alpha's claim live.
sleep $((STALL * 7 / 10))
kill -0 "$A" 2>/dev/null || die "alpha ended before its lookups could"
kill -0 "$B" 2>/dev/null || die "beta ended before alpha's lookups did"
multi_midway "$T"

wait_exit "$A" 60 || die "alpha did not finish within 60 s"
ra=$rc; A=
wait_exit "$B" 30 || die "beta did not finish within 30 s of alpha"
rb=$rc; B=
[ "$ra" -eq 0 ] || die "alpha: exit $ra"
[ "$rb" -eq 0 ] || die "beta: exit $rb"

/usr/bin/python3 - "$T/requests.json" <<'PY' || die "the lookups were not made once"
import collections, json, sys, urllib.parse
asked = collections.Counter()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("path") == "/api/query":
        q = urllib.parse.parse_qs(r.get("query", ""))
        for i in q.get("id_list", [""])[0].split(","):
            if i:
                asked[i.split("v")[0]] += 1
if sorted(asked) != ["2202.12139", "2405.13786"]:
    sys.exit("liked ids asked: %s" % dict(asked))
twice = {k: n for k, n in asked.items() if n > 1}
if twice:
    sys.exit("asked more than once: %s" % twice)
PY
grep -q 'event=rank.lookup ids=2 ' "$T/a.log" || die "alpha did not make the lookups"
grep -q "another machine made today's lookups" "$T/b.log" ||
  die "beta did not find the lookups made by alpha"
grep -q 'event=rank.lookup ids=' "$T/b.log" && die "beta made lookups too"
grep -q 'event=rank.lookup_claim_lost' "$T/a.log" && die "alpha lost its claim"
multi_delivered_once "$T/mail/index.jsonl" "$N" || die "deliveries are wrong"
echo "97-machines-long-lookup: ok"
