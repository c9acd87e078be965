#!/bin/sh
# Summarize stage without a model: key findings of every paper in the 1504-item feed, then
# 10,000 personalised digests of 10 papers (title, findings, built-in executive summary).
# Peak memory with /usr/bin/time -f %M (KB). No reference tool: nothing else builds these.
set -u
: "${BUILD:?}" "${PB_FIXTURES:?}"
B="$BUILD/bench/summarize_bench"
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
[ -x "$B" ] || { echo "missing $B" >&2; exit 1; }
ROUNDS=${PB_BENCH_ROUNDS:-3}
echo "command: /usr/bin/time -f %M $B $FEED 10000 10   ($ROUNDS runs; the figures are their medians)"
T=$(mktemp)
trap 'rm -f "$T" "$T.mem"' EXIT INT TERM
med() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
kf=""; dg=""; mem=""; r=0
while [ "$r" -lt "$ROUNDS" ]; do
  r=$((r + 1))
  /usr/bin/time -o "$T.mem" -f "%M" "$B" "$FEED" 10000 10 >"$T" || exit 1
  [ "$r" = 1 ] && cat "$T"
  kf="$kf $(sed -n 's/^key findings: .* in \([0-9.]*\) s (cpu.*/\1/p' "$T")"
  dg="$dg $(sed -n 's/^digests: .* in \([0-9.]*\) s (cpu.*/\1/p' "$T")"
  mem="$mem $(tail -n 1 "$T.mem")"
done
echo "key findings, median: $(echo "$kf" | med) s  (runs:$kf)"
echo "digests, median:      $(echo "$dg" | med) s  (runs:$dg)"
echo "peak memory, median:  $(echo "$mem" | med) KB  (runs:$mem)"
