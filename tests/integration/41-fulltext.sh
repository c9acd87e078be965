#!/bin/sh
# Full text in a run, against a local stand-in for arxiv.org/html and /pdf
# (tests/lib/fulltext_server.py): a run with fulltext enabled gets each selected paper's HTML;
# a paper whose HTML is 404 falls back to the PDF; the texts are cached per version, so a
# later run (another subscriber with the same papers) asks nothing; a failure is remembered
# and not retried the next run; a slow server does not hold the digest past the deadline.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
FT="$PB_TESTS/fixtures/fulltext"
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-ft.XXXXXX)
SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
CUR=none
fail() {
  echo "41-fulltext: FAIL: $*" >&2
  for f in "$T/$CUR.log" "$T/req.log"; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }; done
  exit 1
}

/usr/bin/python3 "$PB_TESTS/lib/fulltext_server.py" --port-file "$T/port" --log "$T/req.log" \
  --html "$FT/arxiv-2501.11120v1.html" --pdf "$FT/arxiv-2202.00535v1.pdf" --rules "$T/rules" \
  --timeout 120 &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "server did not start"
  sleep 0.1
done
PORT=$(cat "$T/port")
: > "$T/rules"

# conf NAME SUBSCRIBERS DEADLINE: a config of its own state, the file sink, full text from the
# stand-in; SUBSCRIBERS is "amy" or "amy bo" (same topic, so the same papers).
conf() {
  subs=""
  for s in $2; do
    subs="$subs { name = \"$s\"; max_papers = 3; topics = ( { name = \"Depth\"; query = \"ti:depth OR abs:\\\"depth estimation\\\"\"; } ); },"
  done
  cat > "$T/$1.conf" <<EOF
state_dir = "$T/$1.state";
arxiv = { categories = ["cs.CV"]; request_interval_ms = 50;
  rss_url = "http://127.0.0.1:9/rss"; api_url = "http://127.0.0.1:9/api"; };
file = { dir = "$T/$1.sink"; };
fulltext = { enabled = true; html_url = "http://127.0.0.1:$PORT/html";
  pdf_url = "http://127.0.0.1:$PORT/pdf"; max_papers = 3; timeout = $(( $3 < 10 ? $3 : 10 ));
  deadline = $3; };
subscribers = ( ${subs%,} );
EOF
}
run() { # NAME [FEED]: paperboy run on a saved feed, log in NAME.log
  CUR=$1
  "$PAPERBOY" -c "$T/$CUR.conf" run --feed "${2:-$FEED}" > "$T/$CUR.out" 2> "$T/$CUR.log" ||
    fail "$CUR: run exited $?"
}
# The same papers announced the next day, for bo who has not had them.
sed 's/28 Nov 2024/29 Nov 2024/' "$FEED" > "$T/next.xml"
requests() { # PATH-PREFIX: requests the stand-in saw for it
  grep -c "\"path\": \"$1" "$T/req.log" || true
}

