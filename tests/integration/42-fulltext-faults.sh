#!/bin/sh
# Full text that cannot be had, or is hostile, against the local stand-in
# (tests/lib/fulltext_server.py) and PDFs made now by reportlab (tests/lib/gen_pdfs.py):
# hostile HTML (deep nesting, a huge attribute, thousands of scripts), a 50 MB PDF past the
# byte cap, a PDF without a text layer, an encrypted PDF, 429, 403 and 500 answers, a Retry-After
# that holds the next run. Each run ends in bounded time with one clear log line per paper, no
# crash, and the digest sent. A paper that met arXiv's 429 or 403 is not remembered as failed
# (the next run, or another machine's an hour later, reads it); one that failed is read again
# by the next day's run, whenever in the run its turn comes.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
FT="$PB_TESTS/fixtures/fulltext"
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-ftf.XXXXXX)
SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
CUR=none
fail() {
  echo "42-fulltext-faults: FAIL: $*" >&2
  for f in "$T/$CUR.log" "$T/req.log"; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }; done
  exit 1
}

/usr/bin/python3 "$PB_TESTS/lib/gen_pdfs.py" "$T/pdf" --big || fail "gen_pdfs.py (python3-reportlab?)"
# Hostile HTML: a LaTeXML-looking page whose section sits under 100000 nested elements, with a
# 5 MB attribute and 3000 scripts and styles.
/usr/bin/python3 - "$T/hostile.html" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('<html><body><article class="ltx_document"><section class="ltx_section">'
            '<h2 class="ltx_title">4 Results</h2><p>Accuracy rose to 91.5% on the test set.</p>')
    f.write('<div>' * 100000 + 'deep')
    f.write('<figure class="ltx_figure"><img src="' + 'a' * (5 * 1024 * 1024) + '">'
            '<figcaption>Figure 1: huge</figcaption></figure>')
    f.write('<script>alert(1)</script><style>p{}</style>' * 3000)
    f.write('</body></html>')
PY

/usr/bin/python3 "$PB_TESTS/lib/fulltext_server.py" --port-file "$T/port" --log "$T/req.log" \
  --html "$FT/arxiv-2501.11120v1.html" --pdf "$FT/arxiv-2202.00535v1.pdf" --rules "$T/rules" \
  --timeout 180 &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "server did not start"
  sleep 0.1
done
PORT=$(cat "$T/port")
: > "$T/rules"

conf() { # NAME: its own state and sink, full text from the stand-in, 20 MB cap
  cat > "$T/$1.conf" <<EOF
state_dir = "$T/$1.state";
arxiv = { categories = ["cs.CV"]; request_interval_ms = 50;
  rss_url = "http://127.0.0.1:9/rss"; api_url = "http://127.0.0.1:9/api"; };
file = { dir = "$T/$1.sink"; };
fulltext = { enabled = true; html_url = "http://127.0.0.1:$PORT/html";
  pdf_url = "http://127.0.0.1:$PORT/pdf"; max_papers = 3; max_bytes = 20971520;
  timeout = 20; deadline = 60; };
subscribers = ( { name = "amy"; max_papers = 3;
  topics = ( { name = "Depth"; query = "ti:depth OR abs:\"depth estimation\""; } ); } );
EOF
}
run() { # NAME MAX_SECONDS: a run that must end well within MAX_SECONDS, digest written
  CUR=$1
  conf "$1"
  s=$(date +%s)
  "$PAPERBOY" -c "$T/$1.conf" run --feed "$FEED" > "$T/$1.out" 2> "$T/$1.log"
  rc=$?
  took=$(( $(date +%s) - s ))
  [ $rc -eq 0 ] || fail "$1: run exited $rc"
  [ "$took" -le "$2" ] || fail "$1: took $took s, want at most $2"
  [ -s "$T/$1.sink/2024-11-28/amy/digest.md" ] || fail "$1: no digest"
  grep -q 'event=run.done .* sent=3 failed=0' "$T/$1.log" || fail "$1: digest not sent"
}

again() { # NAME CONF: amy's digest again on CONF's state (the date is done), rules as they are
  CUR=$1
  : > "$T/req.log"
  "$PAPERBOY" -c "$2" run --only amy --feed "$FEED" > "$T/$1.out" 2> "$T/$1.log" ||
    fail "$1: exited $?"
  grep -q 'event=run.done ' "$T/$1.log" || fail "$1: the run did not end"
}
row() { # NAME KEY: the status of KEY's full text in NAME's state, empty for none
  sqlite3 "$T/$1.state/paperboy.db" "select status from fulltext where paper_key = '$2'"
}

