#!/bin/sh
# The state's outbox for 10,000 subscribers (20,000 messages of 20 KB): enqueue, due scans,
# one commit per message marked sent, prune; peak memory. Beside it, the same inserts through
# the sqlite3 shell in one transaction as a floor for what SQLite itself costs.
set -u
: "${BUILD:?}"
N=${PB_BENCH_SUBSCRIBERS:-10000}
T=$(mktemp -d /tmp/pb-bench-state.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
echo "\$ /usr/bin/time -f 'peak memory %M KB' $BUILD/bench/state_bench $T/paperboy.db $N"
/usr/bin/time -f "peak memory %M KB" "$BUILD/bench/state_bench" "$T/paperboy.db" "$N" || exit 1
ls -l "$T/paperboy.db" | awk '{printf "database file %.1f MB at the end (SQLite reuses freed pages; no VACUUM)\n", $5 / 1048576}'
# Reference: sqlite3 inserting the same rows in one transaction.
if command -v sqlite3 >/dev/null; then
  echo "\$ sqlite3 (reference): $((N * 2)) rows of 20 KB in one transaction, synchronous=NORMAL, WAL"
  start=$(date +%s.%N)
  sqlite3 "$T/ref.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
    CREATE TABLE o(id TEXT UNIQUE, p BLOB);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $((N * 2)))
    INSERT INTO o SELECT 'm' || i, zeroblob(20000) FROM c;" >/dev/null
  end=$(date +%s.%N)
  echo "reference insert $(echo "$end - $start" | bc) s"
fi
