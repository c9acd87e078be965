#!/bin/sh
# paperboy match: who gets what from a saved feed, and why; --subscriber; rule errors name the
# file and line, subscriber, topic and column with a caret, the others matched as a run matches
# them (exit 78); a bad feed exits 65; usage errors 64;
# without --feed, today's feed from a local stand-in for rss.arxiv.org (tests/lib/arxiv_server.py).
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
tmp=$(mktemp -d /tmp/pb-match.XXXXXX) || exit 1
SRV=
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
feed="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"

cat >"$tmp/ok.conf" <<'EOC'
arxiv = { categories = ["cs.CV"]; };
subscribers = (
  { name = "lab";
    max_papers = 3;
    follow_authors = [ "Benjamin Rémy" ];
    topics = ( { name = "3D"; query = "ti:\"gaussian splatting\" OR (abs:nerf AND cat:cs.CV) ANDNOT ti:survey"; },
               { name = "Video"; query = "ti:video ANDNOT ti:survey"; include_replace = true; } ); },
  { name = "bob";
    max_papers = 1000;
    topics = ( { name = "VLM"; query = "abs:\"vision-language\" OR ti:VLM"; } ); },
  { name = "nobody";
    topics = ( { name = "None"; query = "ti:zzzyzzyx"; } ); }
);
EOC

# 1. Everyone, from the 1504-item feed.
"$PAPERBOY" -c "$tmp/ok.conf" match --feed "$feed" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/err" >&2; fail "match: exit $rc, want 0"; }
grep -q '^lab: 3 of [0-9]* matching papers (max 3)$' "$tmp/out" || fail "lab header: $(head -3 "$tmp/out")"
# 16, not 17: the feed holds every archive, and 2411.18212 (cs.LG, cs.RO, ...: no cs.CV) is not
# in arXiv's cs.CV feed, which is all this config fetches.
grep -q '^bob: 16 of 16 matching papers (max 1000)$' "$tmp/out" || fail "bob header: $(grep '^bob' "$tmp/out")"
grep -q '2411\.18212' "$tmp/out" && fail "a paper outside arxiv.categories was matched"
grep -q '^nobody: 0 of 0 matching papers (max 10)$' "$tmp/out" || fail "nobody header"
# bob's best: a title and an abstract hit (3 + 1); equal scores go to the newer id
grep -A2 '^bob:' "$tmp/out" | grep -q '^   1\. 2411\.18203 score=4 topic=VLM$' || fail "bob first: $(grep -A2 '^bob:' "$tmp/out")"
grep -q 'why: topic=VLM abs:"vision-language" ti:VLM score=4$' "$tmp/out" || fail "why line"
# lab: the followed author's paper (2411.17748, eess.SP) is not in the cs.CV feed ...
grep -q '2411\.17748' "$tmp/out" && fail "followed author's eess.SP paper taken from a cs.CV config"
# ... and comes first once eess is fetched too (Unicode in the config, a TeX accent in the feed)
sed 's/categories = \["cs.CV"\]/categories = ["cs.CV", "eess"]/' "$tmp/ok.conf" >"$tmp/eess.conf"
"$PAPERBOY" -c "$tmp/eess.conf" match --feed "$feed" --subscriber lab >"$tmp/out" 2>"$tmp/err" ||
	fail "match with eess: exit $?"
grep -A3 '^lab:' "$tmp/out" | grep -q 'follow:"Benjamin Rémy" score=10$' ||
	fail "followed author: $(grep -A9 '^lab:' "$tmp/out")"

# 2. One subscriber only.
"$PAPERBOY" -c "$tmp/ok.conf" match --feed "$feed" --subscriber bob >"$tmp/out" 2>"$tmp/err" ||
	fail "--subscriber bob: exit $?"
grep -q '^bob:' "$tmp/out" || fail "--subscriber bob: no bob"
grep -q '^lab:' "$tmp/out" && fail "--subscriber bob: lab printed"
"$PAPERBOY" -c "$tmp/ok.conf" match --feed "$feed" --subscriber carol >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 64 ] || fail "unknown subscriber: exit $rc, want 64"
grep -q 'no subscriber named carol' "$tmp/err" || fail "unknown subscriber message"

