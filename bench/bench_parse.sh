#!/bin/sh
# Parse benchmark: paperboy's feed parser (parse + normalise into paper records) against
# `xmllint --stream --noout` on the same ~20,000-item RSS 2.0 feed, in the same run.
# Times are wall-clock per process, best of 3; peak memory is /usr/bin/time's %M (KB).
# Env: BUILD (build dir with bench/parse_bench), PB_FIXTURES, PB_BENCH; N_ITEMS (20000).
set -eu
: "${BUILD:?}" "${PB_FIXTURES:?}"
PB_BENCH="${PB_BENCH:-$(cd "$(dirname "$0")" && pwd)}"
N_ITEMS="${N_ITEMS:-20000}"
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

now_ns() { date +%s%N; }

# best_of3 NAME CMD...: runs CMD three times, prints the best wall time in ms.
best_of3() {
	best=
	for _ in 1 2 3; do
		t0=$(now_ns)
		"$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; return 1; }
		t1=$(now_ns)
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}

peak_kb() {
	/usr/bin/time -f %M -o "$TMP/mem" "$@" >/dev/null 2>&1 || return 1
	tail -n 1 "$TMP/mem"
}

PB_STREAM="$TOOL --stream $FEED"
PB_WHOLE="$TOOL $FEED"
XL="xmllint --stream --noout $FEED"

# Warm the page cache so every contender reads from memory.
cat "$FEED" >/dev/null

echo "\$ $PB_STREAM            (x3, best)"
t_stream=$(best_of3 $PB_STREAM)
echo "\$ $PB_WHOLE                     (x3, best)"
t_whole=$(best_of3 $PB_WHOLE)
echo "\$ $XL     (x3, best)"
t_xl=$(best_of3 $XL)
echo "\$ /usr/bin/time -f %M <each of the three>"
m_stream=$(peak_kb $PB_STREAM)
m_whole=$(peak_kb $PB_WHOLE)
m_xl=$(peak_kb $XL)
# The parser's own time, without process start and exit (best of 3 inside one process).
inproc=$($TOOL --stream --repeat 3 "$FEED" 2>&1 >/dev/null | tail -n 1)

items=$(echo "$inproc" | sed -n 's/.* items=\([0-9]*\).*/\1/p')
added=$(echo "$inproc" | sed -n 's/.* added=\([0-9]*\).*/\1/p')
[ "$items" = "$N_ITEMS" ] && [ "$added" = "$N_ITEMS" ] ||
	{ echo "bench_parse: parsed $items items, added $added, want $N_ITEMS" >&2; exit 1; }

awk -v bytes="$BYTES" -v n="$N_ITEMS" -v ts="$t_stream" -v tw="$t_whole" -v tx="$t_xl" \
    -v ms="$m_stream" -v mw="$m_whole" -v mx="$m_xl" 'BEGIN {
	kb = bytes / 1024; mb = bytes / 1e6
	printf "feed: %d items, %.1f MB (%d KB)\n", n, mb, kb
	printf "%-34s %8s %12s %9s %12s %10s\n", "", "best ms", "items/s", "MB/s", "peak RSS KB", "RSS/file"
	row("paperboy parse, streamed (64 KB)", ts, ms)
	row("paperboy parse, whole body (mmap)", tw, mw)
	row("xmllint --stream --noout", tx, mx)
	printf "time ratio paperboy/xmllint: streamed %.2fx, whole body %.2fx (target <= 1.5x)\n", ts / tx, tw / tx
	printf "peak memory / file size: streamed %.2fx, whole body %.2fx (target < 2x)\n", ms / kb, mw / kb
}
function row(name, t, m) {
	if (t < 1) t = 1
	printf "%-34s %8d %12.0f %9.1f %12d %9.2fx\n", name, t, n / (t / 1000), mb / (t / 1000), m, m / kb
}'
echo "in-process (parse only, no process start): $inproc"
