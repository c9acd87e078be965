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
cmd="$pin /usr/bin/time -f '%M %e' $bin $feed $n"
echo "command: $cmd"
# shellcheck disable=SC2086
$pin /usr/bin/time -f '%M %e' -o "$out" "$bin" "$feed" "$n" ||
  { echo "bench_render.sh: failed" >&2; exit 1; }
read -r kb secs < "$out"
echo "peak memory:         $kb KB (/usr/bin/time -f %M)"
echo "elapsed:             $secs s for the whole process (/usr/bin/time -f %e)"
