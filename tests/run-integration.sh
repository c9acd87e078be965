#!/bin/sh
# Runs every tests/integration/*.sh with PAPERBOY pointing at the binary under test.
# Each script starts its own local peers on 127.0.0.1 (on ports the system picks), works in a
# folder of its own from mktemp, cleans up with trap and exits non-zero on failure, so scripts
# can run side by side: PB_TEST_JOBS at once (default 3: most of a script's time is spent
# waiting on its peers, its timers and its children, not computing). Each script's output is
# kept and printed whole when it ends, under its name, with its time; the longest scripts
# start first. PB_TEST_JOBS=1 runs them one after another, printing as they go.
set -u
: "${PAPERBOY:?PAPERBOY must name the binary}"
export PAPERBOY
export PB_FIXTURES="${PB_FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures/arxiv}"
if [ ! -d "$PB_FIXTURES" ]; then
  echo "run-integration: fixtures not found: $PB_FIXTURES is not a folder; set PB_FIXTURES to" \
    "the folder of the saved arXiv responses (shared/fixtures/arxiv)" >&2
  exit 1
fi
export PB_TESTS="$(cd "$(dirname "$0")" && pwd)"
JOBS=${PB_TEST_JOBS:-3}
case "$JOBS" in ''|*[!0-9]*|0) echo "run-integration: PB_TEST_JOBS must be a number from 1: $JOBS" >&2; exit 2 ;; esac

# The scripts that take longest (about a minute or more each), started first so the others fill in
# beside them.
LONG="05-readme 96-state-pg-silent-host 60-daemon 70-crash 50-deliver-smtp 11-fetch-http 39-embeddings 40-summary-model
84-state-pg-suite 62-daemon-reload 76-crash-discord-ntfy 77-crash-matrix"

picked() {
  [ -f "$1" ] || return 1
  [ -z "${ONLY:-}" ] && return 0
  for w in $ONLY; do  # one or more words, each a part of a script's name
    case "$(basename "$1")" in *"$w"*) return 0 ;; esac
  done
  return 1
}

if [ "$JOBS" -eq 1 ]; then
  fail=0
  for t in "$PB_TESTS"/integration/*.sh; do
    picked "$t" || continue
    echo "== $(basename "$t")"
    start=$(date +%s)
    if sh "$t"; then
      echo "   ok ($(( $(date +%s) - start )) s)"
    else
      echo "   FAILED: $(basename "$t")"
      fail=1
    fi
  done
  exit $fail
fi

OUT=$(mktemp -d /tmp/pb-integration.XXXXXX) || exit 1
XP=""
trap 'rm -rf "$OUT"' EXIT
# Stopped, the runner stops the scripts under way too (each cleans up after itself on TERM).
trap '[ -n "$XP" ] && kill -TERM "-$XP" 2>/dev/null; exit 130' INT TERM
{
  for n in $LONG; do
    picked "$PB_TESTS/integration/$n.sh" && echo "$PB_TESTS/integration/$n.sh"
  done
  for t in "$PB_TESTS"/integration/*.sh; do
    picked "$t" || continue
    case " $(echo $LONG) " in *" $(basename "$t" .sh) "*) continue ;; esac
    echo "$t"
  done
} >"$OUT/list"
[ -s "$OUT/list" ] || { echo "run-integration: no script matches ONLY=${ONLY:-}" >&2; exit 1; }

# One script: its output into a file of its own, then printed whole under a lock (two scripts
# ending together do not interleave); a failure leaves a mark. xargs and the scripts are a
# process group of their own (setsid), which a stopped runner stops whole; one path a line.
export OUT
start=$(date +%s)
setsid xargs -d '\n' -P "$JOBS" -n 1 sh -c '
  t=$1 name=$(basename "$1") s=$(date +%s)
  if sh "$t" >"$OUT/$name.log" 2>&1; then res="   ok ($(( $(date +%s) - s )) s)"
  else res="   FAILED: $name ($(( $(date +%s) - s )) s)"; : >"$OUT/$name.failed"; fi
  { echo "== $name"; cat "$OUT/$name.log"; echo "$res"; } >"$OUT/$name.done"
  flock "$OUT/list" cat "$OUT/$name.done"
' sh <"$OUT/list" &
XP=$!
wait "$XP"
XP=""
failed=$(cd "$OUT" && ls -- *.failed 2>/dev/null | sed 's/\.failed$//')
echo "integration: $(wc -l <"$OUT/list") scripts, $JOBS at once, $(( $(date +%s) - start )) s"
if [ -n "$failed" ]; then
  echo "FAILED:" $failed
  exit 1
fi
exit 0
