#!/bin/sh
# make bench ONLY=rank: the ranker (rank.h) on real arXiv papers.
# 1. Quality, beside scikit-learn in the same run: readers with five liked papers on one narrow
#    subject (a primary arXiv category with 10 to 60 papers in the fixtures' 1,504-paper day of
#    2024-11-28; three seed draws per subject held out of the day, one more from the 2014 OAI
#    page when it has five of the subject), ranked by paperboy (pb_ranker_similarity on a
#    profile of the seeds), by LinearSVC on tf-idf (arxiv-sanity-lite's recipe) and by tf-idf
#    cosine to the seeds' mean. Same seeds, same candidates (the day but the reader's seeds);
#    a candidate is relevant when its primary category is the reader's subject. Labels come
#    from arXiv's own categories, not from any of the three methods. precision@10 and nDCG@10.
#    Each subject's first reader comes again with 15 "not for me" verdicts on papers of
#    neighbouring subjects (enough labels for paperboy's learned model), scored apart.
# 2. Speed: 10,000 subscribers (match_bench's generated rules) with 20 liked papers each,
#    against a 2,000-paper day, on one core: the ranking alternated with the matcher alone,
#    medians of 3 rounds, and memory per subscriber.
# BENCH_QUICK=1 makes the speed run smaller (2,000 subscribers).
set -eu
: "${BUILD:?BUILD must name the build directory}"
FIX="${PB_FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures/arxiv}"
HERE="${PB_BENCH:-$(cd "$(dirname "$0")" && pwd)}"
BIN="$BUILD/bench/rank_bench"
PY=/usr/bin/python3
SUBS=10000
[ -n "${BENCH_QUICK:-}" ] && SUBS=2000
[ -x "$BIN" ] || { echo "bench_rank: $BIN is missing (make tools)" >&2; exit 1; }
$PY -c 'import sklearn' 2>/dev/null ||
  { echo "bench_rank: scikit-learn is missing (python3-sklearn; make test-deps)" >&2; exit 1; }
T=$(mktemp -d /tmp/pb-bench-rank.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

echo "# 1. quality: paperboy, LinearSVC and tf-idf cosine on the same readers and candidates"
echo "# labels: arXiv's own primary categories, made by no method under test. A reader's subject"
echo "# is a primary category with 10 to 60 papers in the 2024-11-28 day; its 5 liked papers are"
echo "# drawn (fixed seed) from that day's papers of the subject and held out of the candidates"
echo "# (3 draws), or from the 2014 OAI page (1 draw, when it has 5); a candidate is relevant when"
echo "# its primary category is the subject. 41 readers also give 15 'not for me' verdicts on"
echo "# papers of neighbouring subjects (same archive, other primary category), scored apart."
echo "\$ $BIN quality $FIX OUT 1 && $PY $HERE/rank_ref.py OUT"
"$BIN" quality "$FIX" "$T" 1
$PY "$HERE/rank_ref.py" "$T"

echo
echo "# 2. speed: $SUBS subscribers x 20 liked papers against 2000 papers, 3 rounds alternating"
echo "\$ $BIN speed $FIX $SUBS 2000 20 3"
"$BIN" speed "$FIX" "$SUBS" 2000 20 3
