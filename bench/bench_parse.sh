#!/bin/sh
# Parse benchmark: paperboy's feed parser (parse + normalise into paper records) against
# `xmllint --stream --noout` on the same ~20,000-item RSS 2.0 feed, in the same run.
# Each contender runs ROUNDS times (3), the rounds interleaved so a busy machine slows all
# alike; the figures are the medians of the wall time, the CPU time (user + sys) and the peak
# RSS (/usr/bin/time %M, KB).
# Env: BUILD (build dir with bench/parse_bench), PB_FIXTURES, PB_BENCH; N_ITEMS (20000);
# ROUNDS (3; more steadies the figures on a busy machine).
set -eu
: "${BUILD:?}" "${PB_FIXTURES:?}"
PB_BENCH="${PB_BENCH:-$(cd "$(dirname "$0")" && pwd)}"
N_ITEMS="${N_ITEMS:-20000}"
ROUNDS="${ROUNDS:-3}"
TOOL="$BUILD/bench/parse_bench"
SRC="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"

[ -x "$TOOL" ] || { echo "bench_parse: $TOOL missing (make tools)" >&2; exit 1; }
command -v xmllint >/dev/null || { echo "bench_parse: xmllint not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_parse: /usr/bin/time not installed" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
FEED="$TMP/feed-$N_ITEMS.xml"

echo "\$ /usr/bin/python3 $PB_BENCH/gen_feed.py $SRC $N_ITEMS > $FEED"
/usr/bin/python3 "$PB_BENCH/gen_feed.py" "$SRC" "$N_ITEMS" >"$FEED"
BYTES=$(wc -c <"$FEED")
xmllint --noout "$FEED" || { echo "bench_parse: generated feed is not well-formed" >&2; exit 1; }

# The three contenders; "stream" reads 64 KB pieces through pb_parser_feed (as an HTTP
# transfer arrives), "whole" maps the file and calls pb_parse_feed once.
set -- stream "$TOOL --stream $FEED" whole "$TOOL $FEED" xmllint "xmllint --stream --noout $FEED"
for name in stream whole xmllint; do : >"$TMP/$name.runs"; done

# Warm the page cache so every contender reads from memory.
cat "$FEED" >/dev/null
echo "\$ /usr/bin/time -f '%e %U %S %M' CMD   ($ROUNDS interleaved rounds) for CMD in:"
printf '    %s\n' "$2" "$4" "$6"
round=0
while [ "$round" -lt "$ROUNDS" ]; do
	round=$((round + 1))
	for name in stream whole xmllint; do
		case $name in stream) cmd=$2 ;; whole) cmd=$4 ;; xmllint) cmd=$6 ;; esac
		# shellcheck disable=SC2086 # the command line is split on purpose
		/usr/bin/time -f '%e %U %S %M' -o "$TMP/t" $cmd >/dev/null 2>"$TMP/err" ||
			{ cat "$TMP/err" >&2; echo "bench_parse: $name failed" >&2; exit 1; }
		tail -n 1 "$TMP/t" >>"$TMP/$name.runs"
	done
done

# The parser's own time inside one process (no start-up, exit or page-cache read).
inproc=$($TOOL --stream --repeat 3 "$FEED" 2>&1 >/dev/null | tail -n 1)
items=$(echo "$inproc" | sed -n 's/.* items=\([0-9]*\).*/\1/p')
added=$(echo "$inproc" | sed -n 's/.* added=\([0-9]*\).*/\1/p')
[ "$items" = "$N_ITEMS" ] && [ "$added" = "$N_ITEMS" ] ||
	{ echo "bench_parse: parsed $items items, added $added, want $N_ITEMS" >&2; exit 1; }

median_of() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
summary() { # NAME -> "median_wall median_cpu median_rss"
	printf '%.3f %.3f %d\n' "$(awk '{print $1}' "$TMP/$1.runs" | median_of)" \
		"$(awk '{print $2 + $3}' "$TMP/$1.runs" | median_of)" \
		"$(awk '{print $4}' "$TMP/$1.runs" | median_of)"
}
S=$(summary stream)
W=$(summary whole)
X=$(summary xmllint)

echo "$S $W $X" | awk -v bytes="$BYTES" -v n="$N_ITEMS" '{
	kb = bytes / 1024; mb = bytes / 1e6
	printf "feed: %d items, %.1f MB (%d KB)\n", n, mb, kb
	printf "%-34s %7s %7s %10s %8s %11s %9s\n", "", "wall s", "cpu s", "items/s", "MB/s",
	    "peak RSS KB", "RSS/file"
	row("paperboy parse, streamed (64 KB)", $1, $2, $3)
	row("paperboy parse, whole body (mmap)", $4, $5, $6)
	row("xmllint --stream --noout", $7, $8, $9)
	printf "ratio paperboy/xmllint, wall: streamed %.2fx, whole %.2fx; cpu: streamed %.2fx, whole %.2fx (target <= 1.5x)\n",
	    $1 / nz($7), $4 / nz($7), $2 / nz($8), $5 / nz($8)
	printf "peak memory / file size: streamed %.2fx, whole body %.2fx (target < 2x; the whole-body figure includes the body itself)\n",
	    $3 / kb, $6 / kb
}
function nz(x) { return x > 0 ? x : 0.01 }
function row(name, w, c, m) {
	printf "%-34s %7.2f %7.2f %10.0f %8.1f %11d %8.2fx\n", name, w, c, n / nz(w), mb / nz(w), m, m / kb
}'
echo "in-process, median of 3 (parse only): $inproc"
