#!/bin/sh
# fetch --json benchmark: `paperboy fetch --json --feed FILE` (the streaming path: each record
# written and freed as it is read) against `xmllint --stream --noout FILE` on the same file,
# in the same run: the 1,504-item fixture and a large feed made by bench/gen_feed.py (N_ITEMS,
# 54,000 items, about 100 MB). The contenders alternate (A B C A B C ...) for ROUNDS (5)
# rounds; every figure is the MEDIAN of its rounds: wall and CPU (user + sys) seconds and
# peak RSS (/usr/bin/time -f %M). paperboy's lines go to /dev/null (xmllint --noout writes
# nothing) and, as a third contender, to a regular file (what `> out.jsonl` costs: writing
# the bytes). Targets: wall within 1.3x xmllint's; peak memory under 20 MB + 0.2x the file.
# The "empty feed" row is paperboy's start alone (its time and peak on a feed with no items:
# loading its shared libraries), which every other row includes. On the fixture one run is too short for
# /usr/bin/time's 10 ms: each timing there is REPEAT (20) runs in a row, divided by REPEAT.
# Env: PAPERBOY, PB_FIXTURES, PB_BENCH; N_ITEMS (54000); ROUNDS (5, at least 3).
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
PB_BENCH="${PB_BENCH:-$(cd "$(dirname "$0")" && pwd)}"
N_ITEMS="${N_ITEMS:-54000}"
ROUNDS="${ROUNDS:-5}"
SRC="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"

command -v xmllint >/dev/null || { echo "bench_fetchjson: xmllint not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_fetchjson: /usr/bin/time not installed" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
# No config: a saved feed needs none, and none may be picked up from the environment.
export PAPERBOY_CONFIG="$TMP/none.conf"
BIG="$TMP/feed-$N_ITEMS.xml"
echo "\$ /usr/bin/python3 $PB_BENCH/gen_feed.py $SRC $N_ITEMS > $BIG"
/usr/bin/python3 "$PB_BENCH/gen_feed.py" "$SRC" "$N_ITEMS" >"$BIG"

# one NAME OUT CMD...: one timing of REPEAT runs of CMD (stdout to OUT), "wall cpu rss" per
# run appended to $TMP/NAME.runs (rss: the largest of the runs).
one() {
	n=$1 o=$2
	shift 2
	/usr/bin/time -f '%e %U %S %M' -o "$TMP/t" sh -c '
		k=$1 o=$2; shift 2
		while [ "$k" -gt 0 ]; do "$@" >"$o" || exit 1; k=$((k - 1)); done' \
		sh "$REPEAT" "$o" "$@" 2>"$TMP/err" ||
		{ cat "$TMP/err" >&2; echo "bench_fetchjson: $n failed" >&2; exit 1; }
	tail -n 1 "$TMP/t" | awk -v k="$REPEAT" \
		'{ printf "%.4f %.4f %s\n", $1 / k, ($2 + $3) / k, $4 }' >>"$TMP/$n.runs"
}
# med NAME COLUMN: the median of that column over the rounds.
med() {
	awk -v c="$2" '{ print $c }' "$TMP/$1.runs" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The empty feed's peak: the process's floor.
: >"$TMP/empty.runs"
REPEAT=20
for r in 1 2 3; do
	one empty /dev/null "$PAPERBOY" fetch --json --feed \
		"$PB_FIXTURES/rss2-empty-feed-test-archive.xml"
done
FLOOR=$(med empty 3)
FLOOR_WALL=$(med empty 1)
FLOOR_CPU=$(med empty 2)

for FEED in "$SRC" "$BIG"; do
	BYTES=$(wc -c <"$FEED")
	ITEMS=$(grep -c '<item>' "$FEED")
	REPEAT=1
	[ "$BYTES" -lt 10000000 ] && REPEAT=20
	cat "$FEED" >/dev/null # page cache: every contender reads from memory
	for n in null file xmllint; do : >"$TMP/$n.runs"; done
	echo
	echo "feed: $FEED ($ITEMS items, $BYTES bytes); $ROUNDS rounds of $REPEAT run(s) each, in turn:"
	echo "  A \$ /usr/bin/time -f '%e %U %S %M' $PAPERBOY fetch --json --feed $FEED >/dev/null"
	echo "  B \$ /usr/bin/time -f '%e %U %S %M' xmllint --stream --noout $FEED"
	echo "  C \$ /usr/bin/time -f '%e %U %S %M' $PAPERBOY fetch --json --feed $FEED >$TMP/out.jsonl"
	r=0
	while [ "$r" -lt "$ROUNDS" ]; do
		r=$((r + 1))
		one null /dev/null "$PAPERBOY" fetch --json --feed "$FEED"
		one xmllint /dev/null xmllint --stream --noout "$FEED"
		rm -f "$TMP/out.jsonl"
		one file "$TMP/out.jsonl" "$PAPERBOY" fetch --json --feed "$FEED"
	done
	lines=$(wc -l <"$TMP/out.jsonl")
	[ "$lines" -eq "$ITEMS" ] ||
		{ echo "bench_fetchjson: $lines JSON lines, want $ITEMS" >&2; exit 1; }
	printf '%-44s %8s %8s %12s\n' "median of $ROUNDS, per run" "wall s" "cpu s" "peak RSS KB"
	for n in null xmllint file; do
		case $n in
		null) label="A paperboy fetch --json, to /dev/null" ;;
		xmllint) label="B xmllint --stream --noout" ;;
		file) label="C paperboy fetch --json, to a file" ;;
		esac
		printf '%-44s %8s %8s %12s\n' "$label" "$(med "$n" 1)" "$(med "$n" 2)" "$(med "$n" 3)"
	done
	printf '%-44s %8s %8s %12s\n' "  (paperboy on an empty feed: its start)" "$FLOOR_WALL" "$FLOOR_CPU" \
		"$FLOOR"
	echo "$(med null 1) $(med null 2) $(med xmllint 1) $(med xmllint 2) $(med file 1) $(med file 2)" \
		"$(med null 3) $(med file 3) $BYTES $FLOOR $FLOOR_WALL" | awk '{
		printf "ratio A/B: wall %.2fx, cpu %.2fx; C/B: wall %.2fx, cpu %.2fx (target: wall <= 1.3x)\n",
		    $1 / ($3 > 0 ? $3 : 0.01), $2 / ($4 > 0 ? $4 : 0.01),
		    $5 / ($3 > 0 ? $3 : 0.01), $6 / ($4 > 0 ? $4 : 0.01)
		printf "beyond the start of paperboy (A minus its wall on an empty feed): %.4f s = %.2fx the wall of B\n",
		    $1 - $11, ($1 - $11) / ($3 > 0 ? $3 : 0.01)
		bound = 20 * 1024 + 0.2 * $9 / 1024
		printf "peak memory: A %d KB, C %d KB; bound 20 MB + 0.2 x %d KB = %d KB (%s); above the floor: A %d KB\n",
		    $7, $8, $9 / 1024, bound, ($7 < bound && $8 < bound) ? "within" : "OVER", $7 - $10
	}'
done
