#!/bin/sh
# The selection end to end on 22 real papers of 2024-11-28 (tests/fixtures/select/SOURCES.md):
# a topic filtered by cat:cs.CV no longer takes 7 of 8 places from a topic with 7 matches (the
# topics share the cap, a topic's max_papers is its quota, cat: adds no score); a 2022
# revision no longer tops a digest of equal scores, and is marked as a revision in the digest.
# paperboy match, run --dry-run and preview must agree.
set -u
: "${PAPERBOY:?}" "${PB_TESTS:?}"
tmp=$(mktemp -d /tmp/pb-select.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
feed="$PB_TESTS/fixtures/select/rss2-cs.CV-2024-11-28-22items-select.xml"
[ -r "$feed" ] || fail "fixture missing: $feed"

cat >"$tmp/pb.conf" <<'EOC'
arxiv = { categories = ["cs.CV"]; };
state_dir = "state";
file = { dir = "out"; };
subscribers = (
  { name = "lab"; max_papers = 8;
    topics = ( { name = "Diffusion"; query = "(ti:diffusion OR abs:diffusion) AND cat:cs.CV"; },
               { name = "Splatting"; query = "ti:\"gaussian splatting\" OR abs:\"gaussian splatting\""; } ); },
  { name = "quota"; max_papers = 8;
    topics = ( { name = "Diffusion"; query = "(ti:diffusion OR abs:diffusion) AND cat:cs.CV"; },
               { name = "Splatting"; query = "ti:\"gaussian splatting\" OR abs:\"gaussian splatting\"";
                 max_papers = 2; } ); },
  { name = "video"; max_papers = 3; include_replace = true;
    topics = ( { name = "Video"; query = "ti:video"; } ); },
  { name = "allvideo"; max_papers = 10; include_replace = true;
    topics = ( { name = "Video"; query = "ti:video"; } ); }
);
EOC
cd "$tmp" || exit 1

# papers of one subscriber in paperboy match's output: "id topic" per line
picks() {
  sed -n "/^$1: /,/^\$/p" "$tmp/match" | sed -n 's/^ *[0-9]*\. \([^ ]*\) score=[^ ]* topic=\(.*\)$/\1 \2/p'
}

# 1. paperboy match
"$PAPERBOY" -c pb.conf match --feed "$feed" >"$tmp/match" 2>"$tmp/err" ||
  fail "match: exit $?: $(cat "$tmp/err")"
grep -q '^lab: 8 of 16 matching papers (max 8)$' "$tmp/match" || fail "lab: $(grep '^lab' "$tmp/match")"
picks lab >"$tmp/lab"
n_diff=$(grep -c ' Diffusion$' "$tmp/lab")
n_splat=$(grep -c ' Splatting$' "$tmp/lab")
[ "$n_diff" -eq 4 ] && [ "$n_splat" -eq 4 ] ||
  fail "lab: $n_diff diffusion and $n_splat splatting papers, want 4 and 4: $(cat "$tmp/lab")"
# the cat: filter adds nothing: a title and an abstract hit is 4 in both topics, not 4.5
grep -q 'score=4\.5' "$tmp/match" && fail "cat: still scores: $(grep 'score=4.5' "$tmp/match" | head -1)"
grep -q '^   1\. 2411\.[0-9]* score=4 topic=' "$tmp/match" || fail "lab's best: $(sed -n 2p "$tmp/match")"
grep -q 'why: topic=Diffusion ti:diffusion abs:diffusion cat:cs.CV\[filter\] score=4$' "$tmp/match" ||
  fail "why-line of a filtered topic: $(grep 'why: topic=Diffusion' "$tmp/match" | head -1)"
# a topic's max_papers is its quota: 2 splatting papers, the other places to diffusion
picks quota >"$tmp/quota"
[ "$(grep -c ' Splatting$' "$tmp/quota")" -eq 2 ] && [ "$(grep -c ' Diffusion$' "$tmp/quota")" -eq 6 ] ||
  fail "quota: $(cat "$tmp/quota")"
# equal scores: new papers first, the newer id first; the 2022 revision last
picks video >"$tmp/video"
[ "$(head -1 "$tmp/video")" = "2411.18314 Video" ] || fail "video's first: $(cat "$tmp/video")"
grep -q 2204.02688 "$tmp/video" && fail "the 2022 revision is among the 3 best of 7 equal scores"
picks allvideo >"$tmp/allvideo"
[ "$(wc -l <"$tmp/allvideo")" -eq 7 ] || fail "allvideo: $(cat "$tmp/allvideo")"
[ "$(sed -n 6p "$tmp/allvideo")" = "2312.00113 Video" ] && [ "$(sed -n 7p "$tmp/allvideo")" = "2204.02688 Video" ] ||
  fail "revisions not last, newer first: $(cat "$tmp/allvideo")"

# 2. run --dry-run selects the same
"$PAPERBOY" -c pb.conf run --dry-run --feed "$feed" >"$tmp/dry" 2>"$tmp/err" || fail "dry run: exit $?: $(cat "$tmp/err")"
grep -q '^lab: 8 papers (16 matched)' "$tmp/dry" || fail "dry run lab: $(grep '^lab' "$tmp/dry")"
sed -n '/^lab: /,/^[a-z]/p' "$tmp/dry" | sed -n 's/^ *[0-9.]* *\(2[0-9.]*\) .*\[\([A-Za-z]*\)\].*/\1 \2/p' >"$tmp/dry.lab"
cmp -s "$tmp/lab" "$tmp/dry.lab" || fail "dry run and match differ: $(cat "$tmp/dry.lab")"

# 3. The digest marks the revisions, in Markdown and in JSON
"$PAPERBOY" -c pb.conf preview --subscriber allvideo --feed "$feed" --format md >"$tmp/all.md" 2>"$tmp/err" ||
  fail "preview md: $(cat "$tmp/err")"
sed -n "/^<a id='2204.02688v2'>/,/^---\$/p" "$tmp/all.md" | grep -q '^\*\*Revised (v2):\*\* 2024-11-28, first submitted 2022-04$' ||
  fail "no revision mark: $(sed -n "/^<a id='2204.02688v2'>/,/^---\$/p" "$tmp/all.md" | head -8)"
sed -n "/^<a id='2411.18314v1'>/,/^---\$/p" "$tmp/all.md" | grep -q 'Revised' && fail "a new paper marked revised"
"$PAPERBOY" -c pb.conf preview --subscriber allvideo --feed "$feed" --format json >"$tmp/all.json" 2>"$tmp/err" ||
  fail "preview json: $(cat "$tmp/err")"
/usr/bin/python3 - "$tmp/all.json" <<'EOP' || fail "JSON digest: $(head -c 300 "$tmp/all.json")"
import json, sys
d = json.load(open(sys.argv[1]))
ids = [(p["id"], p["revision"]) for p in d["papers"]]
assert ids[0] == ("2411.18314", False), ids
assert ids[-1] == ("2204.02688", True), ids
assert all("why" in p for p in d["papers"]), "no why field"
EOP
echo "ok 34-select"