conf probe
"$PAPERBOY" -c "$T/probe.conf" run --dry-run --feed "$FEED" > "$T/dry" 2>/dev/null || fail "dry run"
set -- $(sed -n 's/^ *[0-9.]*  *\([0-9.]*\) *v\([0-9]*\) .*/\1v\2/p' "$T/dry")
[ $# -eq 3 ] || fail "dry run lists $# papers, want 3"
P1=$1 P2=$2 P3=$3

# ---- hostile HTML, a 50 MB PDF, a PDF with no text ----
cat > "$T/rules" <<EOF
/html/$P1 file $T/hostile.html
/html/$P2 404
/pdf/$P2 file $T/pdf/big.pdf
/html/$P3 404
/pdf/$P3 file $T/pdf/image-only.pdf
EOF
run odd 30
grep -q "event=fulltext.got paper=$P1 source=html sections=1 " "$T/odd.log" || fail "hostile HTML: no text kept"
grep -q "event=fulltext.none paper=$P2 why=\"PDF larger than 20971520 bytes\"" "$T/odd.log" ||
  fail "50 MB PDF: no byte-cap line"
grep -q "event=fulltext.none paper=$P3 why=\"PDF: no text layer" "$T/odd.log" || fail "image-only PDF: no line"
st=$(sqlite3 "$T/odd.state/paperboy.db" "select group_concat(status, ',') from (select status from fulltext order by paper_key)")
echo "$st" | grep -q unusable || fail "the unusable PDFs are not remembered ($st)"
echo "   hostile HTML, 50 MB PDF (cut off), no text layer: ok"

# ---- an encrypted PDF; then arXiv says 429: no more requests this run ----
cat > "$T/rules" <<EOF
/html/$P1 404
/pdf/$P1 file $T/pdf/encrypted.pdf
/html/$P2 429
EOF
: > "$T/req.log"
run locked 30
grep -q "event=fulltext.none paper=$P1 why=\"PDF: encrypted" "$T/locked.log" || fail "encrypted: no line"
grep -q "level=warn event=fulltext.backoff paper=$P2 why=\"HTML: .*429" "$T/locked.log" || fail "429: no backoff line"
grep -q "\"/html/$P3\"" "$T/req.log" && fail "asked for $P3 after a 429"
grep -q 'event=fulltext.done papers=3 cached=0 fetched=0 failed=2 skipped=1' "$T/locked.log" || fail "429: done line"
st=$(row locked "$P2")
[ -z "$st" ] || fail "429: $P2 is remembered as '$st': the next run would not ask for it"
[ "$(row locked "$P1")" = unusable ] || fail "the encrypted PDF is not remembered"
# arXiv answers again (its Retry-After, 1 s, over): the next run reads the paper that met the
# 429, not the encrypted one
: > "$T/rules"
sleep 2
again locked2 "$T/locked.conf"
grep -q "event=fulltext.got paper=$P2 source=html " "$T/locked2.log" ||
  fail "the paper that met a 429 is not read by the next run: $(grep "paper=$P2" "$T/locked2.log")"
grep -q "\"/pdf/$P1\"" "$T/req.log" && fail "the encrypted PDF was asked for again"
echo "   encrypted PDF, 429 stops the run's fetching, the next run reads the paper: ok"

# ---- arXiv answers 403 (it denies this client access): nothing more is asked, not even the
# PDF, since its robots page takes requests after a 403 for an attack ----
printf '/html/ 403\n/pdf/ 403\n' > "$T/rules"
: > "$T/req.log"
run denied 30
n=$(grep -c '"path"' "$T/req.log")
[ "$n" -eq 1 ] || fail "403: $n requests after it, want the one refused ($(cut -c1-80 "$T/req.log" | tr '\n' ' '))"
grep -q "level=warn event=fulltext.backoff paper=$P1 why=\"HTML: .*HTTP 403 (arXiv denies this client access)\"" \
  "$T/denied.log" || fail "403: no backoff line"
grep -q 'event=fulltext.done papers=3 cached=0 fetched=0 failed=1 skipped=2' "$T/denied.log" ||
  fail "403: done line"
st=$(row denied "$P1")
[ -z "$st" ] || fail "403: $P1 is remembered as '$st': the next run would not ask for it"
# Machine beta shares the state with the one whose request met the 403, an hour ago (its
# claim of the paper ended failed, the cache holds nothing): beta's run reads the paper.
ck="fulltext:$P1"
[ "$(sqlite3 "$T/denied.state/paperboy.db" "select status from fetch_claims where key = '$ck'")" \
  = failed ] || fail "403: the claim of $P1 did not end failed"
sqlite3 "$T/denied.state/paperboy.db" "update fetch_claims set owner = 'alpha',
  updated = strftime('%s', 'now') - 3600 where key = '$ck'" || fail "the claim is not alpha's"
sed 's/^state_dir = .*/&\nstate = { machine = "beta"; };/' "$T/denied.conf" > "$T/beta.conf"
: > "$T/rules"
again denied2 "$T/beta.conf"
grep -q "event=fulltext.got paper=$P1 source=html " "$T/denied2.log" ||
  fail "the paper that met a 403 on another machine is not read: $(grep "=$P1" "$T/denied2.log")"
echo "   403 stops the run's fetching, the PDF not asked, the paper read later: ok"

# ---- arXiv answers 429 asking to retry after 600 s: held in the state for every request to
# arXiv, so the next run on that state asks nothing (said once), the cached text still used ----
printf '/html/ 429 600\n' > "$T/rules"
: > "$T/req.log"
run wait 30
grep -q "level=warn event=fulltext.backoff paper=$P1 why=\"HTML: .*(arXiv asked to retry after 600 s)" \
  "$T/wait.log" || fail "Retry-After 600: the backoff line does not say arXiv's wait"
held=$(sqlite3 "$T/wait.state/paperboy.db" \
  "select (next_ms - strftime('%s','now') * 1000) / 1000 from pacing where key = 'arxiv|retry-after'")
[ -n "$held" ] && [ "$held" -gt 590 ] && [ "$held" -le 600 ] || fail "the wait is not held in the state ($held)"
: > "$T/rules"
: > "$T/req.log"
CUR=again
# the date is done: --only runs amy's digest again, on the same state
"$PAPERBOY" -c "$T/wait.conf" run --only amy --feed "$FEED" > "$T/again.out" 2> "$T/again.log" ||
  fail "the run while arXiv's wait runs exited $?"
n=$(grep -c '"path"' "$T/req.log")
[ "$n" -eq 0 ] || fail "asked $n times while arXiv's wait runs"
[ "$(grep -c 'event=fulltext.skipped' "$T/again.log")" -eq 1 ] &&
  grep -q 'event=fulltext.skipped papers=3 wait_s=[0-9]* note="arXiv asked to retry after [0-9]* s (at [^)]*), on this machine or another sharing the state: only the cached full text is used"' \
  "$T/again.log" || fail "the wait is not said once: $(grep fulltext "$T/again.log")"
grep -q 'event=run.done ' "$T/again.log" || fail "the run did not go on while arXiv's wait runs"
st=$(row wait "$P1")
[ -z "$st" ] || fail "Retry-After 600: $P1 is remembered as '$st'"
echo "   429 with Retry-After 600 holds the next run's requests: ok"

# ---- no PDF module (paperboy-pdf.so): said, retried later, the digest still goes out ----
cat > "$T/rules" <<EOF
/html/$P1 404
/pdf/$P1 file $FT/arxiv-2202.00535v1.pdf
EOF
export PAPERBOY_PDF_MODULE="$T/nowhere/paperboy-pdf.so"
run nomodule 30
unset PAPERBOY_PDF_MODULE
grep -q "level=warn event=fulltext.failed paper=$P1 why=\"PDF: cannot read PDFs: $T/nowhere/paperboy-pdf.so" \
  "$T/nomodule.log" || fail "no PDF module: no clear line: $(grep "paper=$P1" "$T/nomodule.log")"
st=$(sqlite3 "$T/nomodule.state/paperboy.db" "select status from fulltext where paper_key = '$P1'")
[ "$st" = failed ] || fail "no PDF module: the paper is remembered as '$st', want failed (read again later)"
# Two hours later it is not asked; the next day's run reads it, though it comes to the paper
# sooner than the run that failed did (less than 24 hours after).
: > "$T/rules"
sqlite3 "$T/nomodule.state/paperboy.db" "update fulltext set fetched = strftime('%s', 'now') - 7200
  where paper_key = '$P1'"
again soon "$T/nomodule.conf"
grep -q "\"/html/$P1\"" "$T/req.log" && fail "a failure two hours old was asked again"
sqlite3 "$T/nomodule.state/paperboy.db" "update fulltext set fetched = strftime('%s', 'now') -
  (23 * 3600 + 50 * 60) where paper_key = '$P1'"
again nextday "$T/nomodule.conf"
grep -q "event=fulltext.got paper=$P1 source=html " "$T/nextday.log" ||
  fail "the next day's run does not read the paper that failed: $(grep "=$P1" "$T/nextday.log")"
echo "   no PDF module: said, the paper kept for later, read by the next day's run: ok"

# ---- 500 everywhere ----
printf '/html/ 500\n/pdf/ 500\n' > "$T/rules"
run down 30
n=$(grep -c 'level=warn event=fulltext.failed' "$T/down.log")
[ "$n" -eq 3 ] || fail "500: $n failed lines, want 3"
echo "   500 everywhere: ok"
