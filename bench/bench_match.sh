#!/bin/sh
# make bench ONLY=match: 10,000 generated subscribers (5 topics of ~6 terms each) against 2,000
# papers from the fixtures, through the indexed matcher, beside the straightforward reference
# (every topic on every paper, scanning its folded words) timed on 200 of the subscribers in the
# same run and scaled. Prints the figures and the commands that produced them.
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