# 3. A rule error: the file and line, subscriber, topic, column, the query and a caret under
# the spot; that subscriber is left out, as a run leaves it out, and the others are matched.
sed 's/ti:video ANDNOT ti:survey/ti:video AND (ti:survey OR/' "$tmp/ok.conf" >"$tmp/bad.conf"
"$PAPERBOY" -c "$tmp/bad.conf" match --feed "$feed" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 78 ] || fail "rule error: exit $rc, want 78"
grep -q "^paperboy: $tmp/bad.conf:7: subscribers.\[0\].topics.\[1\].query: subscriber lab, topic Video, column 25: 'OR' needs a term after it$" "$tmp/err" ||
	fail "rule error message: $(cat "$tmp/err")"
grep -q '^ti:video AND (ti:survey OR$' "$tmp/err" || fail "rule error: query line"
grep -q '^                        \^$' "$tmp/err" || fail "rule error: caret line: $(cat "$tmp/err")"
grep -q '^paperboy: match: 1 subscriber left out' "$tmp/err" || fail "rule error: no count: $(cat "$tmp/err")"
grep -q '^lab: left out, its rules do not compile$' "$tmp/out" || fail "rule error: lab not named: $(cat "$tmp/out")"
grep -q '^bob: 16 of 16 matching papers (max 1000)$' "$tmp/out" ||
	fail "rule error of lab: bob not matched: $(cat "$tmp/out")"
"$PAPERBOY" -c "$tmp/bad.conf" match --feed "$feed" --subscriber bob >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "lab's rule error: match --subscriber bob exits $rc, want 0: $(cat "$tmp/err")"
grep -q '^bob: 16 of 16 matching papers (max 1000)$' "$tmp/out" || fail "--subscriber bob: $(cat "$tmp/out")"
"$PAPERBOY" -c "$tmp/bad.conf" match --feed "$feed" --subscriber lab >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 78 ] || fail "match --subscriber lab with its rule error exits $rc, want 78"
grep -q "^paperboy: $tmp/bad.conf:7: .*subscriber lab, topic Video, column 25" "$tmp/err" ||
	fail "--subscriber lab: rule error message: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "--subscriber lab with its rule error: output printed"
# A topic's name may be a reader's text (a web form, a chat): one holding a right-to-left
# override (U+202E) and a C1 CSI (U+009B) is said escaped, still at its file and line.
sed "s/name = \"Video\"/name = \"Vi$(printf '\342\200\256')de$(printf '\302\233')o\"/" "$tmp/bad.conf" \
	>"$tmp/bidi.conf"
"$PAPERBOY" -c "$tmp/bidi.conf" match --feed "$feed" --subscriber lab >/dev/null 2>"$tmp/err"
grep -q "^paperboy: $tmp/bidi.conf:7: subscribers.\[0\].topics.\[1\].query: subscriber lab, topic Vi\\\\u202Ede\\\\u009Bo, column 25: " "$tmp/err" &&
	! grep -q "$(printf '\342\200\256\\|\302\233')" "$tmp/err" ||
	fail "a topic name with controls: $(od -c "$tmp/err" | head -5)"
# and the matches of such a topic name it cleaned, as the titles beside it are
sed "s/name = \"Video\"/name = \"Vi$(printf '\342\200\256')de$(printf '\302\233')o\"/" "$tmp/ok.conf" \
	>"$tmp/bidi-ok.conf"
"$PAPERBOY" -c "$tmp/bidi-ok.conf" match --feed "$feed" --subscriber lab >"$tmp/out" 2>"$tmp/err" ||
	fail "match with a topic name with controls: exit $?"
grep -q " topic=Video$" "$tmp/out" && grep -q "why: .*topic=Video" "$tmp/out" && ! grep -q "$(printf '\342\200\256\\|\302\233')" "$tmp/out" ||
	fail "match: a topic name with controls: $(grep -m2 topic= "$tmp/out" | od -c | head -4)"

