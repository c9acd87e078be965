#!/bin/sh
# A config of many subscribers writing the same texts: `check` still reports a warning or an
# error for every subscriber that writes it (a text checked once is not a text reported once),
# with each one's own file and line, also from an included file; and a loaded config of 20,000
# subscribers keeps the texts they share once.
set -eu
: "${PAPERBOY:?}"
T=$(mktemp -d /tmp/pb-config-scale.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "24-config-scale: $*" >&2; exit 1; }

cat >"$T/more.conf" <<EOF
  { name = "d"; topics = ( { name = "t"; query = "cat:cs.CV and ti:depth"; } ); },
  { name = "e"; topics = ( { name = "t"; query = "ti:(depth"; } ); }
EOF
cat >"$T/pb.conf" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$T/out"; };
subscribers = (
  { name = "a"; topics = ( { name = "t"; query = "cat:cs.CV and ti:depth"; } ); },
  { name = "b"; topics = ( { name = "t"; query = "cat:cs.CV and ti:depth"; },
                           { name = "u"; query = "ti:(depth"; } ); },
  { name = "c"; topics = ( { name = "t"; query = "cat:cs.CV"; } ); },
  @include "more.conf"
);
EOF
rc=0
"$PAPERBOY" -c "$T/pb.conf" check >"$T/out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "check passed a config with an unbalanced parenthesis"
for w in "pb.conf:5: subscribers.\[0\].topics.\[0\].query: subscriber a" \
         "pb.conf:6: subscribers.\[1\].topics.\[0\].query: subscriber b" \
         "more.conf:1: subscribers.\[3\].topics.\[0\].query: subscriber d"; do
  grep -q "warning: .*$w.*'and' is searched as a word" "$T/out" || fail "no warning for $w: $(cat "$T/out")"
done
for e in "pb.conf:7: subscribers.\[1\].topics.\[1\].query: subscriber b" \
         "more.conf:2: subscribers.\[4\].topics.\[0\].query: subscriber e"; do
  grep -v warning "$T/out" | grep -q "$e" || fail "no error for $e: $(cat "$T/out")"
done
grep -q "subscriber c" "$T/out" && fail "a finding for c, whose query is clean: $(cat "$T/out")"

# 20,000 subscribers, 3 topics each, load, and the loaded config keeps at most 600 bytes a
# subscriber (it kept 755 when each held its own copies of its file name, its default
# language and its topic names and queries; 461 since)
N=20000
mkdir -p "$T/big"
/usr/bin/python3 "$(dirname "$0")/../lib/gen_config.py" --dir "$T/big" --subscribers $N \
  --smtp-port 2525 --chat-port 1 --channels email --topics 3 --max-papers 10
"$PAPERBOY" -c "$T/big/paperboy.conf" check >"$T/big.out" 2>&1 ||
  fail "check of $N subscribers failed: $(tail -3 "$T/big.out")"
BENCH="$(dirname "$PAPERBOY")/bench/config_bench"
[ -x "$BENCH" ] || fail "$BENCH is missing (make tools)"
"$BENCH" load "$T/big/paperboy.conf" >"$T/kept" || fail "config_bench load failed"
per=$(sed -n 's/.*(\([0-9]*\) per subscriber).*/\1/p' "$T/kept")
echo "24-config-scale: $(cat "$T/kept")"
[ -n "$per" ] && [ "$per" -le 600 ] || fail "the loaded config keeps ${per:-?} bytes a subscriber, over 600"
echo "24-config-scale: all checks passed"
