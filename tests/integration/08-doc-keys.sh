#!/bin/sh
# Every key of src/config/table.c is documented with the table's default and bounds: in
# paperboy.conf(5) by its item in its section, in conf/paperboy.conf.example by its comment,
# and a group the example shows commented out is closed (tests/lib/doc_keys.py). Needs no
# binary: the table is read as written.
set -u
: "${PB_TESTS:?}"
ROOT=$(cd "$PB_TESTS/.." && pwd)
T=$(mktemp -d /tmp/pb-dockeys.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
if ! /usr/bin/python3 "$PB_TESTS/lib/doc_keys.py" "$ROOT" >"$T/out" 2>"$T/err"; then
  sed 's/^/08-doc-keys: FAIL: /' "$T/out" >&2
  cat "$T/err" >&2
  exit 1
fi
echo "08-doc-keys: ok ($(cat "$T/err"))"
