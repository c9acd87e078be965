#!/bin/sh
# paperboy fetch --feed on every arXiv fixture: counts by announce type, the fields of the JSON
# lines, category filtering, error feeds (exit 65 with arXiv's words), empty feeds ("no
# announcement", exit 0), broken bodies (a clear error, exit 65) and usage errors.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
F=$PB_FIXTURES
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
# No config is needed with --feed; make sure none is picked up from the environment.
export PAPERBOY_CONFIG="$T/none.conf"
cd "$T" || exit 1
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run NAME ARGS...: stdout to $T/NAME.out, stderr to $T/NAME.err, exit code to $rc.
run() {
  n=$1; shift
  "$PAPERBOY" fetch "$@" >"$T/$n.out" 2>"$T/$n.err"
  rc=$?
}
expect_rc() {
  [ "$rc" -eq "$2" ] || { fail "$1: exit $rc, want $2"; sed 's/^/  | /' "$T/$1.err" | tail -n 5 >&2; }
}
expect_summary() {
  grep -qx "$2\( date=[0-9-]*\)\{0,1\}" "$T/$1.err" ||
    fail "$1: summary on stderr is '$(grep '^papers=' "$T/$1.err")', want '$2'"
}
lines() { wc -l <"$T/$1.out" | tr -d ' '; }

# Checks every JSON line of NAME.out with a Python expression over the list of papers P.
jcheck() {
  n=$1 expr=$2
  /usr/bin/python3 - "$T/$n.out" "$expr" <<'PY' || fail "$n: JSON check failed: $expr"
import json, sys
P = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
need = ['id', 'version', 'title', 'authors', 'abstract', 'categories', 'announce_type',
        'published', 'updated', 'comment', 'journal_ref', 'doi']
for p in P:
    missing = [k for k in need if k not in p]
    if missing:
        sys.exit('missing %s in %s' % (missing, p.get('id')))
    if not isinstance(p['authors'], list) or not isinstance(p['categories'], list):
        sys.exit('authors/categories not arrays in %s' % p.get('id'))
    if 'v' in p['id'].split('/')[-1] or not isinstance(p['version'], int):
        sys.exit('id carries a version or version not a number: %s' % p['id'])
ok = eval(sys.argv[2], {'P': P, 'by': {p['id']: p for p in P}})
if not ok:
    sys.exit('false: ' + sys.argv[2])
PY
}

# --- The big RSS feed: every archive on 2024-11-28. ---
BIG=$F/rss2-all-archives-2024-11-28-1504items.xml
run big --feed "$BIG"
expect_rc big 0
expect_summary big "papers=1504 new=926 cross=9 replace=569 replace-cross=0"
[ "$(lines big)" -eq 1504 ] || fail "big: $(lines big) table lines, want 1504"
grep -q ' date=2024-11-28$' "$T/big.err" || fail "big: announcement date 2024-11-28 not reported"

run bigj --feed "$BIG" --json
expect_rc bigj 0
[ "$(lines bigj)" -eq 1504 ] || fail "bigj: $(lines bigj) JSON lines, want 1504"
jcheck bigj "len(P) == 1504 and len(set(p['id'] for p in P)) == 1504"
jcheck bigj "sum(p['announce_type'] == 'new' for p in P) == 926"
jcheck bigj "sum(p['announce_type'] == 'replace' for p in P) == 569"
jcheck bigj "sum(p['announce_type'] == 'cross' for p in P) == 9"
jcheck bigj "sum(p['doi'] is not None for p in P) == 111"
jcheck bigj "sum(p['journal_ref'] is not None for p in P) == 97"
jcheck bigj "sum(p['categories'][0] == 'cs.CV' for p in P) == 175"
jcheck bigj "all(p['title'] and p['abstract'] and p['authors'] for p in P)"
jcheck bigj "any('\\\\&' in p['title'] for p in P)"
jcheck bigj "any(\"R\\\\'emy\" in a for p in P for a in p['authors'])"

