#!/bin/sh
# paperboy run at a scale past one window of full lists (5,000 subscribers; first --only one
# past it): every subscriber's all.md lists every match on both sides of the window's edge; on
# the next day the ledger (read once per subscriber) keeps each one's paper of the first day
# out, the next match takes its place and the full list is one shorter; a repeated run of that
# day enqueues nothing new and leaves the files as they were.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
T=$(mktemp -d /tmp/pb-run-ledger.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "23-run-ledger-windows: $*" >&2; exit 1; }
N=5003
FEED="$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml"
/usr/bin/python3 - "$T" "$N" <<'EOF'
import sys
d, n = sys.argv[1], int(sys.argv[2])
with open(d + "/pb.conf", "w") as f:
    f.write('state_dir = "%s/state";\narxiv = { categories = ["cs", "stat"]; };\n' % d)
    f.write('file = { dir = "%s/out"; };\nsubscribers = (\n' % d)
    for i in range(n):
        f.write('  { name = "u%04d"; max_papers = 1; topics = ( { name = "t"; '
                'query = "cat:cs.LG OR cat:stat.ML OR cat:cs.AI"; } ); }%s\n'
                % (i, "," if i < n - 1 else ""))
    f.write(");\n")
EOF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
ids() { grep -o 'arxiv.org/abs/[0-9.]*' "$1" | sed 's|.*/||' | sort; }
picked() { sed -n "s/^<a id='\([^']*\)v[0-9]*'><.a>$/\1/p" "$1"; }

# --only one subscriber past the first window: its full list is computed for it alone
pb run --only u5001 --feed "$FEED" 2>"$T/log0" >/dev/null || { tail -3 "$T/log0"; fail "run --only failed"; }
D1=$(ls "$T/out")
[ "$(ls "$T/out/$D1")" = u5001 ] || fail "run --only u5001 wrote $(ls "$T/out/$D1" | head -3)"
[ "$(ids "$T/out/$D1/u5001/all.md" | wc -l)" -ge 3 ] || fail "run --only: u5001's full list is short"

pb run --feed "$FEED" 2>"$T/log1" >/dev/null || { tail -3 "$T/log1"; fail "first run failed"; }
n1=$(ids "$T/out/$D1/u0000/all.md" | wc -l)
[ "$n1" -ge 3 ] || fail "u0000's full list holds $n1 papers, want the 3 or more that match"
for u in u0001 u4999 u5000 u5001 u5002; do
  [ -f "$T/out/$D1/$u/all.md" ] || fail "no full list for $u"
  [ "$(ids "$T/out/$D1/$u/all.md")" = "$(ids "$T/out/$D1/u0000/all.md")" ] ||
    fail "$u's full list differs from u0000's: $(ids "$T/out/$D1/$u/all.md" | tr '\n' ' ')"
done

sed 's/24 Sep 2026/25 Sep 2026/' "$FEED" >"$T/next.xml"
pb run --feed "$T/next.xml" 2>"$T/log2" >/dev/null || { tail -3 "$T/log2"; fail "next-day run failed"; }
D2=$(ls "$T/out" | sed -n 2p)
[ -n "$D2" ] || fail "no digests for the next day"
for u in u0000 u4999 u5000 u5002; do
  p1=$(picked "$T/out/$D1/$u/digest.md"); p2=$(picked "$T/out/$D2/$u/digest.md")
  [ -n "$p1" ] && [ -n "$p2" ] || fail "$u: no paper picked ($p1 / $p2)"
  [ "$p1" != "$p2" ] || fail "$u got $p1 again on the next day"
  ids "$T/out/$D2/$u/all.md" | grep -qx "$p1" && fail "$u's next full list still holds $p1"
  n2=$(ids "$T/out/$D2/$u/all.md" | wc -l)
  [ "$n2" -eq $((n1 - 1)) ] || fail "$u's next full list holds $n2 papers, want $((n1 - 1))"
done

# the same day again: the ledger's rows of that day do not count, nothing new is enqueued
find "$T/out/$D2" -type f -exec md5sum {} + | sort >"$T/sums"
pb run --feed "$T/next.xml" 2>"$T/log3" >/dev/null || { tail -3 "$T/log3"; fail "repeated run failed"; }
grep 'event=run.done' "$T/log3" | grep -q ' messages=0 ' ||
  fail "the repeated run enqueued messages: $(grep 'event=run.done' "$T/log3")"
find "$T/out/$D2" -type f -exec md5sum {} + | sort | cmp -s - "$T/sums" ||
  fail "the repeated run changed the files"
grep -q 'ledger.lookup_failed' "$T/log1" "$T/log2" "$T/log3" && fail "a ledger read failed"
echo "23-run-ledger-windows: all checks passed"
