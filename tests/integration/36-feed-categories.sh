#!/bin/sh
# A saved feed is cut to arxiv.categories as arXiv's own feed would be, by every command that
# reads one: fetch (with a config), match, preview and run --dry-run all see the 227 papers of
# the 1504-item all-archives fixture that list cs.CV, never a cs.RO-only paper under "arXiv
# Computer Vision Papers"; and the same config against a local stand-in for rss.arxiv.org gives
# the same selection.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/pb-feed-cats.XXXXXX) || exit 1
SRV=
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
feed="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
cd "$tmp" || exit 1

# The papers of the feed: id -> categories, from fetch without a config (the whole feed).
PAPERBOY_CONFIG="$tmp/none.conf" "$PAPERBOY" fetch --feed "$feed" --json >"$tmp/all.json" 2>/dev/null ||
  fail "fetch without config"
[ "$(wc -l <"$tmp/all.json")" -eq 1504 ] || fail "the whole feed is not 1504 papers"

# not_cv FILE: ids in FILE (one per line) whose paper does not list cs.CV.
not_cv() {
  /usr/bin/python3 - "$tmp/all.json" "$1" <<'PY'
import json, sys
cats = {}
for l in open(sys.argv[1], encoding='utf-8'):
    p = json.loads(l)
    cats[p['id']] = p['categories']
for i in open(sys.argv[2]).read().split():
    if 'cs.CV' not in cats.get(i, []):
        print(i, cats.get(i))
PY
}

# 1. fetch with the example config: the cs.CV announcement.
"$PAPERBOY" -c "$root/conf/paperboy.conf.example" fetch --feed "$feed" --json >"$tmp/cv.json" 2>"$tmp/err" ||
  fail "fetch with the example: $(cat "$tmp/err")"
grep -q '^papers=227 new=116 cross=34 replace=59 replace-cross=18' "$tmp/err" ||
  fail "fetch with the example: $(cat "$tmp/err")"
grep -q '^paperboy: 1277 papers of the feed list none of cs.CV (arxiv.categories): left out' "$tmp/err" ||
  fail "fetch does not say what it left out: $(cat "$tmp/err")"
/usr/bin/python3 -c "import json,sys; [print(json.loads(l)['id']) for l in open('$tmp/cv.json')]" >"$tmp/cv.ids"
[ -z "$(not_cv "$tmp/cv.ids")" ] || fail "fetch kept papers without cs.CV"
# --category still wins over the config
"$PAPERBOY" -c "$root/conf/paperboy.conf.example" fetch --feed "$feed" --category cs.RO >/dev/null 2>"$tmp/err" ||
  fail "fetch --category cs.RO"
grep -q '^papers=227 ' "$tmp/err" && fail "--category did not override the config"
# --category in another case is arXiv's category, as rss.arxiv.org/rss/cs.cv and the query
# API's cat:cs.cv read it: the same 227 papers, the same announce types.
"$PAPERBOY" -c "$root/conf/paperboy.conf.example" fetch --feed "$feed" --category cs.cv >/dev/null 2>"$tmp/err" ||
  fail "fetch --category cs.cv: $(cat "$tmp/err")"
grep -q '^papers=227 new=116 cross=34 replace=59 replace-cross=18' "$tmp/err" ||
  fail "fetch --category cs.cv is not cs.CV: $(cat "$tmp/err")"

# 2. match with the example's subscribers: nothing without cs.CV.
"$PAPERBOY" -c "$root/conf/paperboy.conf.example" match --feed "$feed" >"$tmp/match" 2>"$tmp/err" ||
  fail "match with the example: $(cat "$tmp/err")"
sed -n 's/^ *[0-9]*\. \([^ ]*\) score=.*/\1/p' "$tmp/match" >"$tmp/match.ids"
[ -s "$tmp/match.ids" ] || fail "match selected nothing"
bad=$(not_cv "$tmp/match.ids")
[ -z "$bad" ] || fail "match selected papers outside cs.CV: $bad"

# 3. A topic on cs.RO sees only cs.RO papers cross-listed with cs.CV (check warned about it).
cat >"$tmp/ro.conf" <<'EOC'
arxiv = { categories = ["cs.CV"]; };
state_dir = "state";
file = { dir = "out"; };
subscribers = ( { name = "bo"; max_papers = 1000;
                  topics = ( { name = "Robots"; query = "cat:cs.RO"; } ); } );