run cv --feed "$BIG" --category cs.CV
expect_rc cv 0
# As rss.arxiv.org/rss/cs.CV announces them: a paper whose primary category is elsewhere is a
# cross-list there (new -> cross, replace -> replace-cross); 175 have cs.CV first.
expect_summary cv "papers=227 new=116 cross=34 replace=59 replace-cross=18"
[ "$(lines cv)" -eq 227 ] || fail "cv: $(lines cv) lines, want 227"
run cvj --feed "$BIG" --category cs.CV --json
jcheck cvj "len(P) == 227 and all('cs.CV' in p['categories'] for p in P)"
jcheck cvj "all((p['categories'][0] == 'cs.CV') == (p['announce_type'] in ('new', 'replace')) for p in P)"
# Two categories: papers listing either.
run cvro --feed "$BIG" --category cs.CV --category cs.RO --json
jcheck cvro "len(P) > 227 and all('cs.CV' in p['categories'] or 'cs.RO' in p['categories'] for p in P)"
# An archive name keeps all of its categories.
run cs --feed "$BIG" --category cs --json
jcheck cs "len(P) > 227 and all(any(c.startswith('cs.') for c in p['categories']) for p in P)"
# The same feed from stdin.
"$PAPERBOY" fetch --feed - <"$BIG" >"$T/stdin.out" 2>"$T/stdin.err"; rc=$?
expect_rc stdin 0
expect_summary stdin "papers=1504 new=926 cross=9 replace=569 replace-cross=0"

# --- Small RSS 2.0 and Atom feeds. ---
run rss4 --feed "$F/rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml" --json
expect_rc rss4 0
expect_summary rss4 "papers=4 new=2 cross=1 replace=1 replace-cross=0"
jcheck rss4 "by['2205.06398']['announce_type'] == 'cross' and by['2205.06398']['categories'][0] == 'stat.ME' and by['2205.06398']['doi']"
jcheck rss4 "by['2009.13987']['version'] == 3 and by['2009.13987']['announce_type'] == 'replace'"
jcheck rss4 "by['2609.26820']['authors'] == ['Naser Mansour', 'Sidahmed Benabderrahmane', 'Ameer Rahwan']"

run atom --feed "$F/atom-rss.arxiv.org-cs.LG-2026-09-25-3entries-abridged.xml" --json
expect_rc atom 0
expect_summary atom "papers=3 new=1 cross=1 replace=1 replace-cross=0"
jcheck atom "by['2402.10149']['version'] == 3 and by['2402.10149']['announce_type'] == 'cross'"

for f in rss1-legacy-hep-ex-2018-05-23-3items-abridged.xml \
         rss1-legacy-hep-ex-2021-07-08-3items-desc-replaced.xml; do
  run rss1 --feed "$F/$f" --json
  expect_rc rss1 0
  # The UPDATED item's primary (nucl-th, hep-ph) is outside hep-ex: a replace-cross.
  expect_summary rss1 "papers=3 new=1 cross=1 replace=0 replace-cross=1"
done

# --- API Atom answers (no announce type: "unknown"). ---
run q100 --feed "$F/api2026-query-all-testing-100.xml" --json
expect_rc q100 0
expect_summary q100 "papers=100 new=0 cross=0 replace=0 replace-cross=0 unknown=100"
jcheck q100 "sum(p['comment'] is not None for p in P) == 97 and sum(p['doi'] is not None for p in P) == 32"
jcheck q100 "sum(p['journal_ref'] is not None for p in P) == 18 and all(p['published'] for p in P)"
run q10 --feed "$F/api2026-query-all-testing-start5-max10.xml"
expect_summary q10 "papers=10 new=0 cross=0 replace=0 replace-cross=0 unknown=10"
run dm --feed "$F/api2016-query-au-del_maestro-10.xml" --json
expect_summary dm "papers=10 new=0 cross=0 replace=0 replace-cross=0 unknown=10"
jcheck dm "'cond-mat/0412498' in by and by['cond-mat/0412498']['version'] == 1"
run v2 --feed "$F/api2016-idlist-1111.2011v2.xml" --json
jcheck v2 "len(P) == 1 and P[0]['id'] == '1111.2011' and P[0]['version'] == 2 and P[0]['published'] != P[0]['updated']"
run aff --feed "$F/api2026-id-oldstyle-astro-ph-0601001-affiliations.xml" --json
jcheck aff "P[0]['id'] == 'astro-ph/0601001' and len(P[0]['authors']) == 4 and P[0]['categories'][0] == 'astro-ph' and P[0]['journal_ref']"
jcheck aff "P[0].get('affiliations', [[1]] * 4)[0] == ['Ohio State']"
run qph --feed "$F/api2026-id-oldstyle-quant-ph-0201082v1.xml" --json
jcheck qph "P[0]['id'] == 'quant-ph/0201082' and P[0]['version'] == 1"
run miss --feed "$F/api2026-idlist-two-ids-one-missing.xml" --json
jcheck miss "len(P) == 1 and P[0]['id'] == '1707.08567' and len(P[0]['authors']) == 34"

