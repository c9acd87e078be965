#!/bin/sh
# Feed text printed on a terminal is cleaned like every rendered field: a title and a category
# holding bidi overrides (U+202E, U+2066), C1 controls (U+0085, U+009B) and a line separator
# (U+2028) reach the output of `fetch`, `match` and `run --dry-run` without them, on one line.
# The feed is the 4-item RSS 2.0 fixture with those characters put in its first two records.
# A title of wide (CJK) characters is cut to the same 70 terminal columns as a Latin one.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d /tmp/pb-hostile.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "16-fetch-hostile-text: FAIL: $*" >&2; fails=$((fails + 1)); }

/usr/bin/python3 - "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" \
  "$T/feed.xml" <<'PY' || { echo "16-fetch-hostile-text: cannot write the feed" >&2; exit 1; }
import sys
d = open(sys.argv[1], encoding='utf-8').read()
bad = '\u202e\u2066\u0085\u009b\u2028'
d = d.replace('<title>The Drift Contract:', '<title>The Drift ' + bad + 'Contract:', 1)
d = d.replace('<category>cs.LG</category>\n      <pubDate>',
              '<category>cs.LG</category>\n      <category>cs.\u202eAI</category>\n      <pubDate>', 1)
i = d.index('<title>Signal2Symbol')
d = d[:i] + d[i:].replace('<category>cs.LG</category>', '<category>cs.\u202eLG\u2028</category>', 1)
open(sys.argv[2], 'w', encoding='utf-8').write(d)
PY
cat >"$T/pb.conf" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:9/rss";
          api_url = "http://127.0.0.1:9/api/query"; max_retries = 0; timeout = 5; };
file = { dir = "$T/out"; };
subscribers = ( { name = "lab"; topics = ( { name = "drift"; query = "ti:drift OR ti:signal2symbol"; } ); } );
EOF

# hidden NAME: NAME's output holds none of the characters, and the titles are there.
hidden() {
  /usr/bin/python3 - "$T/$1" "$1" <<'PY' || fail "$1: $(cat "$T/$1.err" 2>/dev/null | tail -n 3)"
import sys
s = open(sys.argv[1], encoding='utf-8', errors='replace').read()
bad = [c for c in '\u202e\u2066\u0085\u009b\u2028\u2029\x1b\r' if c in s]
if bad:
    sys.exit('%s: output carries %s' % (sys.argv[2], ', '.join('U+%04X' % ord(c) for c in bad)))
lines = [l for l in s.split('\n') if 'Drift' in l]
if not lines or 'Contract' not in lines[0]:
    sys.exit('%s: the title is not on one line: %r' % (sys.argv[2], lines[:1]))
PY
}

"$PAPERBOY" fetch --feed "$T/feed.xml" >"$T/fetch" 2>"$T/fetch.err" || fail "fetch: exit $?"
hidden fetch
grep -q "cs\.LG" "$T/fetch" || fail "fetch: the cleaned category cs.LG is not shown"
"$PAPERBOY" -c "$T/pb.conf" match --feed "$T/feed.xml" >"$T/match" 2>"$T/match.err" ||
  fail "match: exit $?"
hidden match
"$PAPERBOY" -c "$T/pb.conf" run --dry-run --feed "$T/feed.xml" >"$T/dry" 2>"$T/dry.err" ||
  fail "run --dry-run: exit $?"
hidden dry

# A title of wide (CJK) characters and combining accents is cut to the table's 70 columns
# as a terminal shows them, as a Latin one is, never with an accent parted from its letter.
/usr/bin/python3 - "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" \
  "$T/wide.xml" <<'PY' || { echo "16-fetch-hostile-text: cannot write the wide feed" >&2; exit 1; }
import sys
d = open(sys.argv[1], encoding='utf-8').read()
d = d.replace('<title>The Drift Contract:', '<title>' + '\u6f02\u79fb' * 30 + 'e\u0301' * 20, 1)
open(sys.argv[2], 'w', encoding='utf-8').write(d)
PY
"$PAPERBOY" fetch --feed "$T/wide.xml" >"$T/wide" 2>"$T/wide.err" || fail "fetch wide: exit $?"
/usr/bin/python3 - "$T/wide" <<'PY' || fail "fetch wide: $(head -3 "$T/wide")"
import sys, unicodedata
def cols(s):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
wide = [l for l in lines if '\u6f02' in l]
latin = [l for l in lines if 'Signal2Symbol' in l]
# a wide character that would pass the last column leaves it empty
if (not wide or not latin or not wide[0].endswith('...') or
        not cols(latin[0]) - 1 <= cols(wide[0]) <= cols(latin[0])):
    sys.exit('the wide title is not cut to the columns of a Latin one: %r' % wide[:1])
PY

[ "$fails" -eq 0 ] || exit 1
echo "16-fetch-hostile-text: ok"
