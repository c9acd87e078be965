#!/bin/sh
# paperboy preview: every format from the 2024-11-28 fixture feed for one subscriber, checked
# for shape (md front line and anchors, JSON bodies one per line within channel limits, HTML
# that parses, text within 78 columns), plus the exit codes of the failure cases.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "50-preview.sh: FAIL: $*" >&2; exit 1; }

feed="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
mkdir -p "$tmp/state"
cat > "$tmp/pb.conf" <<CONF
state_dir = "$tmp/state";
arxiv = { categories = ["cs.CV"]; };
email = { unsubscribe_url = "https://example.org/settings?u=alice"; };
telegram = { token_env = "PB_TEST_TG_TOKEN"; };
subscribers = (
  { name = "alice";
    telegram_chat = "-100200300";
    max_papers = 8;
    topics = ( { name = "3D"; query = "ti:\"gaussian splatting\" OR abs:nerf OR ti:3D"; },
               { name = "Video"; query = "ti:video ANDNOT ti:survey"; } ); }
);
CONF
export PB_TEST_TG_TOKEN=123456:test-token

for f in md html text slack telegram; do
  "$PAPERBOY" -c "$tmp/pb.conf" preview --subscriber alice --format "$f" --feed "$feed" \
    > "$tmp/out.$f" 2> "$tmp/err.$f" || fail "format $f exited $?: $(cat "$tmp/err.$f")"
  [ -s "$tmp/out.$f" ] || fail "format $f wrote nothing"
done

