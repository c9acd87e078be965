#!/bin/sh
# make bench ONLY=match: 10,000 generated subscribers (5 topics of ~6 terms each) against 2,000
# papers from the fixtures, through the indexed matcher, beside the straightforward reference
# (every topic on every paper, scanning its folded words) timed on 200 of the subscribers in the
# same run and scaled; then matching with the ledger filter on, as a run does (a state holding
# 30 days x 10 papers per subscriber), beside the filter off and the former per-candidate
# lookups. Prints the figures and the commands that produced them.
set -eu
: "${BUILD:?BUILD must name the build directory}"
FIX="${PB_FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures/arxiv}"
BIN="$BUILD/bench/match_bench"
[ -x "$BIN" ] || { echo "bench_match: $BIN is missing (make tools)" >&2; exit 1; }
out=$(mktemp); mem=$(mktemp)
trap 'rm -f "$out" "$mem"' EXIT INT TERM

# 1. The matcher alone, three times (the machine may be shared: the best run is the figure),
#    each with its peak resident memory.
echo "# matcher alone, 10000 subscribers x 2000 papers, 3 runs"
for i in 1 2 3; do
  echo "\$ /usr/bin/time -f %M $BIN $FIX 10000 2000 0"
  /usr/bin/time -o "$mem" -f %M "$BIN" "$FIX" 10000 2000 0 >"$out"
  if [ "$i" = 1 ]; then sed -n '1,3p' "$out"; fi
  grep -E '^(compile|match |total|matches)' "$out"
  echo "peak memory: $(cat "$mem") KB"
done

# 2. The same run with the reference on the first 200 subscribers; the tool exits 2 when
#    any of those selections differ.
echo
echo "# with the reference on 200 subscribers"
echo "\$ /usr/bin/time -f %M $BIN $FIX 10000 2000 200"
rc=0
/usr/bin/time -o "$mem" -f %M "$BIN" "$FIX" 10000 2000 200 >"$out" || rc=$?
grep -E '^(compile|match |total|matches|reference|speed|same)' "$out"
echo "peak memory (matcher and reference together): $(cat "$mem") KB"
[ "$rc" = 0 ] || { echo "bench_match: the reference disagrees (exit $rc)" >&2; exit 1; }

# 3. Matching as a run does it, with the ledger filter, against a state whose ledger holds 30
#    days x 10 papers per subscriber (3,000,000 rows here; the first run fills it): the filter
#    off, the ledger read once per subscriber into a set (what `paperboy run` does), and the
#    former way, one pb_ledger_has per candidate. Alternating off/set/each, three rounds; the
#    figure is each one's median.
echo
echo "# ledger filter: off / set / each, alternating, 3 rounds (median)"
db="$(mktemp -d)/ledger.db"
trap 'rm -f "$out" "$mem"; rm -rf "$(dirname "$db")"' EXIT INT TERM
"$BIN" --state="$db" --ledger=set "$FIX" 10000 2000 0 | grep -E '^ledger filled' || true
for i in 1 2 3; do
  for mode in off set each; do
    "$BIN" --state="$db" --ledger=$mode "$FIX" 10000 2000 0 >"$out"
    w=$(sed -n 's/^match    (pb_match_all): *\([0-9.]*\) s wall.*/\1/p' "$out")
    q=$(sed -n 's/^ledger filter: .*, \([0-9]*\) ledger queries/\1/p' "$out")
    echo "$mode $w $q" >>"$mem.all"
    echo "round $i: --ledger=$mode  match ${w}s  ledger queries $q"
  done
done
for mode in off set each; do
  med=$(awk -v m=$mode '$1 == m { print $2 }' "$mem.all" | sort -n | sed -n 2p)
  q=$(awk -v m=$mode '$1 == m { print $3 }' "$mem.all" | sed -n 1p)
  echo "median pb_match_all, ledger $mode: ${med}s ($q ledger queries)   \$ $BIN --state=DB --ledger=$mode $FIX 10000 2000 0"
done
rm -f "$mem.all"
