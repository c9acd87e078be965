#!/bin/sh
# The HTML email in a real browser: `preview --format html` of the 2024-11-28 fixture feed (past
# the size cap, so with its compact list of links) and of a hostile feed (a 300-character word in
# a title, a long URL, an unbroken LaTeX run and a long Greek word in an abstract) is loaded in
# Debian's chromium, headless, and the hostile one again with the web endpoint's links (web on),
# at 375 and 1000 px, in the light and the dark scheme: no
# horizontal overflow, the card at most 640 px, dark in the dark scheme, readable contrast;
# and in chromium's accessibility tree no heading level skipped, each paper shown in full a
# heading under "Papers" with its "Analysis" and "Key findings" under it, each feedback link
# named with its paper's title
# (tests/browser/check-html.js). The screenshots are kept in $BUILD/browser-artefacts/. Skipped,
# with the reason, only when chromium cannot start. puppeteer-core comes from
# tests/browser/package-lock.json (npm ci, no browser download).
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
name=55-html-browser
tmp=$(mktemp -d /tmp/pb-browser.XXXXXX)
pidfile="$tmp/chromium.pid"
cleanup() {
  # the driver kills its browser; this covers a driver that was killed itself
  if [ -s "$pidfile" ]; then
    kill -9 "$(cat "$pidfile")" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
skip() { echo "$name: SKIP: $*" >&2; exit 0; }

browser_dir="$PB_TESTS/browser"
art="${BUILD:-$(cd "$PB_TESTS/.." && pwd)/build}/browser-artefacts"
chromium="${PB_CHROMIUM:-/usr/bin/chromium}"

[ -x "$chromium" ] || skip "no chromium at $chromium (contrib/install-deps.sh --test installs it)"
command -v node >/dev/null 2>&1 || fail "node is missing (Debian package nodejs)"
if [ ! -f "$browser_dir/node_modules/puppeteer-core/package.json" ]; then
  command -v npm >/dev/null 2>&1 || fail "npm is missing (Debian package npm)"
  PUPPETEER_SKIP_DOWNLOAD=1 timeout 120 npm ci --prefix "$browser_dir" --prefer-offline --no-audit --no-fund \
    --loglevel=error >"$tmp/npm.log" 2>&1 ||
    fail "npm ci --prefix tests/browser failed: $(tail -n 5 "$tmp/npm.log")"
fi

# The hostile feed: the 4-item fixture with unbreakable runs in its first record.
/usr/bin/python3 - "$PB_FIXTURES/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" \
  "$tmp/hostile.xml" <<'PY' || fail "cannot write the hostile feed"
import sys
d = open(sys.argv[1], encoding='utf-8').read()
word = ('Pneumonoultramicroscopicsilicovolcanoconiosis' * 7)[:300]
url = 'https://example.org/' + '/'.join('segment%02d-' % i + 'x' * 20 for i in range(10)) + '?q=' + 'y' * 60
latex = '$\\mathcal{L}_{\\mathrm{' + 'verylongsubscript' * 8 + '}}^{(' + 'k' * 40 + ')}$'
greek = 'αβγδεζηθικλμνξοπρστυφχψω' * 10
d = d.replace('<title>The Drift Contract:', '<title>The Drift ' + word + ' Contract:', 1)
d = d.replace('Abstract: Local learning', 'Abstract: See ' + url + ' and ' + latex + ' ' + greek +
              ' &lt;script&gt;alert(1)&lt;/script&gt; Local learning', 1)
open(sys.argv[2], 'w', encoding='utf-8').write(d)
PY

mkdir -p "$tmp/state"
cat >"$tmp/pb.conf" <<CONF
state_dir = "$tmp/state";
arxiv = { categories = ["cs.CV", "cs.LG"]; };
email = { unsubscribe_url = "https://example.org/settings?u=alice&long=$(printf 'z%.0s' $(seq 1 120))"; };
subscribers = (
  { name = "alice"; max_papers = 300;
    topics = ( { name = "3D"; query = "ti:\"gaussian splatting\" OR abs:nerf OR ti:3D"; },
               { name = "Learning"; query = "ti:learning OR ti:model OR ti:video"; } ); },
  { name = "bob";
    topics = ( { name = "drift"; query = "ti:drift OR ti:signal2symbol OR abs:learning"; } ); }
);
CONF

preview() { # SUBSCRIBER FEED OUT
  timeout 30 "$PAPERBOY" -c "$tmp/pb.conf" preview --subscriber "$1" --format html \
    --feed "$2" >"$3" 2>"$tmp/err" || fail "preview $1 exited $?: $(tail -n 3 "$tmp/err")"
  [ -s "$3" ] || fail "preview $1 wrote nothing"
}
preview alice "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" "$tmp/digest-1504.html"
preview bob "$tmp/hostile.xml" "$tmp/digest-hostile.html"
# With the web endpoint on: the reader's manage link in the footer and "More like this" /
# "Not for me" (signed links of some 150 characters) under every paper.
head -c 32 /dev/urandom >"$tmp/web.secret" && chmod 600 "$tmp/web.secret"
{ cat "$tmp/pb.conf"; printf 'web = { listen = "127.0.0.1:8425"; base_url = "https://digest.example.org"; secret_file = "%s"; };\n' "$tmp/web.secret"; } >"$tmp/web.conf"
timeout 30 "$PAPERBOY" -c "$tmp/web.conf" preview --subscriber bob --format html \
  --feed "$tmp/hostile.xml" >"$tmp/digest-links.html" 2>"$tmp/err" ||
  fail "preview with web on exited $?: $(tail -n 3 "$tmp/err")"
[ "$(grep -o 'https://digest.example.org/f/' "$tmp/digest-links.html" | wc -l)" -ge 2 ] &&
  grep -q 'https://digest.example.org/m/' "$tmp/digest-links.html" ||
  fail "the web-on digest has no feedback or manage links"
grep -q 'More papers' "$tmp/digest-1504.html" || fail "the 1504-item digest has no compact list"
grep -q 'Pneumonoultramicroscopic' "$tmp/digest-hostile.html" || fail "the long title is missing"
grep -q '<script>' "$tmp/digest-hostile.html" && fail "feed text became markup"

rm -rf "$art"; mkdir -p "$art" && cp "$tmp"/digest-*.html "$art"/
PB_CHROMIUM="$chromium" PB_BROWSER_PIDFILE="$pidfile" timeout -k 5 90 \
  node "$browser_dir/check-html.js" "$art" "$tmp/digest-1504.html" "$tmp/digest-hostile.html" \
  "$tmp/digest-links.html" \
  >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
case $rc in
0) ;;
3) skip "$(grep 'cannot start' "$tmp/out" | head -n 1)" ;;
*) fail "the browser checks failed (exit $rc); screenshots in $art" ;;
esac
n=$(ls "$art"/*.png 2>/dev/null | wc -l)
[ "$n" -eq 12 ] || fail "expected 12 screenshots in $art, found $n"
echo "$name: ok ($n screenshots in $art)"