# 4. A feed that is not a feed, an arXiv error feed, a missing file, an empty feed.
printf '<html><body>Service Unavailable</body></html>' >"$tmp/bad.xml"
"$PAPERBOY" -c "$tmp/ok.conf" match --feed "$tmp/bad.xml" >/dev/null 2>&1
rc=$?
[ $rc -eq 65 ] || fail "bad feed: exit $rc, want 65"
"$PAPERBOY" -c "$tmp/ok.conf" match --feed "$PB_FIXTURES/rss2-error-bad-archive.xml" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 65 ] || fail "error feed: exit $rc, want 65"
grep -q "Bad archive" "$tmp/err" || fail "error feed: arXiv's message missing: $(cat "$tmp/err")"
"$PAPERBOY" -c "$tmp/ok.conf" match --feed "$tmp/missing.xml" >/dev/null 2>&1
rc=$?
[ $rc -eq 66 ] || fail "missing feed: exit $rc, want 66"
"$PAPERBOY" -c "$tmp/ok.conf" match --feed "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" >"$tmp/out" 2>&1 ||
	fail "empty feed: exit $?"
grep -q '^no announcement in this feed$' "$tmp/out" || fail "empty feed: $(cat "$tmp/out")"

# 5. Usage and config errors.
"$PAPERBOY" -c "$tmp/ok.conf" match --bogus >/dev/null 2>&1
rc=$?
[ $rc -eq 64 ] || fail "bad option: exit $rc, want 64"
printf 'arxiv = { categories = ["cs.CV"]; };\nbogus = 1;\n' >"$tmp/cfg.conf"
"$PAPERBOY" -c "$tmp/cfg.conf" match --feed "$feed" >/dev/null 2>&1
rc=$?
[ $rc -eq 78 ] || fail "config error: exit $rc, want 78"

# 6. No --feed: today's announcement from the local server (the 1504-item feed as the RSS).
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$tmp/port" --log "$tmp/requests.log" \
  --fixtures "$PB_FIXTURES" --rss rss2-all-archives-2024-11-28-1504items.xml --rss-by-path \
  --fail '/rss/cs.RO|404|100' 2>"$tmp/server.err" &
SRV=$!
i=0
while [ ! -s "$tmp/port" ]; do
  i=$((i + 1))
  [ $i -gt 300 ] && { cat "$tmp/server.err" >&2; fail "server did not start within 30 s"; }
  kill -0 "$SRV" 2>/dev/null || { cat "$tmp/server.err" >&2; fail "server exited"; }
  sleep 0.1
done
port=$(cat "$tmp/port")
sed "s|^arxiv = .*|arxiv = { categories = [\"cs.CV\"]; rss_url = \"http://127.0.0.1:$port/rss\"; api_url = \"http://127.0.0.1:$port/api/query\"; fill_metadata = false; request_interval_ms = 0; max_retries = 0; };\nstate_dir = \"$tmp/state\";\nuser_agent = \"paperboy-test/1.0 (+mailto:test@example.org)\";|" \
  "$tmp/ok.conf" >"$tmp/net.conf"
"$PAPERBOY" -c "$tmp/net.conf" match --subscriber bob >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/err" >&2; fail "match from the server: exit $rc, want 0"; }
# The stand-in answers /rss/cs.CV as arXiv does: the same 16 papers as from the saved feed.
grep -q '^bob: 16 of 16 matching papers (max 1000)$' "$tmp/out" ||
	fail "match from the server: $(head -3 "$tmp/out")"
grep -q '"path": *"/rss/cs.CV"' "$tmp/requests.log" || fail "no request for /rss/cs.CV: $(cat "$tmp/requests.log")"
# A category whose feed answers 404: unavailable (69), nothing printed.
sed 's|categories = \["cs.CV"\]|categories = ["cs.RO"]|' "$tmp/net.conf" >"$tmp/net404.conf"
"$PAPERBOY" -c "$tmp/net404.conf" match >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 69 ] || fail "404 feed: exit $rc, want 69 ($(cat "$tmp/err"))"
[ -s "$tmp/out" ] && fail "404 feed: output printed"
exit 0
