#!/bin/sh
# make bench: runs every bench/*.sh; each prints its figures with the command that produced them.
set -u
: "${PAPERBOY:?}"
export PAPERBOY
export PB_FIXTURES="${PB_FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures/arxiv}"
export PB_BENCH="$(cd "$(dirname "$0")" && pwd)"
rc=0
for b in "$PB_BENCH"/bench_*.sh; do
  [ -f "$b" ] || continue
  [ -n "${ONLY:-}" ] && case "$(basename "$b")" in *"$ONLY"*) ;; *) continue ;; esac
  echo "== $(basename "$b")"
  sh "$b" || rc=1
done
exit $rc
