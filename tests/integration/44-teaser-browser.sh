#!/bin/sh
# Teaser figures in a real browser: an HTML email with two papers whose full text has a figure
# (the hand-made LaTeXML page of arXiv:2411.17973v1 and the real page of arXiv:2510.14362v1,
# tests/fixtures/fulltext) is loaded in Debian's chromium, headless, at 375 and 1000 px; the
# images come from a local stand-in on 127.0.0.1 (1200x600 PNGs). Each teaser must load, fit
# the screen and the card, and carry its alt text (tests/browser/check-teaser.js). Screenshots
# in $BUILD/browser-artefacts/teaser/. Skipped, with the reason, only when chromium cannot
# start. puppeteer-core comes from tests/browser/package-lock.json (npm ci, no browser download).
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
name=44-teaser-browser
tmp=$(mktemp -d /tmp/pb-teaser.XXXXXX)
pidfile="$tmp/chromium.pid"
SRV=
cleanup() {
  [ -s "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
skip() { echo "$name: SKIP: $*" >&2; exit 0; }

BUILD=${BUILD:-$(cd "$PB_TESTS/.." && pwd)/build}
drive="$BUILD/tests/tools/teaser_digest"
browser_dir="$PB_TESTS/browser"
art="$BUILD/browser-artefacts/teaser"
chromium="${PB_CHROMIUM:-/usr/bin/chromium}"
[ -x "$drive" ] || fail "no $drive (make tools)"
[ -x "$chromium" ] || skip "no chromium at $chromium (contrib/install-deps.sh --test installs it)"
command -v node >/dev/null 2>&1 || fail "node is missing (Debian package nodejs)"
if [ ! -f "$browser_dir/node_modules/puppeteer-core/package.json" ]; then
  command -v npm >/dev/null 2>&1 || fail "npm is missing (Debian package npm)"
  PUPPETEER_SKIP_DOWNLOAD=1 timeout 120 npm ci --prefix "$browser_dir" --prefer-offline --no-audit --no-fund \
    --loglevel=error >"$tmp/npm.log" 2>&1 ||
    fail "npm ci --prefix tests/browser failed: $(tail -n 5 "$tmp/npm.log")"
fi

mkdir -p "$tmp/pages"
/usr/bin/python3 "$PB_TESTS/lib/teaser_server.py" "$tmp/pages" "$tmp/port" "$tmp/requests" 100 &
SRV=$!
i=0
while [ ! -s "$tmp/port" ]; do
  i=$((i + 1)); [ $i -lt 100 ] || fail "the stand-in did not start"; sleep 0.1
done
P=$(cat "$tmp/port")
FX="$PB_TESTS/fixtures/fulltext"
"$drive" "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" "http://127.0.0.1:$P/html" \
  "$tmp/teaser.html" "2411.17973=$FX/use-2411.17973v1.html" \
  "2411.18163=$FX/arxiv-2510.14362v1.html" 2>"$tmp/err" || fail "teaser_digest: $(cat "$tmp/err")"
# the real page's <base href="/html/2510.14362v1/"> makes its images the stand-in's too
[ "$(grep -c "<img src=\"http://127.0.0.1:$P/html/" "$tmp/teaser.html")" -eq 2 ] ||
  fail "the digest lacks its two teasers: $(grep -o '<img[^>]*>' "$tmp/teaser.html")"

rm -rf "$art"; mkdir -p "$art"
PB_CHROMIUM="$chromium" PB_BROWSER_PIDFILE="$pidfile" timeout -k 5 90 \
  node "$browser_dir/check-teaser.js" "$art" "$tmp/teaser.html" \
  "Overview of the IIDM pipeline <from satellite image to carbon map>" \
  "Figure 1: Time-averaged signal transmission and reception process diagram and the suppressed sidelobes." \
  >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
case $rc in
0) ;;
3) skip "$(grep 'cannot start' "$tmp/out" | head -n 1)" ;;
*) fail "the browser checks failed (exit $rc); screenshots in $art" ;;
esac
grep -q "GET /html/2411.17973v1/x1.png 200" "$tmp/requests" ||
  fail "the browser did not fetch the teaser from the stand-in: $(cat "$tmp/requests")"
echo "$name: ok"
