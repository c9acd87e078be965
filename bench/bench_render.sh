#!/bin/sh
# Render benchmark: 10,000 personalised digests in all five formats from the 1504-paper
# fixture feed, on one core. Prints digests/s, the time per format, peak memory and the
# commands that produced them. Target: 10,000 digests in all five formats under 10 s.
set -u
: "${BUILD:?}" "${PB_FIXTURES:?}"
feed="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
bin="$BUILD/bench/render_bench"
n="${PB_BENCH_DIGESTS:-10000}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM
[ -x "$bin" ] || { echo "bench_render.sh: $bin is not built" >&2; exit 1; }
pin=""
command -v taskset > /dev/null 2>&1 && pin="taskset -c 0"
rounds="${PB_BENCH_ROUNDS:-3}"
cmd="$pin /usr/bin/time -f '%M %e' $bin $feed $n"
echo "command: $cmd   ($rounds runs; the figures are their medians)"
med() { sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
kbs=""; secs=""; renders=""; totals=""; r=0
while [ "$r" -lt "$rounds" ]; do
  r=$((r + 1))
  # shellcheck disable=SC2086
  $pin /usr/bin/time -f '%M %e' -o "$out" "$bin" "$feed" "$n" >"$out.txt" ||
    { echo "bench_render.sh: failed" >&2; exit 1; }
  [ "$r" = 1 ] && cat "$out.txt"
  read -r kb sec < "$out"
  kbs="$kbs $kb"; secs="$secs $sec"
  renders="$renders $(sed -n 's/^render time: *\([0-9.]*\) s CPU.*/\1/p' "$out.txt")"
  totals="$totals $(sed -n 's/^building+rendering: *\([0-9.]*\) s CPU.*/\1/p' "$out.txt")"
done
rm -f "$out.txt"
echo "render time, median: $(echo "$renders" | tr ' ' '\n' | sed '/^$/d' | med) s CPU  (runs:$renders)"
echo "building+rendering, median: $(echo "$totals" | tr ' ' '\n' | sed '/^$/d' | med) s CPU  (runs:$totals; target: under 10 s)"
echo "peak memory:         $(echo "$kbs" | tr ' ' '\n' | sed '/^$/d' | med) KB, median (/usr/bin/time -f %M; runs:$kbs)"
echo "elapsed:             $(echo "$secs" | tr ' ' '\n' | sed '/^$/d' | med) s, median, for the whole process (/usr/bin/time -f %e; runs:$secs)"
