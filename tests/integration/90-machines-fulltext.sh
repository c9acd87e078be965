#!/bin/sh
# Two paperboy machines on one state, full text on and readers who like papers and authors:
# arXiv sees the requests of one machine. Both machines start together for the same day; the
# stand-in for arxiv.org/html answers each paper after a second, so one machine fetches it (a
# claim in the state, with a lease) while the other waits for it in the shared cache; the
# liked papers and authors are looked up by one machine (each API answer after a second) while
# the other waits (a claim per day) and then finds them in the state. Checks: every paper's HTML asked once; between them
# the machines fetched each paper once and took the rest from the state; each liked id and
# author asked once; every digest delivered once. The shared state as in 87 (tests/lib/multi.sh).
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_MULTI_SUBSCRIBERS:-20}
T=$(mktemp -d /tmp/pb-multi-ft.XXXXXX) || exit 1
SRV= SMTP= A= B= PGDIR= CHAT=
MULTI_NAME=90-machines-fulltext
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"
FT="$PB_TESTS/fixtures/fulltext"

/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" \
  --log "$T/requests.json" --fixtures "$PB_FIXTURES" --stall '/api/query|1' 2>"$T/arxiv.err" &
SRV=$!
echo "/html/ stall 1" >"$T/rules"
/usr/bin/python3 "$PB_TESTS/lib/fulltext_server.py" --port-file "$T/ft.port" --log "$T/ft.json" \
  --html "$FT/arxiv-2501.11120v1.html" --pdf "$FT/arxiv-2202.00535v1.pdf" --rules "$T/rules" \
  --timeout 300 2>"$T/ft.err" &
CHAT=$!
mkdir -p "$T/mail"
/usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
  --timeout 300 2>"$T/smtpd.err" &
SMTP=$!
wait_file "$T/arxiv.port" 30
wait_file "$T/ft.port" 30
wait_file "$T/smtp.port" 30

multi_state "$T" || die "no shared state"
echo "   backend=$MULTI_BACKEND subscribers=$N"
FP=$(cat "$T/ft.port")
EXTRA="fulltext = { enabled = true; html_url = \"http://127.0.0.1:$FP/html\";
  pdf_url = \"http://127.0.0.1:$FP/pdf\"; max_papers = 10; timeout = 10; deadline = 150; };"
# u000 and u001 like two papers of the API pool and an author (looked up on arXiv).
MULTI_SUBS="$T/subs"
i=0
while [ "$i" -lt "$N" ]; do
  sep=","; [ "$i" -eq $((N - 1)) ] && sep=""
  likes=""
  [ "$i" -lt 2 ] && likes='like = ["2202.12139", "2405.13786"]; like_authors = ["Ada Lovelace"];'
  printf '  { name = "u%03d"; email = ["u%03d@example.org"]; %s topics = ( { name = "ML";
' \
    "$i" "$i" "$likes"
  printf '      query = "cat:cs.LG OR cat:cs.AI OR cat:cs.CL OR cat:stat.ML"; } ); }%s\n' "$sep"
  i=$((i + 1))
done >"$MULTI_SUBS"
echo ");" >>"$MULTI_SUBS"
export MULTI_SUBS
multi_conf "$T" alpha "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" "$N" "$EXTRA" >"$T/a.conf"
multi_conf "$T" beta "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" "$N" "$EXTRA" >"$T/b.conf"
"$PAPERBOY" -c "$T/a.conf" check >/dev/null 2>"$T/check.err" || die "config a does not load"

"$PAPERBOY" -c "$T/a.conf" run >"$T/a.out" 2>"$T/a.log" &
A=$!
"$PAPERBOY" -c "$T/b.conf" run >"$T/b.out" 2>"$T/b.log" &
B=$!
wait_exit "$A" 120 || die "machine alpha did not finish within 120 s"
ra=$rc; A=
wait_exit "$B" 120 || die "machine beta did not finish within 120 s"
rb=$rc; B=
[ "$ra" -eq 0 ] || die "alpha: exit $ra"
[ "$rb" -eq 0 ] || die "beta: exit $rb"

# One request per paper, as one machine would make.
/usr/bin/python3 - "$T/ft.json" <<'PY' || die "arXiv's HTML was asked more than once for a paper"
import collections, json, sys
paths = collections.Counter(json.loads(l)["path"] for l in open(sys.argv[1]) if l.strip())
html = {p: n for p, n in paths.items() if p.startswith("/html/")}
if not html:
    sys.exit("no paper's HTML was asked for")
twice = {p: n for p, n in html.items() if n > 1}
if twice:
    sys.exit("asked more than once: %s" % twice)
print("   %d papers, each HTML asked once" % len(html))
PY
# The liked papers and the author: asked once, by one machine.
/usr/bin/python3 - "$T/requests.json" <<'PY' || die "a lookup was made by both machines"
import collections, json, sys, urllib.parse
asked = collections.Counter()
for l in open(sys.argv[1]):
    if not l.strip():
        continue
    r = json.loads(l)
    if r.get("path") != "/api/query":
        continue
    q = urllib.parse.parse_qs(r.get("query", ""))
    for i in (q.get("id_list", [""])[0].split(",") if "id_list" in q else []):
        if i:
            asked["id " + i.split("v")[0]] += 1
    if "search_query" in q:
        asked["search " + q["search_query"][0]] += 1
if not any(k.startswith("id ") for k in asked) or not any(k.startswith("search ") for k in asked):
    sys.exit("no lookup reached the stand-in: %s" % dict(asked))
twice = {k: n for k, n in asked.items() if n > 1}
if twice:
    sys.exit("asked more than once: %s" % twice)
print("   lookups: %d ids and authors, each asked once" % len(asked))
PY
papers=$(grep -c '"path": "/html/' "$T/ft.json")
# Each machine had every paper: fetched it, or took it from the state.
for m in a b; do
  line=$(grep 'event=fulltext.done' "$T/$m.log" | tail -n 1)
  [ -n "$line" ] || die "$m: no fulltext.done line"
  got=$(echo "$line" | sed -n 's/.* cached=\([0-9]*\) fetched=\([0-9]*\) .*/\1 \2/p')
  set -- $got
  if [ $(($1 + $2)) -ne "$papers" ]; then
    # what each machine claimed, fetched and waited for, for the reader of the failure
    grep -h 'event=fulltext\.\|event=state\.\|event=fetch\.claim' "$T/a.log" "$T/b.log" >&2
    die "$m: cached $1 + fetched $2, want $papers: $line"
  fi
  eval "f_$m=$2"
done
[ $((f_a + f_b)) -eq "$papers" ] || die "fetched alpha $f_a + beta $f_b, want $papers"
echo "   alpha fetched $f_a, beta fetched $f_b, the rest from the state"

# Every digest exactly once.
multi_delivered_once "$T/mail/index.jsonl" "$N" || die "deliveries are wrong"
echo "90-machines-fulltext: ok"
