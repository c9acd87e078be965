#!/bin/sh
# Unit tests without their fixtures stop at once and say where they looked (PB_FIXTURES, or the
# default ../shared/fixtures/arxiv from the working directory), instead of failing checks on
# empty parses ("got 4, want 0"); so does the integration runner.
set -u
: "${BUILD:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d /tmp/pb-fix.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "07-fixtures: FAIL: $*" >&2; fails=$((fails + 1)); }
mkdir "$T/work"
for t in test_parse test_match test_render; do
  bin="$BUILD/tests/$t"
  [ -x "$bin" ] || { fail "$bin is not built"; continue; }
  (cd "$T/work" && PB_FIXTURES="$T/nowhere" "$bin" >"$T/out" 2>"$T/err"); rc=$?
  [ $rc != 0 ] || fail "$t passed without fixtures"
  grep -q "^fixtures not found: $T/nowhere is not a folder (from PB_FIXTURES" "$T/err" ||
    fail "$t with PB_FIXTURES=$T/nowhere: $(head -c 300 "$T/err")"
  grep -q "got .*want" "$T/err" && fail "$t ran its checks without fixtures"
  (cd "$T/work" && env -u PB_FIXTURES "$bin" >"$T/out" 2>"$T/err"); rc=$?
  [ $rc != 0 ] || fail "$t passed without fixtures (PB_FIXTURES unset)"
  grep -q "^fixtures not found: ../shared/fixtures/arxiv is not a folder (the default, PB_FIXTURES unset; working directory $T/work)" "$T/err" ||
    fail "$t without PB_FIXTURES: $(head -c 300 "$T/err")"
  # and with them it passes (from the top of the tree, where the golden files are)
  (cd "$PB_TESTS/.." && "$bin" >"$T/out" 2>"$T/err") || fail "$t fails with PB_FIXTURES=$PB_FIXTURES"
done
# the integration runner says so too, before running anything
PB_FIXTURES="$T/nowhere" ONLY=no-such-test sh "$PB_TESTS/run-integration.sh" >"$T/out" 2>"$T/err"; rc=$?
[ $rc != 0 ] && grep -q "fixtures not found: $T/nowhere is not a folder" "$T/err" ||
  fail "run-integration.sh with PB_FIXTURES=$T/nowhere: exit $rc, $(head -c 300 "$T/err")"
[ $fails = 0 ] || exit 1
echo "07-fixtures: ok"
