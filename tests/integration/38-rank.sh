#!/bin/sh
# Ranking by what a reader likes, through paperboy match on the 1,504-paper day of 2024-11-28
# (offline: the liked papers' texts come from the day, the verdicts from the state):
# 1. a subscriber with only `like` (no topics, no query) gets the day ranked by similarity,
#    best first, capped by max_papers, each with a why-line naming the liked paper that drove
#    it; the liked papers themselves are not offered back;
# 2. a topic whose rule filters (cat:cs.CV) and whose likes rank: splatting first, unlike the
#    same topic ranked by rules;
# 3. a "similar" topic with min_similarity keeps only close papers, at most its max_papers;
# 4. feedback turns the order: a "not for me" verdict removes the paper, a "more like this"
#    on another subject brings its kind up;
# 5. an unknown liked id is named (offline: at debug level) and the other likes still count.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${BUILD:?}"
T=$(mktemp -d /tmp/pb-rank.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
feed="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
FB="$BUILD/tests/tools/feedback_put"
[ -x "$FB" ] || { echo "FAIL: $FB is missing (make tools)" >&2; exit 1; }

# 2411.18066 "GLS: Geometry-aware 3D Language Gaussian Splatting" and 2411.18311 "Neural
# Surface Priors for Editable Gaussian Splatting" are papers of that day.
cat >"$T/a.conf" <<EOF
state_dir = "$T/state";
log_level = "debug";
arxiv = { categories = ["cs", "cond-mat", "physics"]; };
file = { enabled = true; dir = "$T/out"; };
subscribers = (
  { name = "ann"; max_papers = 5; like = ["2411.18066", "2411.18311"]; },
  { name = "cv"; max_papers = 5;
    topics = ( { name = "vision"; query = "cat:cs.CV"; like = ["2411.18066"]; } ); },
  { name = "cvr"; max_papers = 5;
    topics = ( { name = "vision"; query = "cat:cs.CV"; like = ["2411.18066"]; rank = "rules"; } ); },
  { name = "sim"; max_papers = 10;
    topics = ( { name = "close"; like = ["2411.18066", "2411.18311"]; min_similarity = 0.06;
                 max_papers = 3; } ); },
  { name = "fay"; max_papers = 4;
    topics = ( { name = "vision"; query = "cat:cs.CV"; like = ["2411.18066"]; } ); },
  { name = "bad"; max_papers = 3; like = ["2411.99999", "2411.18311"]; }
);
EOF

# The ranked lines of one subscriber: "N ID SCORE TOPIC" per paper, best first.
lines() {
  awk -v who="$1" '
    /^[^ ].*: [0-9]+ of [0-9]+ matching papers/ { on = ($1 == who ":") ; next }
    on && /^ *[0-9]+\. / { n = $1; sub(/\./, "", n); id = $2; s = $3; t = $4
                          sub(/^score=/, "", s); sub(/^topic=/, "", t); print n, id, s, t }' "$2"
}
whys() {
  awk -v who="$1" '
    /^[^ ].*: [0-9]+ of [0-9]+ matching papers/ { on = ($1 == who ":") ; next }
    on && /^ +why: / { sub(/^ +why: /, ""); print }' "$2"
}
titles() {
  awk -v who="$1" '
    /^[^ ].*: [0-9]+ of [0-9]+ matching papers/ { on = ($1 == who ":") ; next }
    on && /^ *[0-9]+\. / { getline; print }' "$2"
}
# 1 when the scores of stdin's "N ID SCORE TOPIC" lines never rise.
descending() { awk 'NR > 1 && $3 > prev + 1e-12 { bad = 1 } { prev = $3 } END { exit bad }'; }

"$PAPERBOY" -c "$T/a.conf" match --feed "$feed" >"$T/m1" 2>"$T/e1"
rc=$?
[ $rc -eq 0 ] || { sed 's/^/  | /' "$T/e1" >&2; fail "match: exit $rc, want 0"; }

# 1. Likes alone.
lines ann "$T/m1" >"$T/ann"
[ "$(wc -l <"$T/ann")" -eq 5 ] || fail "ann: $(wc -l <"$T/ann") papers, want 5: $(cat "$T/ann")"
grep -q '^ann: 5 of 5 matching papers (max 5)$' "$T/m1" || fail "ann header: $(grep '^ann' "$T/m1")"
descending <"$T/ann" || fail "ann not best first: $(cat "$T/ann")"
awk '$4 != "liked" { exit 1 }' "$T/ann" || fail "ann's topic is not 'liked': $(cat "$T/ann")"
grep -q -e ' 2411\.18066 ' -e ' 2411\.18311 ' "$T/ann" && fail "ann gets a liked paper back: $(cat "$T/ann")"
n=$(titles ann "$T/m1" | grep -c -i -e gaussian -e splat)
[ "$n" -ge 4 ] || fail "ann: $n of 5 titles on Gaussian splatting: $(titles ann "$T/m1")"
whys ann "$T/m1" >"$T/annwhy"
[ "$(grep -c -E '^similar to 2411\.(18066|18311) \(0\.[0-9][0-9]\)' "$T/annwhy")" -eq 5 ] ||
  fail "ann's why-lines: $(cat "$T/annwhy")"

# 2. The rule filters, the likes rank: a cs.CV day ranked by similarity to a splatting paper.
lines cv "$T/m1" >"$T/cv"
lines cvr "$T/m1" >"$T/cvr"
[ "$(wc -l <"$T/cv")" -eq 5 ] || fail "cv: $(cat "$T/cv")"
descending <"$T/cv" || fail "cv not best first: $(cat "$T/cv")"
head -1 "$T/cv" | grep -q ' 2411\.18066 ' || fail "cv: the liked paper itself should lead (a rule hit): $(cat "$T/cv")"
n=$(titles cv "$T/m1" | grep -c -i -e gaussian -e splat)
[ "$n" -ge 4 ] || fail "cv: $n of 5 titles on splatting: $(titles cv "$T/m1")"
n=$(titles cvr "$T/m1" | grep -c -i -e gaussian -e splat)
[ "$n" -lt 4 ] || fail "cvr (rules) looks ranked by likes: $(titles cvr "$T/m1")"
whys cvr "$T/m1" | grep -q 'similar to' && fail "cvr (rules) has the ranker's reasons"
whys cv "$T/m1" | sed -n 2p | grep -q '^similar to 2411\.18066 (0\.[0-9][0-9]); topic=vision' ||
  fail "cv why-line: $(whys cv "$T/m1" | sed -n 2p)"

# 3. min_similarity and the topic's own max_papers.
lines sim "$T/m1" >"$T/sim"
n=$(wc -l <"$T/sim")
[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "sim: $n papers, want 1..3: $(cat "$T/sim")"
awk '$3 < 0.06 { exit 1 }' "$T/sim" || fail "sim: a paper under min_similarity: $(cat "$T/sim")"

# 4. Feedback turns the order.
lines fay "$T/m1" >"$T/fay1"
second=$(sed -n 2p "$T/fay1" | cut -d' ' -f2)
[ -n "$second" ] || fail "fay: no second paper: $(cat "$T/fay1")"
# a "more like this" on a paper of another subject: 2411.18169, "PDZSeg: Adapting the
# Foundation Model for Dissection Zone Segmentation" (cs.CV)
other=2411.18169
mkdir -p "$T/state"
"$FB" "$T/state/paperboy.db" fay "$second" - >/dev/null 2>"$T/fbe" || fail "feedback_put: $(cat "$T/fbe")"
"$PAPERBOY" -c "$T/a.conf" match --feed "$feed" --subscriber fay >"$T/m2" 2>"$T/e2"
rc=$?
[ $rc -eq 0 ] || { sed 's/^/  | /' "$T/e2" >&2; fail "match after feedback: exit $rc"; }
lines fay "$T/m2" >"$T/fay2"
grep -q " $second " "$T/fay2" && fail "fay: $second came back after 'not for me': $(cat "$T/fay2")"
[ "$(wc -l <"$T/fay2")" -eq 4 ] || fail "fay after feedback: $(cat "$T/fay2")"
cmp -s "$T/fay1" "$T/fay2" && fail "fay: the order did not change"
"$FB" "$T/state/paperboy.db" fay "$other" + >/dev/null 2>"$T/fbe" || fail "feedback_put +: $(cat "$T/fbe")"
"$PAPERBOY" -c "$T/a.conf" match --feed "$feed" --subscriber fay >"$T/m3" 2>"$T/e3"
n2=$(titles fay "$T/m2" | grep -c -i segment)
n3=$(titles fay "$T/m3" | grep -c -i segment)
[ "$n3" -gt "$n2" ] || fail "fay: 'more like this' on $other brought no segmentation paper up ($n2 -> $n3): $(titles fay "$T/m3")"

# 5. An unknown liked id: named, and the other like still ranks.
grep -q 'event=rank.like_unknown subscriber=bad id=2411.99999 ' "$T/e1" ||
  fail "no line naming 2411.99999: $(grep rank.like "$T/e1")"
[ "$(lines bad "$T/m1" | wc -l)" -eq 3 ] || fail "bad: the other like did not rank: $(lines bad "$T/m1")"

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
exit 0