EOC
"$PAPERBOY" -c "$tmp/ro.conf" match --feed "$feed" >"$tmp/ro" 2>"$tmp/err" || fail "match ro: $(cat "$tmp/err")"
sed -n 's/^ *[0-9]*\. \([^ ]*\) score=.*/\1/p' "$tmp/ro" >"$tmp/ro.ids"
[ -s "$tmp/ro.ids" ] || fail "no cs.RO paper cross-listed with cs.CV was found"
[ -z "$(not_cv "$tmp/ro.ids")" ] || fail "a cs.RO paper without cs.CV was matched"
# run --dry-run selects the same
"$PAPERBOY" -c "$tmp/ro.conf" run --dry-run --feed "$feed" >"$tmp/dry" 2>"$tmp/err" || fail "dry run: $(cat "$tmp/err")"
grep -q "^bo: $(wc -l <"$tmp/ro.ids" | tr -d ' ') papers" "$tmp/dry" || fail "dry run differs: $(head -3 "$tmp/dry")"
# preview's digest holds only those
"$PAPERBOY" -c "$tmp/ro.conf" preview --subscriber bo --feed "$feed" --format md >"$tmp/prev.md" 2>"$tmp/err" ||
  fail "preview: $(cat "$tmp/err")"
sed -n "s/^<a id='\([^']*\)v[0-9]*'><.a>$/\1/p" "$tmp/prev.md" >"$tmp/prev.ids"
[ -s "$tmp/prev.ids" ] || fail "preview: no papers in $(head -5 "$tmp/prev.md")"
[ -z "$(not_cv "$tmp/prev.ids")" ] || fail "preview shows a paper outside cs.CV"

# 4. Online, from a stand-in that answers /rss/cs.CV as arXiv does (the items listing cs.CV,
# labelled for that feed): the same selection as the saved every-archive feed cut offline.
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$tmp/port" --log "$tmp/requests.log" \
  --fixtures "$PB_FIXTURES" --rss rss2-all-archives-2024-11-28-1504items.xml --rss-by-path 2>"$tmp/server.err" &
SRV=$!
i=0
while [ ! -s "$tmp/port" ]; do
  i=$((i + 1))
  [ $i -gt 300 ] && fail "server did not start"
  kill -0 "$SRV" 2>/dev/null || { cat "$tmp/server.err" >&2; fail "server exited"; }
  sleep 0.1
done
port=$(cat "$tmp/port")
sed "s|^arxiv = .*|arxiv = { categories = [\"cs.CV\"]; rss_url = \"http://127.0.0.1:$port/rss\"; api_url = \"http://127.0.0.1:$port/api/query\"; fill_metadata = false; request_interval_ms = 0; max_retries = 0; };|" \
  "$tmp/ro.conf" >"$tmp/net.conf"
"$PAPERBOY" -c "$tmp/net.conf" match >"$tmp/net" 2>"$tmp/err" || fail "match online: $(cat "$tmp/err")"
cmp -s "$tmp/ro" "$tmp/net" || fail "online and offline differ: $(diff "$tmp/ro" "$tmp/net" | head)"

# 5. A saved legacy RSS 1.0 feed: its cross-lists name only their primary category (math.GR,
# hep-ph) and still belong to the feed's own archive, so a config for hep-ex keeps all three.
cat >"$tmp/legacy.conf" <<EOF
state_dir = "$tmp/legacy-state";
arxiv = { categories = ["hep-ex"]; };
subscribers = ( { name = "lab"; include_cross = true; include_replace = true;
  topics = ( { name = "All"; query = "all:modular OR all:fireball OR all:baryons"; } ); } );
EOF
legacy="$PB_FIXTURES/rss1-legacy-hep-ex-2021-07-08-3items-desc-replaced.xml"
"$PAPERBOY" -c "$tmp/legacy.conf" fetch --feed "$legacy" >"$tmp/legacy" 2>"$tmp/err" ||
  fail "legacy fetch: $(cat "$tmp/err")"
grep -q '^papers=3 new=1 cross=1 replace=0 replace-cross=1 ' "$tmp/legacy" "$tmp/err" ||
  fail "legacy feed lost its cross-lists: $(cat "$tmp/legacy" "$tmp/err")"
"$PAPERBOY" -c "$tmp/legacy.conf" match --feed "$legacy" >"$tmp/lmatch" 2>"$tmp/err" ||
  fail "legacy match: $(cat "$tmp/err")"
grep -q '^lab: 3 of 3 matching papers' "$tmp/lmatch" || fail "legacy match: $(head -3 "$tmp/lmatch")"
exit 0
