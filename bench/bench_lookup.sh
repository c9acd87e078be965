#!/bin/sh
# make bench ONLY=lookup: delivery looks up the subscriber of every chat message (Slack,
# Discord, Feishu, WeCom, DingTalk, webhooks) by its name, when it paces the message and when
# it prepares it. bench/lookup_bench.c asks the Slack channel for the pacing of one message
# per subscriber of a config of PB_BENCH_LOOKUP (20,000) Slack subscribers (each a webhook in
# a secret file, tests/lib/gen_config.py); three rounds, the median. LOOKUP_BENCH_REF names
# another build's lookup_bench to alternate with (the reference: the code before a change).
set -eu
: "${BUILD:?BUILD must name the build directory}"
BIN="$BUILD/bench/lookup_bench"
[ -x "$BIN" ] || { echo "bench_lookup: $BIN is missing (make tools)" >&2; exit 1; }
N=${PB_BENCH_LOOKUP:-20000}
TESTS="$(cd "$(dirname "$0")/../tests" && pwd)"
T=$(mktemp -d /tmp/pb-bench-lookup.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

/usr/bin/python3 "$TESTS/lib/gen_config.py" --dir "$T" --subscribers "$N" --smtp-port 2525 \
  --chat-port 1 --channels slack
kinds="this"
[ -n "${LOOKUP_BENCH_REF:-}" ] && kinds="this ref"
for r in 1 2 3; do
  for k in $kinds; do
    b=$BIN
    [ "$k" = ref ] && b=$LOOKUP_BENCH_REF
    s=$("$b" "$T/paperboy.conf" | sed -n 's/.*: \([0-9.]*\) s$/\1/p')
    [ -n "$s" ] || { echo "bench_lookup: $b gave no figure" >&2; exit 1; }
    echo "$s" >>"$T/res.$k"
    echo "round $r: $k $s s"
  done
done
for k in $kinds; do
  b=$BIN
  [ "$k" = ref ] && b=$LOOKUP_BENCH_REF
  echo "median $k: Slack pacing of $N messages, $(median <"$T/res.$k") s   \$ $b paperboy.conf"
done
[ -n "${LOOKUP_BENCH_REF:-}" ] ||
  echo "(no reference: LOOKUP_BENCH_REF=OTHER-BUILD/bench/lookup_bench alternates with another build)"
