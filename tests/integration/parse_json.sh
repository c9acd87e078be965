#!/bin/sh
# The parser end to end on every saved arXiv response: parse_bench --json gives valid paper
# JSON lines with the expected counts, and reading the file in 64 KB pieces (as a transfer
# arrives) prints exactly what the one-call parse prints. Error and empty feeds print nothing
# and exit non-zero / zero as their status says.
set -eu
: "${BUILD:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
TOOL="$BUILD/bench/parse_bench"
CHECK="$PB_TESTS/lib/check_paper_json.py"
[ -x "$TOOL" ] || { echo "parse_json: $TOOL missing" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# file expected-records expected-exit
while read -r f want rc; do
	[ -n "$f" ] || continue
	got_rc=0
	"$TOOL" --json "$PB_FIXTURES/$f" >"$TMP/whole" 2>"$TMP/err" || got_rc=$?
	[ "$got_rc" = "$rc" ] || { echo "parse_json: $f exit $got_rc, want $rc" >&2; cat "$TMP/err" >&2; exit 1; }
	"$TOOL" --json --stream "$PB_FIXTURES/$f" >"$TMP/stream" 2>/dev/null || true
	cmp -s "$TMP/whole" "$TMP/stream" || { echo "parse_json: $f streamed output differs" >&2; exit 1; }
	n=$(/usr/bin/python3 "$CHECK" "$want" <"$TMP/whole") || { echo "parse_json: $f bad JSON" >&2; exit 1; }
	echo "   $f: $n records"
done <<'LIST'
api2016-idlist-1111.2011v2.xml 1 0
api2016-query-au-del_maestro-10.xml 10 0
api2026-empty.xml 0 0
api2026-error-bad-id.xml 0 1
api2026-id-oldstyle-astro-ph-0601001-affiliations.xml 1 0
api2026-id-oldstyle-quant-ph-0201082v1.xml 1 0
api2026-idlist-two-ids-one-missing.xml 1 0
api2026-query-all-testing-100.xml 100 0
api2026-query-all-testing-start5-max10.xml 10 0
atom-rss.arxiv.org-cs.LG-2026-09-25-3entries-abridged.xml 3 0
oai-listrecords-arXiv-physics-hep-ex-2017-3records.xml 3 0
oai-listrecords-arXivRaw-2014-1000records.xml 1000 0
rss1-legacy-hep-ex-2018-05-23-3items-abridged.xml 3 0
rss1-legacy-hep-ex-2021-07-08-3items-desc-replaced.xml 3 0
rss2-all-archives-2024-11-28-1504items.xml 1504 0
rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml 4 0
rss2-empty-feed-test-archive.xml 0 0
rss2-error-bad-archive.xml 0 1
LIST

# Announce types and the cs.CV sample of the big feed, from the JSON a user would see.
"$TOOL" --json "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" 2>/dev/null >"$TMP/big"
/usr/bin/python3 - "$TMP/big" <<'PY'
import collections, json, sys
ps = [json.loads(l) for l in open(sys.argv[1])]
c = collections.Counter(p["announce_type"] for p in ps)
cv = [p for p in ps if "cs.CV" in p["categories"]]
prim = [p for p in cv if p["categories"][0] == "cs.CV"]
want = {"new": 926, "replace": 569, "cross": 9}
if dict(c) != want or len(cv) != 227 or len(prim) != 175:
    sys.exit("parse_json: counts %s, cs.CV %d (primary %d)" % (dict(c), len(cv), len(prim)))
print("   rss2 big feed: %s, cs.CV %d, cs.CV primary %d" % (dict(c), len(cv), len(prim)))
PY

# A body cut short and an HTML page: non-zero exit, nothing printed.
head -c 500000 "$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml" >"$TMP/cut.xml"
printf '<!DOCTYPE html><html><body>Rate exceeded.</body></html>' >"$TMP/page.html"
for f in "$TMP/cut.xml" "$TMP/page.html"; do
	if "$TOOL" --json "$f" >"$TMP/out" 2>"$TMP/err"; then
		echo "parse_json: $f parsed as a feed" >&2; exit 1
	fi
	[ ! -s "$TMP/out" ] || { echo "parse_json: $f printed records" >&2; exit 1; }
	grep -q 'status=3' "$TMP/err" || { echo "parse_json: $f not BAD" >&2; exit 1; }
done
echo "   truncated body and HTML page rejected"
