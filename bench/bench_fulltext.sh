#!/bin/sh
# make bench ONLY=fulltext: the full-text extractors beside the tools of the libraries they use,
# on the same files, in the same run, alternating, 3 rounds, medians.
#  - HTML: arXiv's real pages (tests/fixtures/fulltext: a 699 KB LaTeXML paper and a 23 KB
#    native HTML submission) parsed into sections 100 times each by bench/fulltext_bench, each
#    time in a child process as a run reads a page (the fork, a fresh heap for the tree, the
#    answer as JSON back), beside `xmllint --html --noout --repeat` (libxml2's own parser, 100
#    parses in one process, no extraction).
#  - PDF: a real 12-page arXiv PDF and a generated 500-page PDF (60 pages read), text and
#    sections by fulltext_bench (5 passes, each PDF in a child process as a run reads it),
#    beside poppler's `pdftotext` on the
#    same files and pages (5 passes, one process per document, text to /dev/null).
# Prints every command and its time; the figures are the medians.
set -eu
: "${BUILD:?BUILD must name the build directory}"
HERE="$(cd "$(dirname "$0")" && pwd)"
FT="$HERE/../tests/fixtures/fulltext"
BIN="$BUILD/bench/fulltext_bench"
[ -x "$BIN" ] || { echo "bench_fulltext: $BIN is missing (make tools)" >&2; exit 1; }
command -v xmllint >/dev/null || { echo "bench_fulltext: xmllint missing (libxml2-utils)" >&2; exit 1; }
command -v pdftotext >/dev/null || { echo "bench_fulltext: pdftotext missing (poppler-utils)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
/usr/bin/python3 "$HERE/../tests/lib/gen_pdfs.py" "$T/gen" >/dev/null

HTML1="$FT/arxiv-2501.11120v1.html"
HTML2="$FT/arxiv-2401.10725v1-native.html"
PDF1="$FT/arxiv-2202.00535v1.pdf"
PDF2="$T/gen/pages-500.pdf"
N=100
hbytes=$(( ($(stat -c %s "$HTML1") + $(stat -c %s "$HTML2")) * N ))

secs() { # command...: wall seconds with three decimals
  s=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  e=$(date +%s.%N)
  echo "$s $e" | awk '{printf "%.3f", $2 - $1}'
}
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
xml_both() { xmllint --html --noout --repeat "$HTML1"; xmllint --html --noout --repeat "$HTML2"; }
pdftotext_both() {
  for i in 1 2 3 4 5; do pdftotext "$PDF1" /dev/null; pdftotext -l 60 "$PDF2" /dev/null; done
}

echo "# HTML pages to sections: $HTML1 ($(stat -c %s "$HTML1") bytes), $HTML2 ($(stat -c %s "$HTML2") bytes), $N times each"
echo "\$ $BIN html $N $HTML1 $HTML2"
echo "\$ xmllint --html --noout --repeat FILE   (libxml2 parses FILE 100 times; its error messages to /dev/null)"
ours="" ref=""
for r in 1 2 3; do
  a=$(secs "$BIN" html $N "$HTML1" "$HTML2")
  b=$(secs xml_both)
  echo "round $r: paperboy ${a} s, xmllint ${b} s"
  ours="$ours $a" ref="$ref $b"
done
mo=$(median $ours) mr=$(median $ref)
echo "median: paperboy $mo s = $(echo "$hbytes $mo" | awk '{printf "%.1f", $1 / $2 / 1e6}') MB/s;" \
  "xmllint $mr s = $(echo "$hbytes $mr" | awk '{printf "%.1f", $1 / $2 / 1e6}') MB/s" \
  "(paperboy/xmllint time $(echo "$mo $mr" | awk '{printf "%.2f", $1 / $2}'))"
"$BIN" html 1 "$HTML1" | sed 's/^/one pass over the LaTeXML page: /'

echo
pages=$(( ($(pdfinfo "$PDF1" | awk '/^Pages/{print $2}') + 60) * 5 ))
echo "# PDF pages: $PDF1 (all pages) and a generated 500-page PDF (first 60), 5 times: $pages pages a round"
echo "\$ $BIN pdf 5 60 $PDF1 $PDF2"
echo "\$ 5 x (pdftotext $PDF1 /dev/null; pdftotext -l 60 $PDF2 /dev/null)"
ours="" ref=""
for r in 1 2 3; do
  a=$(secs "$BIN" pdf 5 60 "$PDF1" "$PDF2")
  b=$(secs pdftotext_both)
  echo "round $r: paperboy ${a} s, pdftotext ${b} s"
  ours="$ours $a" ref="$ref $b"
done
mo=$(median $ours) mr=$(median $ref)
echo "median: paperboy $mo s = $(echo "$pages $mo" | awk '{printf "%.0f", $1 / $2}') pages/s;" \
  "pdftotext $mr s = $(echo "$pages $mr" | awk '{printf "%.0f", $1 / $2}') pages/s" \
  "(paperboy/pdftotext time $(echo "$mo $mr" | awk '{printf "%.2f", $1 / $2}'))"