# The selection (the dry run fetches nothing): amy's three depth papers.
conf base amy 60
"$PAPERBOY" -c "$T/base.conf" run --dry-run --feed "$FEED" > "$T/dry" 2>/dev/null || fail "dry run"
set -- $(sed -n 's/^ *[0-9.]*  *\([0-9.]*\) *v\([0-9]*\) .*/\1v\2/p' "$T/dry")
[ $# -eq 3 ] || fail "dry run lists $# papers, want 3: $(cat "$T/dry")"
P1=$1 P2=$2 P3=$3
[ ! -s "$T/req.log" ] || fail "the dry run asked the stand-in"

# ---- HTML for two papers, the PDF for the one without HTML ----
echo "/html/$P2 404" > "$T/rules"
run base
grep -q "event=fulltext.got paper=$P1 source=html sections=13 figures=36 tables=47 links=2" "$T/base.log" ||
  fail "$P1: not from its HTML"
grep -q "event=fulltext.got paper=$P2 source=pdf sections=6 " "$T/base.log" || fail "$P2: no PDF fallback"
grep -q "event=fulltext.got paper=$P3 source=html" "$T/base.log" || fail "$P3: not from its HTML"
grep -q 'event=fulltext.done papers=3 cached=0 fetched=3 failed=0' "$T/base.log" || fail "done line"
[ "$(requests "/html/$P2")" = 1 ] && [ "$(requests "/pdf/$P2")" = 1 ] || fail "$P2: HTML then PDF, once each"
[ "$(requests /pdf/)" = 1 ] || fail "a PDF asked although the HTML was there"
grep -q '"ua": "paperboy/' "$T/req.log" || fail "no User-Agent"
[ -s "$T/base.sink/2024-11-28/amy/digest.md" ] || fail "no digest"
rows=$(sqlite3 "$T/base.state/paperboy.db" "select paper_key||' '||source||' '||status from fulltext order by 1")
[ "$rows" = "$(printf '%s html ok\n%s pdf ok\n%s html ok' "$P3" "$P2" "$P1" | sort)" ] ||
  fail "cache rows: $rows"
echo "   HTML, PDF fallback, cached per version: ok"

# ---- preview on a saved feed: the full text from the cache, no request ----
before=$(wc -l < "$T/req.log")
CUR=preview
"$PAPERBOY" -c "$T/base.conf" preview --subscriber amy --feed "$FEED" > "$T/preview.out" 2> "$T/preview.log" ||
  fail "preview exited $?"
[ -s "$T/preview.out" ] || fail "preview wrote nothing"
grep -q 'event=fulltext.done papers=3 cached=3 fetched=0' "$T/preview.log" || fail "preview did not read the cache"
[ "$(wc -l < "$T/req.log")" = "$before" ] || fail "preview on a saved feed asked the network"
echo "   preview reads the cache: ok"

# ---- the next day, a new subscriber gets the same papers: from the cache, no request ----
before=$(wc -l < "$T/req.log")
conf base bo 60
run base "$T/next.xml"
[ "$(wc -l < "$T/req.log")" = "$before" ] || fail "the second run asked the stand-in again"
grep -q 'event=fulltext.done papers=3 cached=3 fetched=0 failed=0' "$T/base.log" || fail "second run not from the cache"
[ -s "$T/base.sink/2024-11-29/bo/digest.md" ] || fail "no digest for bo"
echo "   second run from the cache (no request): ok"

# ---- a text cached by an earlier reader is read again: P1's from before readers had
# versions, P2's (a PDF) from the PDF reader before this one; P3's is current. Then, on a
# state shared by machines, P3's text of an earlier reader stored by another machine (its
# claim done) is read again too, not left out ----
db="$T/base.state/paperboy.db"
pdfv=$(sqlite3 "$db" "select json_extract(body, '$.reader') from fulltext where paper_key = '$P2'")
[ "$pdfv" -ge 1 ] 2>/dev/null || fail "the cached PDF text has no reader version ($pdfv)"
sqlite3 "$db" "update fulltext set body = json_remove(body, '$.reader') where paper_key = '$P1';
  update fulltext set body = json_set(body, '$.reader', $pdfv - 1) where paper_key = '$P2'" ||
  fail "cannot age the cache"
h1=$(requests "/html/$P1") p2=$(requests "/pdf/$P2") h3=$(requests "/html/$P3")
sed 's/28 Nov 2024/2 Dec 2024/' "$FEED" > "$T/later.xml"
conf base cy 60
run base "$T/later.xml"
grep -q "event=fulltext.stale paper=$P1 source=html reader=0" "$T/base.log" || fail "$P1: no stale line"
grep -q "event=fulltext.stale paper=$P2 source=pdf reader=$((pdfv - 1)) now=$pdfv" "$T/base.log" ||
  fail "$P2: no stale line"
grep -q 'event=fulltext.done papers=3 cached=1 fetched=2 failed=0' "$T/base.log" ||
  fail "the texts of earlier readers were not read again"
[ "$(requests "/html/$P1")" = $((h1 + 1)) ] && [ "$(requests "/pdf/$P2")" = $((p2 + 1)) ] &&
  [ "$(requests "/html/$P3")" = "$h3" ] || fail "requests after the readers changed"
v=$(sqlite3 "$db" "select json_extract(body, '$.reader') from fulltext where paper_key = '$P1'")
[ "$v" -ge 1 ] 2>/dev/null || fail "$P1: the text read again has no reader version ($v)"
[ "$(sqlite3 "$db" "select json_extract(body, '$.reader') from fulltext where paper_key = '$P2'")" = "$pdfv" ] ||
  fail "$P2: the text read again is not the current reader's"
sqlite3 "$db" "update fulltext set body = json_remove(body, '$.reader') where paper_key = '$P3';
  insert or replace into fetch_claims(key, owner, lease_until, status, updated)
  values ('fulltext:$P3', 'other', 0, 'done', strftime('%s', 'now'))" || fail "cannot age P3"
h3=$(requests "/html/$P3")
sed 's/28 Nov 2024/3 Dec 2024/' "$FEED" > "$T/later2.xml"
conf base dee 60
echo 'state = { machine = "one"; };' >> "$T/base.conf"
run base "$T/later2.xml"
grep -q "event=fulltext.stale paper=$P3 source=html reader=0" "$T/base.log" || fail "$P3: no stale line"
grep -q 'event=fulltext.done papers=3 cached=2 fetched=1 failed=0 skipped=0' "$T/base.log" ||
  fail "another machine's text of an earlier reader was not read again"
[ "$(requests "/html/$P3")" = $((h3 + 1)) ] || fail "$P3: not asked again"
echo "   a text of an earlier reader is read again: ok"

# ---- a failure is remembered: a 500 is not retried by the next run ----
printf '/html/%s 500\n/pdf/%s 500\n' "$P1" "$P1" > "$T/rules"
conf fail amy 60
run fail
grep -q "level=warn event=fulltext.failed paper=$P1 why=" "$T/fail.log" || fail "no failed line for $P1"
grep -q 'event=fulltext.done papers=3 cached=0 fetched=2 failed=1' "$T/fail.log" || fail "fail: done line"
[ -s "$T/fail.sink/2024-11-28/amy/digest.md" ] || fail "no digest with a failed full text"
st=$(sqlite3 "$T/fail.state/paperboy.db" "select status from fulltext where paper_key = '$P1'")
[ "$st" = failed ] || fail "the failure is not remembered ($st)"
n=$(requests "/html/$P1")
conf fail bo 60
run fail "$T/next.xml"
[ "$(requests "/html/$P1")" = "$n" ] || fail "the failed paper was asked again in the next run"
grep -q 'event=fulltext.done papers=3 cached=2 fetched=0 failed=0 skipped=1' "$T/fail.log" || fail "fail: second done line"
echo "   failure remembered, not retried: ok"

# ---- the papers' host has a spacing of its own (arxiv.org's robots.txt asks 15 s; arXiv's API
# 3 s): requests to the stand-in 1.2 s apart, the feed's 50 ms notwithstanding ----
: > "$T/rules"
before=$(wc -l < "$T/req.log")
conf space amy 60
sed -i 's|max_papers = 3; timeout|max_papers = 3; request_interval_ms = 1200; timeout|' "$T/space.conf"
run space
grep -q 'event=fulltext.done papers=3 cached=0 fetched=3 failed=0' "$T/space.log" || fail "space: done line"
gap=$(tail -n +"$((before + 1))" "$T/req.log" | /usr/bin/python3 -c '
import json, sys
t = [json.loads(l)["t"] for l in sys.stdin if l.strip()]
print("%d %d" % (len(t), min(b - a for a, b in zip(t, t[1:])) * 1000 if len(t) > 1 else 0))')
set -- $gap
[ "$1" = 3 ] && [ "$2" -ge 1150 ] || fail "requests to the papers' host: $1, closest $2 ms apart (want 3, >= 1200 ms)"
echo "   the papers' host spaced by fulltext.request_interval_ms ($2 ms): ok"

# ---- a slow server: the digest goes out within the full-text deadline ----
echo "/html/ stall 4" > "$T/rules"
conf slow amy 3
s=$(date +%s)
run slow
took=$(( $(date +%s) - s ))
[ "$took" -le 9 ] || fail "the run took $took s with a 3 s full-text deadline"
grep -Eq 'event=fulltext\.(deadline|failed|backoff)' "$T/slow.log" || fail "no deadline or failure line"
grep -q 'event=fulltext.got' "$T/slow.log" && fail "a full text arrived past the deadline"
[ -s "$T/slow.sink/2024-11-28/amy/digest.md" ] || fail "no digest after the deadline"
echo "   slow server: digest within the deadline ($took s): ok"