# --- Empty feeds: a normal outcome. ---
for f in rss2-empty-feed-test-archive.xml api2026-empty.xml; do
  run empty --feed "$F/$f"
  expect_rc empty 0
  grep -q "no announcement" "$T/empty.err" || fail "$f: no 'no announcement' message"
  [ -s "$T/empty.out" ] && fail "$f: printed papers for an empty feed"
done

# --- arXiv error feeds: exit 65 with arXiv's own message. ---
run err1 --feed "$F/rss2-error-bad-archive.xml"
expect_rc err1 65
grep -q "Bad archive 'astroph'. Valid archive names are" "$T/err1.err" || fail "err1: arXiv's message missing"
run err2 --feed "$F/api2026-error-bad-id.xml" --json
expect_rc err2 65
grep -q "incorrect id format for abc" "$T/err2.err" || fail "err2: arXiv's message missing"
[ -s "$T/err2.out" ] && fail "err2: printed something on stdout"

# --- OAI-PMH files: read when the parser knows them, else refused clearly (never half-read). ---
for f in oai-listrecords-arXivRaw-2014-1000records.xml:1000 \
         oai-listrecords-arXiv-physics-hep-ex-2017-3records.xml:3; do
  run oai --feed "$F/${f%:*}"
  case $rc in
    0) grep -q "^papers=${f#*:} " "$T/oai.err" || fail "${f%:*}: wrong count" ;;
    65) [ -s "$T/oai.err" ] || fail "${f%:*}: refused without a message" ;;
    *) fail "${f%:*}: exit $rc" ;;
  esac
done

# --- Broken bodies: a clear error, exit 65, nothing on stdout. ---
head -c 200000 "$BIG" >"$T/truncated.xml"
printf '<html><head><title>503 Service Unavailable</title></head><body>busy</body></html>\n' >"$T/page.html"
printf 'not xml at all\n' >"$T/text.txt"
: >"$T/zero.xml"
for b in truncated.xml page.html text.txt zero.xml; do
  run bad --feed "$T/$b"
  expect_rc bad 65
  grep -q "^paperboy: " "$T/bad.err" || fail "$b: no error message"
  grep -q "^papers=" "$T/bad.err" && fail "$b: reported a summary for a broken body"
  [ -s "$T/bad.out" ] && fail "$b: printed papers from a broken body"
  [ "$(grep -o "$T/$b" "$T/bad.err" | wc -l)" = 1 ] || fail "$b: the file is not named once: $(cat "$T/bad.err")"
done
grep -q 'not XML; it begins "not xml at all"' "$T/bad.err" 2>/dev/null ||
  { run bad --feed "$T/text.txt"; grep -q 'not XML; it begins "not xml at all"' "$T/bad.err" ||
    fail "text.txt: a saved file is quoted as a server's answer: $(cat "$T/bad.err")"; }

# --- Usage and input errors. ---
run nofile --feed "$T/does-not-exist.xml"
expect_rc nofile 66
run usage1 --feed "$BIG" --bogus
expect_rc usage1 64
run usage2 --feed "$BIG" --date 2024-11-28
expect_rc usage2 64
run usage3 --category
expect_rc usage3 64
# a category arXiv does not have is refused, as arxiv.categories refuses it, rather than
# fetching nothing (from a saved feed) or arXiv's error feed
run usage4 --feed "$BIG" --category cs.CV --category cs.VC
expect_rc usage4 64
grep -q '^paperboy: fetch: --category cs.VC: "cs.VC" is not an arXiv category; did you mean' \
  "$T/usage4.err" || fail "usage4: $(cat "$T/usage4.err")"
[ -s "$T/usage4.out" ] && fail "usage4: papers printed for a category that does not exist"
run usage5 --feed "$BIG" --category "cs.CV cs.RO"
expect_rc usage5 64

[ "$fails" -eq 0 ] || { echo "10-fetch-feed: $fails failure(s)" >&2; exit 1; }
echo "10-fetch-feed: all checks passed"
