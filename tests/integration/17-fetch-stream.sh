#!/bin/sh
# fetch --feed FILE streams: each record is written and freed as it is read. Checked against
# the whole-set path (the same feed through a pipe on stdin, which cannot be read twice and so
# is read whole):
#  1. every fixture gives the same bytes (JSON and table), the same exit code and summary, with
#     stdout a file, a pipe, and with the feed on stdin as a regular file;
#  2. an id listed twice (which the whole set merges) gives the merged record, via the
#     whole-set path (said at debug level);
#  3. a body that breaks after many records (truncated; arXiv's error entry after records)
#     leaves nothing on stdout: a file is cut back to what it held, a pipe gets nothing;
#  4. hostile text (quotes, backslashes, controls, U+2028, markup) is escaped: one JSON line per
#     record that reads back to the text;
#  5. peak memory on a ~55 MB generated feed stays under the process's start plus 0.25x the
#     file (the whole set needed more than the file's size), to a file and to a pipe.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d /tmp/pb-stream.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
export PAPERBOY_CONFIG="$T/none.conf"
fails=0
fail() { echo "17-fetch-stream: FAIL: $*" >&2; fails=$((fails + 1)); }
SRC=$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml

# whole NAME FEED ARGS...: the whole-set answer (the feed piped in), NAME.{out,err,rc}.
whole() {
  nm=$1 fd=$2; shift 2
  { cat "$fd" | "$PAPERBOY" fetch --feed - "$@" 2>"$T/$nm.err"; echo $? >"$T/$nm.rc"; } |
    cat >"$T/$nm.out"
}
# tofile NAME FEED ARGS...: streamed into a regular file.
tofile() {
  nm=$1 fd=$2; shift 2
  "$PAPERBOY" fetch --feed "$fd" "$@" >"$T/$nm.out" 2>"$T/$nm.err"; echo $? >"$T/$nm.rc"
}
# topipe NAME FEED ARGS...: streamed into a pipe.
topipe() {
  nm=$1 fd=$2; shift 2
  { "$PAPERBOY" fetch --feed "$fd" "$@" 2>"$T/$nm.err"; echo $? >"$T/$nm.rc"; } |
    cat >"$T/$nm.out"
}
# fromstdin NAME FEED ARGS...: the feed on stdin as a regular file (streamed), into a file.
fromstdin() {
  nm=$1 fd=$2; shift 2
  "$PAPERBOY" fetch --feed - "$@" <"$fd" >"$T/$nm.out" 2>"$T/$nm.err"; echo $? >"$T/$nm.rc"
}
# same WHAT A B: A's stdout and exit code are B's, and so is the summary line on stderr.
same() {
  cmp -s "$T/$2.out" "$T/$3.out" || fail "$1: stdout differs ($2 vs $3)"
  [ "$(cat "$T/$2.rc")" = "$(cat "$T/$3.rc")" ] ||
    fail "$1: exit $(cat "$T/$2.rc") vs $(cat "$T/$3.rc")"
  [ "$(grep '^papers=' "$T/$2.err")" = "$(grep '^papers=' "$T/$3.err")" ] ||
    fail "$1: summary '$(grep '^papers=' "$T/$2.err")' vs '$(grep '^papers=' "$T/$3.err")'"
}

