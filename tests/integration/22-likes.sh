#!/bin/sh
# paperboy check on likes: good like / like_authors / rank entries pass; malformed liked ids,
# unknown rank modes, rank = rules without query, a topic with neither query nor likes and a
# subscriber with neither topics nor likes are form errors naming file:line, key, subscriber
# and topic (exit 78); whole archives in arxiv.categories ("cs" holds cs.CV: no warning that
# the topic needs a category outside them); a subscriber with likes and no topics is valid.
set -u
: "${PAPERBOY:?}"
T=$(mktemp -d /tmp/pb-likes.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

top() {
  cat <<CONF
state_dir = "$T/state";
arxiv = { categories = [$1]; };
file = { enabled = true; dir = "$T/out"; };
CONF
}

# 1. Good likes, archives in the categories.
{ top '"cs", "cond-mat"'; cat <<'CONF'
subscribers = (
  { name = "ann";
    like = ["2411.17790", "2310.08528v2", "hep-th/9901001", "arXiv:2411.17700"];
    like_authors = ["Adrian Del Maestro", "A. Del Maestro"];
    rank = "filter";
    topics = ( { name = "vision"; query = "cat:cs.CV AND abs:splatting";
                 like = ["2411.17008"]; rank = "rules"; },
               { name = "helium"; query = "cat:cond-mat.other AND abs:helium";
                 like_authors = ["Adrian Del Maestro"]; min_similarity = 0.2; } ); }
);
CONF
} >"$T/good.conf"
"$PAPERBOY" -c "$T/good.conf" check >"$T/good.out" 2>"$T/good.err"
rc=$?
[ $rc -eq 0 ] || { fail "good likes: exit $rc, want 0"; sed 's/^/  | /' "$T/good.err" >&2; }
grep -q '^categories: cs cond-mat$' "$T/good.out" || fail "categories line: $(cat "$T/good.out")"
grep -q 'outside arxiv.categories' "$T/good.err" && fail "cs.CV taken as outside the archive cs"
grep -q 'warning' "$T/good.err" && fail "warnings on a good config: $(cat "$T/good.err")"
# The same topic with only math fetched is warned about: the check above can fail.
sed 's/"cs", "cond-mat"/"math", "cond-mat"/' "$T/good.conf" >"$T/math.conf"
"$PAPERBOY" -c "$T/math.conf" check >/dev/null 2>"$T/math.err" || fail "math config: exit $?"
grep -q 'topic vision, column 1: every alternative of this rule needs cat:cs.CV, which is outside arxiv.categories (math, cond-mat)' "$T/math.err" ||
  fail "no warning for cs.CV outside math: $(cat "$T/math.err")"
# An archive that is not one is still refused.
sed 's/"cs", "cond-mat"/"cs", "cond"/' "$T/good.conf" >"$T/nocat.conf"
"$PAPERBOY" -c "$T/nocat.conf" check >/dev/null 2>"$T/nocat.err"
rc=$?
[ $rc -eq 78 ] || fail "unknown archive: exit $rc, want 78"
grep -q 'arxiv.categories: "cond"' "$T/nocat.err" || fail "unknown archive message: $(cat "$T/nocat.err")"

# 2. Bad likes: one error each, with file, line, key, subscriber and topic.
{ top '"cs"'; cat <<'CONF'
subscribers = (
  { name = "ann";
    like = ["2411.17790",
            "2411.1779x"];
    rank = "smart";
    topics = ( { name = "vision"; query = "cat:cs.CV";
                 like = ["hep-th/99"]; },
               { name = "norank"; rank = "rules"; } ); },
  { name = "carl"; topics = ( { name = "t"; } ); },
  { name = "dora"; }
);
CONF
} >"$T/bad.conf"
"$PAPERBOY" -c "$T/bad.conf" check >"$T/bad.out" 2>"$T/bad.err"
rc=$?
[ $rc -eq 78 ] || fail "bad likes: exit $rc, want 78"
B="$T/bad.conf"
for want in \
  "$B:7: subscribers.[0].like: subscriber ann: \"2411.1779x\" is not an arXiv id (2411.17790, 2310.08528v2, hep-th/9901001)" \
  "$B:8: subscribers.[0].rank: subscriber ann: \"smart\" is not a rank mode: give rules, filter or similar" \
  "$B:10: subscribers.[0].topics.[0].like: subscriber ann, topic vision: \"hep-th/99\" is not an arXiv id" \
  "$B:11: subscribers.[0].topics.[1].rank: subscriber ann, topic norank: rank = \"rules\" needs a query" \
  "$B:12: subscribers.[1].topics.[0].query: missing (required) in subscriber carl, topic t" \
  "$B:13: subscribers.[2].topics: missing (required)"; do
  grep -qF "$want" "$T/bad.err" || fail "missing error: $want"
done
grep -q '6 errors in the config' "$T/bad.err" || fail "error count: $(tail -n 1 "$T/bad.err")"
grep -q '"2411.17790" is not' "$T/bad.err" && fail "a good id was refused"

# 3. Query-less: a subscriber with likes and no topics, a topic ranked by similarity alone.
{ top '"cs"'; cat <<'CONF'
subscribers = (
  { name = "only-likes"; like = ["2411.17790"]; max_papers = 5; },
  { name = "mixed";
    topics = ( { name = "rules"; query = "ti:splatting"; },
               { name = "like-mine"; like = ["2411.17790"]; max_papers = 3; } ); }
);
CONF
} >"$T/noquery.conf"
"$PAPERBOY" -c "$T/noquery.conf" check >"$T/noquery.out" 2>"$T/noquery.err"
rc=$?
grep -q 'missing (required)' "$T/noquery.err" && fail "a query-less topic with likes refused: $(cat "$T/noquery.err")"
if [ $rc -ne 0 ]; then
  fail "query-less config: exit $rc"; sed 's/^/  | /' "$T/noquery.err" >&2
else
  grep -q '^topics: 3$' "$T/noquery.out" || fail "the subscriber with likes only has no topic \"liked\": $(cat "$T/noquery.out")"
fi

[ "$fails" -eq 0 ] || exit 1
echo "likes check: ok"
