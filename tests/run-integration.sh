#!/bin/sh
# Runs every tests/integration/*.sh with PAPERBOY pointing at the binary under test.
# Each script starts its own local peers on 127.0.0.1, cleans up with trap, exits non-zero on failure.
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
fail=0
for t in "$PB_TESTS"/integration/*.sh; do
  [ -f "$t" ] || continue
  [ -n "${ONLY:-}" ] && case "$(basename "$t")" in *"$ONLY"*) ;; *) continue ;; esac
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