# YAML front matter, not a stray first line
[ "$(head -n 4 "$tmp/out.md")" = '---
title: "arXiv Computer Vision Papers - 2024-11-28"
date: 2024-11-28
---' ] || fail "md front matter: $(head -n 4 "$tmp/out.md")"
grep -q '^time:' "$tmp/out.md" && fail "md keeps a time: line"
grep -qx '# arXiv Computer Vision Papers - 2024-11-28' "$tmp/out.md" || fail "md title"
grep -q "^<a id='2411\.[0-9]*v[0-9]*'></a>$" "$tmp/out.md" || fail "md anchors"
grep -qx '## Table of Contents' "$tmp/out.md" || fail "md contents"
grep -q 'Settings and unsubscribe' "$tmp/out.text" || fail "text footer"
grep -q 'example.org/settings?u=alice' "$tmp/out.html" || fail "html unsubscribe link"

/usr/bin/python3 - "$tmp" <<'PY' || fail "shape checks"
import json, sys, unicodedata
from html.parser import HTMLParser
d = sys.argv[1]
def u16(s): return len(s.encode('utf-16-le')) // 2
for line in open(d + '/out.slack', encoding='utf-8'):
    m = json.loads(line)
    assert m['text'] and 1 <= len(m['blocks']) <= 50, 'slack blocks'
    for b in m['blocks']:
        if b['type'] == 'section':
            assert u16(b['text']['text']) <= 3000, 'slack section'
tg = 0
for line in open(d + '/out.telegram', encoding='utf-8'):
    m = json.loads(line); tg += 1
    assert m['chat_id'] == '-100200300' and m['parse_mode'] == 'HTML'
    assert m['link_preview_options']['is_disabled'] is True and m['disable_web_page_preview'] is True
    class V(HTMLParser):
        n = 0
        def handle_data(self, s): self.n += u16(s)
    v = V(convert_charrefs=True); v.feed(m['text']); v.close()
    assert v.n <= 4096, 'telegram length %d' % v.n
assert tg >= 1
for line in open(d + '/out.text', encoding='utf-8'):
    w = sum(2 if unicodedata.east_asian_width(c) in 'WF' else 0 if unicodedata.combining(c) else 1
            for c in line.rstrip('\n'))
    assert w <= 78, 'text width %d: %r' % (w, line)
HTMLParser().feed(open(d + '/out.html', encoding='utf-8').read())
PY

# failure cases and their exit codes (sysexits)
code() { "$PAPERBOY" -c "$tmp/pb.conf" preview "$@" > /dev/null 2>&1; echo $?; }
[ "$(code --subscriber nobody --feed "$feed")" = 64 ] || fail "unknown subscriber is not 64"
[ "$(code --subscriber alice --format pdf --feed "$feed")" = 64 ] || fail "unknown format is not 64"
[ "$(code --feed "$feed")" = 64 ] || fail "missing --subscriber is not 64"
[ "$(code --subscriber alice --feed "$tmp/missing.xml")" = 66 ] || fail "missing feed is not 66"
[ "$(code --subscriber alice --feed "$PB_FIXTURES/rss2-error-bad-archive.xml")" = 65 ] ||
  fail "arXiv error feed is not 65"
[ "$("$PAPERBOY" -c "$tmp/none.conf" preview --subscriber alice --feed "$feed" \
     > /dev/null 2>&1; echo $?)" = 78 ] || fail "missing config is not 78"
if [ -w /dev/full ]; then
  "$PAPERBOY" -c "$tmp/pb.conf" preview --subscriber alice --feed "$feed" > /dev/full 2>/dev/null
  [ $? = 74 ] || fail "a failed write is not 74"
fi
# another subscriber's rule that does not compile costs alice nothing, as in a run; the
# broken one's preview names its file and line
sed 's|^);$|  , { name = "bob"; topics = ( { name = "x"; query = "abs:(nerf"; } ); }\n);|' \
  "$tmp/pb.conf" > "$tmp/broken.conf"
"$PAPERBOY" -c "$tmp/broken.conf" preview --subscriber alice --format md --feed "$feed" \
  > "$tmp/broken.md" 2> "$tmp/broken.err" ||
  fail "bob's rule error: preview of alice exited $?: $(cat "$tmp/broken.err")"
cmp -s "$tmp/broken.md" "$tmp/out.md" || fail "bob's rule error: alice's digest differs"
"$PAPERBOY" -c "$tmp/broken.conf" preview --subscriber bob --feed "$feed" > "$tmp/bob.md" \
  2> "$tmp/bob.err"
rc=$?
[ $rc = 78 ] || fail "preview of bob, whose rule does not compile: exit $rc, want 78"
grep -q "^paperboy: preview: $tmp/broken.conf:11: subscribers.\[1\].topics.\[0\].query: subscriber bob, topic x, column 5: unclosed '('" \
  "$tmp/bob.err" || fail "preview of bob: $(cat "$tmp/bob.err")"
[ -s "$tmp/bob.md" ] && fail "preview of bob printed a digest"

# an empty announcement still renders a digest that says so ...
"$PAPERBOY" -c "$tmp/pb.conf" preview --subscriber alice --format text \
  --feed "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" --date 2024-11-30 > "$tmp/empty.txt" \
  2> "$tmp/empty.err" || fail "empty feed exited $?"
grep -q 'No new papers matched' "$tmp/empty.txt" || fail "empty digest text"
# ... and says on stderr that a run sends alice nothing for it, as for a day without a match
grep -q '^paperboy: preview: a run sends alice nothing for 2024-11-30: there is no announcement and notify_empty is off$' \
  "$tmp/empty.err" || fail "empty feed: nothing said of what a run sends: $(cat "$tmp/empty.err")"
sed 's|ti:\\"gaussian splatting\\" OR abs:nerf OR ti:3D|ti:zzzyzzyx|; s|ti:video ANDNOT ti:survey|ti:zzzyzzyx|' \
  "$tmp/pb.conf" > "$tmp/none.conf"
"$PAPERBOY" -c "$tmp/none.conf" preview --subscriber alice --feed "$feed" 2> "$tmp/none.err" \
  > /dev/null || fail "no match: exited $?"
grep -q '^paperboy: preview: a run sends alice nothing for 2024-11-28: no paper of the announcement matched its topics$' \
  "$tmp/none.err" || fail "no match: nothing said of what a run sends: $(cat "$tmp/none.err")"
grep -q 'sends alice nothing' "$tmp/err.md" && fail "a digest with papers said to be sent nothing"
# with notify_empty, the note a run sends on a day without announcement, not a "no match" digest
sed 's|max_papers = 8;|max_papers = 8; notify_empty = true;|' "$tmp/pb.conf" > "$tmp/notify.conf"
"$PAPERBOY" -c "$tmp/notify.conf" preview --subscriber alice --format text \
  --feed "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" --date 2024-11-30 > "$tmp/notify.txt" \
  2> "$tmp/notify.err" || fail "notify_empty: exited $?"
grep -q '^arXiv made no announcement for 2024-11-30' "$tmp/notify.txt" ||
  fail "notify_empty: not the note a run sends: $(cat "$tmp/notify.txt")"
grep -q 'No new papers matched' "$tmp/notify.txt" && fail "notify_empty: the no-match text"
[ -s "$tmp/notify.err" ] && fail "notify_empty: said on stderr: $(cat "$tmp/notify.err")"
exit 0