# 1. Every fixture, every way.
cases=0
for f in "$PB_FIXTURES"/*.xml "$PB_TESTS"/fixtures/select/*.xml; do
  for fmt in --json ""; do
    for cats in "" "--category cs.CV --category hep-ex"; do
      # shellcheck disable=SC2086 # the options split on purpose
      {
        whole w "$f" $fmt $cats
        tofile a "$f" $fmt $cats
        topipe b "$f" $fmt $cats
        fromstdin c "$f" $fmt $cats
      }
      for k in a b c; do same "$(basename "$f") $fmt $cats ($k)" $k w; done
      cases=$((cases + 1))
    done
  done
done
[ "$cases" -ge 40 ] || fail "only $cases fixture cases"
# The streamed answer is the fixture's: 1504 lines, 10-fetch-feed's counts.
tofile big "$SRC" --json
[ "$(wc -l <"$T/big.out")" -eq 1504 ] || fail "big: $(wc -l <"$T/big.out") lines"
grep -q '^papers=1504 new=926 cross=9 replace=569 replace-cross=0 date=2024-11-28$' \
  "$T/big.err" || fail "big: summary $(grep '^papers=' "$T/big.err")"

# The generated feed: ~3000 items, so that much is written before anything below breaks.
/usr/bin/python3 "$PB_TESTS/../bench/gen_feed.py" "$SRC" 3000 >"$T/gen.xml" ||
  { echo "17-fetch-stream: cannot generate a feed" >&2; exit 1; }

# 2. An id listed twice: its second record adds a category; the first record is merged.
/usr/bin/python3 - "$T/gen.xml" "$T/dup.xml" <<'PY' || fail "cannot write dup.xml"
import re, sys
d = open(sys.argv[1], encoding='utf-8').read()
first = re.search(r'<item>.*?</item>', d, flags=re.S).group(0)
dup = first.replace('<category>', '<category>zz.XX</category><category>', 1)
i = d.rindex('</item>') + len('</item>')
open(sys.argv[2], 'w', encoding='utf-8').write(d[:i] + dup + d[i:])
PY
whole dupw "$T/dup.xml" --json
"$PAPERBOY" -v fetch --feed "$T/dup.xml" --json >"$T/dupa.out" 2>"$T/dupa.err"
echo $? >"$T/dupa.rc"
same "dup (file)" dupa dupw
topipe dupb "$T/dup.xml" --json
same "dup (pipe)" dupb dupw
fromstdin dupc "$T/dup.xml" --json
same "dup (stdin)" dupc dupw
grep -q 'event=fetch.whole_set' "$T/dupa.err" || fail "dup: the whole-set path was not taken"
/usr/bin/python3 - "$T/dupa.out" <<'PY' || fail "dup: the repeated id is not merged once"
import json, sys
P = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
assert len(P) == 3000 and len(set(p['id'] for p in P)) == 3000, len(P)
assert 'zz.XX' in P[0]['categories'], P[0]['categories']
PY

# 3. Broken bodies after many records: nothing from them on stdout.
head -c 3000000 "$T/gen.xml" >"$T/cut.xml"
/usr/bin/python3 - "$PB_FIXTURES" "$T/apierr.xml" <<'PY' || fail "cannot write apierr.xml"
import re, sys
a = open(sys.argv[1] + '/api2026-query-all-testing-100.xml', encoding='utf-8').read()
e = open(sys.argv[1] + '/api2026-error-bad-id.xml', encoding='utf-8').read()
entry = re.search(r'<entry>.*?</entry>', e, flags=re.S).group(0)
j = a.rindex('</feed>')
open(sys.argv[2], 'w', encoding='utf-8').write(a[:j] + entry + a[j:])
PY
for b in cut.xml apierr.xml; do
  for fmt in --json ""; do
    # shellcheck disable=SC2086
    tofile bad "$T/$b" $fmt
    [ "$(cat "$T/bad.rc")" = 65 ] || fail "$b $fmt: exit $(cat "$T/bad.rc"), want 65"
    [ -s "$T/bad.out" ] && fail "$b $fmt: $(wc -c <"$T/bad.out") bytes left in the file"
    grep -q "^paperboy: " "$T/bad.err" || fail "$b $fmt: no error message"
    # shellcheck disable=SC2086
    topipe badp "$T/$b" $fmt
    [ -s "$T/badp.out" ] && fail "$b $fmt: $(wc -c <"$T/badp.out") bytes through the pipe"
    # Appending: what the file held before stays, and only that.
    printf 'kept\n' >"$T/app.out"
    # shellcheck disable=SC2086
    "$PAPERBOY" fetch --feed "$T/$b" $fmt >>"$T/app.out" 2>/dev/null
    [ "$(cat "$T/app.out")" = kept ] || fail "$b $fmt: an appended file was not cut back"
  done
done
[ "$(grep -c '<item>' "$T/cut.xml")" -gt 1000 ] || fail "cut.xml breaks too early to test"
# A sound feed appended to a file keeps what was there.
printf 'kept\n' >"$T/app.out"
"$PAPERBOY" fetch --feed "$SRC" --json >>"$T/app.out" 2>/dev/null
{ printf 'kept\n'; cat "$T/big.out"; } | cmp -s - "$T/app.out" || fail "append: not kept + answer"

# 4. Hostile text, escaped: the 4-item fixture with quotes, backslashes, a tab, a line
# separator, markup and a control character (forbidden in XML: repaired to U+FFFD).
/usr/bin/python3 - "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" \
  "$T/hostile.xml" <<'PY' || fail "cannot write hostile.xml"
import sys
d = open(sys.argv[1], encoding='utf-8').read()
bad = 'Q"uote \\back\\slash\t</script><b>&\u2028\x01 \u202e end'
bad_xml = bad.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
d = d.replace('<title>The Drift Contract:', '<title>The Drift ' + bad_xml + ' Contract:', 1)
open(sys.argv[2], 'w', encoding='utf-8').write(d)
PY
tofile hj "$T/hostile.xml" --json
whole hw "$T/hostile.xml" --json
same hostile hj hw
/usr/bin/python3 - "$T/hj.out" <<'PY' || fail "hostile: not escaped JSON"
import json, sys
raw = open(sys.argv[1], 'rb').read()
lines = raw.split(b'\n')
assert lines[-1] == b'' and len(lines) == 5, len(lines)
for l in lines[:-1]:
    assert not any(c < 0x20 for c in l), 'a raw control byte in a line'
P = [json.loads(l) for l in lines[:-1]]
t = [p['title'] for p in P if 'Drift' in p['title']][0]
want = 'Q"uote \\back\\slash </script><b>&\u2028\ufffd \u202e end'
assert want in t, repr(t)
PY

# 5. Peak memory on a large feed: the start (an empty feed's peak) plus 0.25x the file.
if [ "${PB_SANITIZED:-}" = 1 ]; then
  echo "17-fetch-stream: memory bound not checked under the sanitizers"
elif [ -x /usr/bin/time ]; then
  /usr/bin/python3 "$PB_TESTS/../bench/gen_feed.py" "$SRC" 30000 >"$T/large.xml"
  size_kb=$(( $(wc -c <"$T/large.xml") / 1024 ))
  /usr/bin/time -f %M -o "$T/floor.kb" "$PAPERBOY" fetch --json \
    --feed "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" >/dev/null 2>&1
  bound=$(( $(tail -n 1 "$T/floor.kb") + size_kb / 4 ))
  /usr/bin/time -f %M -o "$T/file.kb" "$PAPERBOY" fetch --json --feed "$T/large.xml" \
    >"$T/large.out" 2>"$T/large.err" || fail "large: exit $?"
  { /usr/bin/time -f %M -o "$T/pipe.kb" "$PAPERBOY" fetch --json --feed "$T/large.xml" \
      2>/dev/null; } | cmp -s - "$T/large.out" || fail "large: the pipe got other bytes"
  /usr/bin/time -f %M -o "$T/stdin.kb" "$PAPERBOY" fetch --json --feed - <"$T/large.xml" \
    2>/dev/null | cmp -s - "$T/large.out" || fail "large: stdin gave other bytes"
  [ "$(wc -l <"$T/large.out")" -eq 30000 ] || fail "large: $(wc -l <"$T/large.out") lines"
  for k in file pipe stdin; do
    kb=$(tail -n 1 "$T/$k.kb")
    [ "$kb" -lt "$bound" ] ||
      fail "large ($k): peak $kb KB, bound $bound KB (file $size_kb KB)"
  done
  echo "17-fetch-stream: ${size_kb} KB feed: peak $(tail -n 1 "$T/file.kb") KB (file)," \
    "$(tail -n 1 "$T/pipe.kb") KB (pipe), bound $bound KB"
fi

[ "$fails" -eq 0 ] || { echo "17-fetch-stream: $fails failure(s)" >&2; exit 1; }
echo "17-fetch-stream: all checks passed"
