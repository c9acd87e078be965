#!/bin/sh
# The state's outbox for 10,000 subscribers (20,000 messages of 20 KB): enqueue, due scans,
# one commit per message marked sent, prune; peak memory. Beside it, the same inserts through
# the sqlite3 shell in one transaction as a floor for what SQLite itself costs.
set -u
: "${BUILD:?}"
N=${PB_BENCH_SUBSCRIBERS:-10000}
T=$(mktemp -d /tmp/pb-bench-state.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
ROUNDS=${PB_BENCH_ROUNDS:-3}
med() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
echo "A \$ /usr/bin/time -f 'peak memory %M KB' $BUILD/bench/state_bench $T/paperboy.db $N"
echo "B \$ sqlite3 (reference): $((N * 2)) rows of 20 KB in one transaction, synchronous=NORMAL, WAL"
echo "   alternating A B, $ROUNDS rounds, a fresh database each time; the figures are medians"
command -v sqlite3 >/dev/null || { echo "bench_state: the sqlite3 shell is not installed" >&2; exit 1; }
enq=""; due=""; mark=""; mem=""; ref=""; r=0
while [ "$r" -lt "$ROUNDS" ]; do
  r=$((r + 1))
  rm -f "$T"/paperboy.db* "$T"/ref.db*
  /usr/bin/time -o "$T/mem" -f "%M" "$BUILD/bench/state_bench" "$T/paperboy.db" "$N" >"$T/out" 2>"$T/err" ||
    { cat "$T/err" >&2; exit 1; }
  [ "$r" = 1 ] && cat "$T/out" && ls -l "$T/paperboy.db" |
    awk '{printf "database file %.1f MB at the end (SQLite reuses freed pages; no VACUUM)\n", $5 / 1048576}'
  enq="$enq $(sed -n 's/^enqueue *\([0-9.]*\) s.*/\1/p' "$T/out")"
  due="$due $(sed -n 's/^due scans *\([0-9.]*\) s.*/\1/p' "$T/out")"
  mark="$mark $(sed -n 's/^mark sent *\([0-9.]*\) s.*/\1/p' "$T/out")"
  mem="$mem $(tail -n 1 "$T/mem")"
  start=$(date +%s.%N)
  sqlite3 "$T/ref.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
    CREATE TABLE o(id TEXT UNIQUE, p BLOB);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $((N * 2)))
    INSERT INTO o SELECT 'm' || i, zeroblob(20000) FROM c;" >/dev/null
  end=$(date +%s.%N)
  ref="$ref $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')"
done
echo "A enqueue, median:   $(echo "$enq" | med) s  (runs:$enq)"
echo "A due scans, median: $(echo "$due" | med) s  (runs:$due)"
echo "A mark sent, median: $(echo "$mark" | med) s  (runs:$mark)"
echo "A peak memory, median: $(echo "$mem" | med) KB  (runs:$mem)"
echo "B reference insert, median: $(echo "$ref" | med) s  (runs:$ref)"
