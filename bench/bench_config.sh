#!/bin/sh
# make bench ONLY=config: loading a config of 100,000 subscribers (PB_BENCH_SUBSCRIBERS; 3
# topics and an address each, tests/lib/gen_config.py), beside libconfig reading the same file
# (config_read_file in bench/config_bench.c: the floor under any loader built on it). Three
# rounds alternating `paperboy check` (load, every rule checked and compiled), config_bench
# load (pb_config_load alone) and config_bench libconfig; the medians of wall time and peak
# memory (/usr/bin/time -f %M), and the heap the loaded config keeps per subscriber.
set -eu
: "${PAPERBOY:?}" "${BUILD:?BUILD must name the build directory}"
BIN="$BUILD/bench/config_bench"
[ -x "$BIN" ] || { echo "bench_config: $BIN is missing (make tools)" >&2; exit 1; }
N=${PB_BENCH_SUBSCRIBERS:-100000}
TESTS="$(cd "$(dirname "$0")/../tests" && pwd)"
T=$(mktemp -d /tmp/pb-bench-config.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

/usr/bin/python3 "$TESTS/lib/gen_config.py" --dir "$T" --subscribers "$N" --smtp-port 2525 \
  --chat-port 1 --channels email --topics 3 --max-papers 10
echo "config: $N subscribers, $(wc -c <"$T/paperboy.conf") bytes"
check="$PAPERBOY -c $T/paperboy.conf check"
load="$BIN load $T/paperboy.conf"
ref="$BIN libconfig $T/paperboy.conf"
for r in 1 2 3; do
  for k in check load ref; do
    eval "cmd=\$$k"
    /usr/bin/time -f "%e %M" -o "$T/time" $cmd >"$T/out" 2>&1 || { cat "$T/out"; exit 1; }
    read -r wall rss <"$T/time"
    echo "$wall $rss" >>"$T/$k"
    echo "round $r: $k ${wall} s ${rss} KB"
    if [ "$k" = load ]; then
      grep '^pb_config_load' "$T/out" >"$T/kept"
      sed -n 's/^pb_config_load: \([0-9.]*\) s.*/\1/p' "$T/out" >>"$T/inproc"
    fi
  done
done
echo
for k in check load ref; do
  eval "cmd=\$$k"
  printf '%-6s median %6s s  peak %8s KB   $ %s\n' "$k" "$(awk '{ print $1 }' "$T/$k" | median)" \
    "$(awk '{ print $2 }' "$T/$k" | median)" "$cmd"
done
echo "pb_config_load alone (timed inside config_bench, without freeing): median $(median <"$T/inproc") s"
echo "kept after the load: $(sed 's/.*kept //' "$T/kept")"
