#!/bin/sh
# make bench ONLY=match: 10,000 generated subscribers (5 topics of ~6 terms each) against 2,000
# papers from the fixtures, through the indexed matcher, beside the straightforward reference
# (every topic on every paper, scanning its folded words) timed on 200 of the subscribers in the
# same run and scaled; then matching with the ledger filter on, as a run does (a state holding
# 30 days x 10 papers per subscriber), beside the filter off. Prints the figures and the
# commands that produced them.
set -eu
: "${BUILD:?BUILD must name the build directory}"
FIX="${PB_FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures/arxiv}"
BIN="$BUILD/bench/match_bench"
[ -x "$BIN" ] || { echo "bench_match: $BIN is missing (make tools)" >&2; exit 1; }
out=$(mktemp); mem=$(mktemp)
trap 'rm -f "$out" "$mem"' EXIT INT TERM

# 1. The matcher alone and 2. with the reference on the first 200 subscribers (every topic
#    on every paper, timed in the same process and scaled to 10,000; the tool exits 2 when any
#    of those selections differ), alternating 1 2 1 2 1 2; the figures are the medians of the
#    three: the matcher's total wall time, its peak resident memory, the reference's speed
#    ratio.
echo "# matcher alone (A) and with the reference on 200 subscribers (B), 10000 subscribers x"
echo "# 2000 papers, alternating A B, 3 rounds"
echo "A \$ /usr/bin/time -f %M $BIN $FIX 10000 2000 0"
echo "B \$ /usr/bin/time -f %M $BIN $FIX 10000 2000 200"
: >"$mem.a"
: >"$mem.b"
for i in 1 2 3; do
  /usr/bin/time -o "$mem" -f %M "$BIN" "$FIX" 10000 2000 0 >"$out"
  if [ "$i" = 1 ]; then sed -n '1,3p' "$out"; grep -E '^matches' "$out"; fi
  t=$(sed -n 's/^total    (compile+match): *\([0-9.]*\) s wall.*/\1/p' "$out")
  echo "$t $(cat "$mem")" >>"$mem.a"
  echo "round $i A: $(grep -E '^total' "$out"); peak memory $(cat "$mem") KB"
  rc=0
  /usr/bin/time -o "$mem" -f %M "$BIN" "$FIX" 10000 2000 200 >"$out" || rc=$?
  [ "$rc" = 0 ] || { grep -E '^same' "$out"; echo "bench_match: the reference disagrees (exit $rc)" >&2; exit 1; }
  x=$(sed -n 's/^speed ratio (reference scaled \/ indexed total): *\([0-9]*\)x wall.*/\1/p' "$out")
  echo "$x" >>"$mem.b"
  echo "round $i B: $(grep -E '^speed' "$out"); $(grep -E '^same' "$out")"
done
echo "median total wall (compile+match): $(awk '{print $1}' "$mem.a" | sort -g | sed -n 2p) s;" \
  "median peak memory: $(awk '{print $2}' "$mem.a" | sort -g | sed -n 2p) KB;" \
  "median speed ratio to the reference: $(sort -g "$mem.b" | sed -n 2p)x wall"
rm -f "$mem.a" "$mem.b"

# 3. Matching as a run does it, with the ledger filter, against a state whose ledger holds 30
#    days x 10 papers per subscriber (300,000 rows here, one per subscriber and day, with
#    3,000,000 papers; the first run fills it): the filter off, and the ledger read once,
#    keeping of it the day's papers, each subscriber's loaded into a set (what `paperboy run`
#    does). Alternating off/set, three rounds; the figure is each one's median.
# 4. The same filter against 90 days (retention_days' default: the ledger of a state in use for
#    a season), alternating with 30, three rounds: what a longer history costs the run.
echo
echo "# ledger filter: off / set, alternating, 3 rounds (median)"
db="$(mktemp -d)/ledger.db"
db90="$(dirname "$db")/ledger90.db"
trap 'rm -f "$out" "$mem"; rm -rf "$(dirname "$db")"' EXIT INT TERM
"$BIN" --state="$db" --ledger=set "$FIX" 10000 2000 0 | grep -E '^ledger filled' || true
for i in 1 2 3; do
  for mode in off set; do
    "$BIN" --state="$db" --ledger=$mode "$FIX" 10000 2000 0 >"$out"
    w=$(sed -n 's/^match    (pb_match_all): *\([0-9.]*\) s wall.*/\1/p' "$out")
    q=$(sed -n 's/^ledger filter: .*, \([0-9]*\) ledger loads/\1/p' "$out")
    echo "$mode $w $q" >>"$mem.all"
    echo "round $i: --ledger=$mode  match ${w}s  ledger loads $q"
  done
done
for mode in off set; do
  med=$(awk -v m=$mode '$1 == m { print $2 }' "$mem.all" | sort -n | sed -n 2p)
  q=$(awk -v m=$mode '$1 == m { print $3 }' "$mem.all" | sed -n 1p)
  echo "median pb_match_all, ledger $mode: ${med}s ($q ledger loads)   \$ $BIN --state=DB --ledger=$mode $FIX 10000 2000 0"
done
rm -f "$mem.all"

echo
echo "# ledger filter at 30 and 90 days of history, alternating, 3 rounds (median)"
"$BIN" --state="$db90" --days=90 --ledger=set "$FIX" 10000 2000 0 | grep -E '^ledger filled' || true
for i in 1 2 3; do
  for days in 30 90; do
    d="$db"; [ $days = 90 ] && d="$db90"
    "$BIN" --state="$d" --ledger=set "$FIX" 10000 2000 0 >"$out"
    w=$(sed -n 's/^match    (pb_match_all): *\([0-9.]*\) s wall.*/\1/p' "$out")
    echo "$days $w" >>"$mem.all"
    echo "round $i: $days days  match ${w}s"
  done
done
for days in 30 90; do
  med=$(awk -v m=$days '$1 == m { print $2 }' "$mem.all" | sort -n | sed -n 2p)
  echo "median pb_match_all, ledger set, $days days: ${med}s   \$ $BIN --state=DB --ledger=set $FIX 10000 2000 0 (DB filled with --days=$days)"
done
rm -f "$mem.all"
