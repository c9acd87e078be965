#!/bin/sh
# A run that reads the full text: fulltext.html_url points at a local stand-in serving a
# LaTeXML page for the one paper the subscriber gets; the file sink's HTML shows its teaser
# figure (the image URL under html_url, with its alt text escaped) and its code link, so does
# the web archive's page, the Markdown shows both, and the key findings carry a number from
# the results section that the abstract does not say; the model stand-in (the same server)
# receives the excerpt under "Excerpts of the full text (HTML):" within fulltext.excerpt_tokens
# (about 4 bytes a token). The same run without fulltext shows none of it and sends no excerpt.
# A model whose context the excerpt does not fit is asked again without it, and a later run
# sends it no excerpt. A reader added
# later that day on the state of the run without the text has the summary asked again.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
name=43-fulltext-digest
T=$(mktemp -d /tmp/pb-ftdigest.XXXXXX)
SRV=
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
ID=2411.17973v1

mkdir -p "$T/pages" "$T/state" "$T/state0"
cp "$PB_TESTS/fixtures/fulltext/use-$ID.html" "$T/pages/$ID.html"
/usr/bin/python3 "$PB_TESTS/lib/teaser_server.py" "$T/pages" "$T/port" "$T/requests" 120 \
  "$T/bodies" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1)); [ $i -lt 100 ] || fail "the stand-in did not start"; sleep 0.1
done
P=$(cat "$T/port")
BASE="http://127.0.0.1:$P"
PROMPTS="$(cd "$PB_TESTS/../conf/prompts" && pwd)"

conf() { # STATE_DIR OUT ENABLED [MODEL [SUBSCRIBER]]
  cat <<CONF
state_dir = "$1";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$2"; archive = true; };
fulltext = { enabled = $3; html_url = "$BASE/html"; pdf_url = "$BASE/pdf"; max_papers = 3;
             timeout = 20; deadline = 240; excerpt_tokens = 100; };
summary = { enabled = true; base_url = "$BASE/v1"; model = "${4:-m}"; prompt_dir = "$PROMPTS";
            timeout = 20; deadline = 240; };
subscribers = (
  { name = "${5:-amy}"; max_papers = 5;
    topics = ( { name = "Carbon"; query = "ti:\"implicit diffusion model\""; } ); }
);
CONF
}
conf "$T/state" "$T/out" true >"$T/pb.conf"
conf "$T/state0" "$T/out0" false >"$T/pb0.conf"
"$PAPERBOY" -c "$T/pb.conf" check >"$T/check" 2>&1 || fail "check: $(cat "$T/check")"
timeout 300 "$PAPERBOY" -c "$T/pb.conf" run --feed "$BIG" >/dev/null 2>"$T/err" ||
  fail "run failed: $(tail -n 5 "$T/err")"
timeout 300 "$PAPERBOY" -c "$T/pb0.conf" run --feed "$BIG" >/dev/null 2>"$T/err0" ||
  fail "run without full text failed: $(tail -n 5 "$T/err0")"
grep -q "GET /html/$ID " "$T/requests" || fail "the page was never asked for: $(cat "$T/requests")"

D="$T/out/2024-11-28/amy"
D0="$T/out0/2024-11-28/amy"
[ -s "$D/digest.html" ] && [ -s "$D/digest.md" ] || fail "no digest: $(ls -R "$T/out" | head)"
grep -q "2411.17973" "$D/digest.html" || fail "the paper is not in the digest"

# the teaser: the image under html_url, its alt text escaped, sized for a phone
img="<img src=\"$BASE/html/$ID/x1.png\" alt=\"Overview of the IIDM pipeline &lt;from satellite image to carbon map&gt;\" width=\"584\""
grep -qF "$img" "$D/digest.html" || fail "no teaser in the HTML: $(grep -o '<img[^>]*>' "$D/digest.html" | head -3)"
grep -q 'max-width:100%;height:auto' "$D/digest.html" || fail "the teaser is not held to the screen"
grep -qF "$img" "$T/out/amy/2024-11-28.html" || fail "no teaser in the web archive's page"
grep -qF "![Overview of the IIDM pipeline \\<from satellite image to carbon map\\>]($BASE/html/$ID/x1.png)" \
  "$D/digest.md" || fail "no teaser in the Markdown: $(grep -n '!\[' "$D/digest.md" | head -3)"
# the code link
grep -qF '<a href="https://github.com/example/iidm-carbon"' "$D/digest.html" || fail "no code link in the HTML"
grep -qF -- '- [github.com/example/iidm-carbon](https://github.com/example/iidm-carbon)' "$D/digest.md" ||
  fail "no code link in the Markdown"

# key findings from the results, with their numbers; not the setup, not future work
findings() { sed -n '/^\*\*Key Findings:\*\*/,/^\*\*Links:\*\*/p' "$1"; }
findings "$D/digest.md" >"$T/kf"
grep -q '41.69% lower than the regression model' "$T/kf" ||
  fail "the results' number is not among the findings: $(cat "$T/kf")"
grep -q 'epochs\|future work' "$T/kf" && fail "a setup or future-work sentence is a finding: $(cat "$T/kf")"
grep -q '^- (3)' "$T/kf" && fail "an orphan list item is a finding"

# without the full text: no teaser, no code link, the abstract's findings
grep -q '<img' "$D0/digest.html" && fail "a teaser without the full text"
grep -q 'iidm-carbon' "$D0/digest.html" && fail "a code link without the full text"
findings "$D0/digest.md" >"$T/kf0"
grep -q '41.69% lower than the regression model' "$T/kf0" && fail "results findings without the full text"
[ "$(grep -c "GET /html/" "$T/requests")" -eq 1 ] || fail "the run without full text asked for a page"
# the model's request: the excerpt with the results' numbers, within its budget; none without
/usr/bin/python3 - "$T/bodies" "$ID" 100 <<'PY' || fail "the model's requests: see above"
import json, sys
path, key, tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
users = []
for line in open(path, encoding="utf-8"):
    req = json.loads(line)
    user = [m["content"] for m in req["messages"] if m["role"] == "user"][0]
    if "arXiv: " + key in user and "Write a short analysis" in user:
        users.append(user)
def die(msg):
    print("43-fulltext-digest: " + msg, file=sys.stderr)
    sys.exit(1)
if len(users) != 2:
    die("%d analysis requests for %s, want 2 (one per run)" % (len(users), key))
with_text = [u for u in users if "Excerpts of the full text (HTML):" in u]
if len(with_text) != 1:
    die("%d requests carry the excerpt, want 1" % len(with_text))
u = with_text[0]
ex = u[u.index("Excerpts of the full text (HTML):"):u.index("Cover, in at most")]
ex = ex[len("Excerpts of the full text (HTML):"):].strip()
if not ex or len(ex.encode()) > tokens * 4 + 8:
    die("the excerpt is %d bytes for a budget of %d tokens" % (len(ex.encode()), tokens))
if "%%" in u or "{fulltext}" in u or "{fulltext}" in [x for x in users if x is not u][0]:
    die("a note or a placeholder reached the model")
PY
grep -q 'carbon stock from images' "$D/digest.md" || fail "the model's analysis is not in the digest"

# a model whose context the excerpt does not fit (llama.cpp's 400): the analysis is asked
# again with a shorter excerpt, then from the abstract alone, and reaches the digest
mkdir -p "$T/state2"
conf "$T/state2" "$T/out2" true small >"$T/pb2.conf"
timeout 300 "$PAPERBOY" -c "$T/pb2.conf" run --feed "$BIG" >/dev/null 2>"$T/err2" ||
  fail "run with a small model failed: $(tail -n 5 "$T/err2")"
grep -q "event=summary.shorter kind=analysis paper=$ID lang=en reason=\"HTTP 400: the request exceeds the available context size" \
  "$T/err2" || fail "the analysis was not asked again shorter: $(grep 'event=summary' "$T/err2")"
grep -q "event=summary.fallback" "$T/err2" && fail "a fallback with a small model: $(grep fallback "$T/err2")"
grep -q 'carbon stock from images' "$T/out2/2024-11-28/amy/digest.md" ||
  fail "the model's analysis is not in the digest of the small model"
# that model has no room for any excerpt: a later run (a reader added that day) remembers it,
# sends none and takes the paper's analysis from the abstract cached by the run before
conf "$T/state2" "$T/out4" true small ben >"$T/pb4.conf"
before=$(wc -l <"$T/bodies")
timeout 300 "$PAPERBOY" -c "$T/pb4.conf" run --only ben --feed "$BIG" >/dev/null 2>"$T/err4" ||
  fail "a second run with a small model failed: $(tail -n 5 "$T/err4")"
n=$(tail -n +$((before + 1)) "$T/bodies" | grep -c 'Excerpts of the full text' || true)
[ "$n" = 0 ] || fail "the small model was sent the excerpt again $n times: $(grep 'event=summary' "$T/err4")"
grep -q 'event=summary.excerpt_room model="\{0,1\}small"\{0,1\} refused_tokens=100 ' "$T/err4" ||
  fail "no summary.excerpt_room line: $(grep 'event=summary' "$T/err4")"
grep -q "event=summary.shorter" "$T/err4" && fail "asked again shorter: $(grep shorter "$T/err4")"
grep -q 'carbon stock from images' "$T/out4/2024-11-28/ben/digest.md" ||
  fail "the model's analysis is not in ben's digest of the small model"
# in one run, the first refusal holds for the papers after it: of three papers with a full
# text, one request carries an excerpt (one request at a time, so that none is in flight
# when the refusal comes)
mkdir -p "$T/state5"
conf "$T/state5" "$T/out5" true small >"$T/pb5.conf"
sed -i -e 's/ti:\\"implicit diffusion model\\"/ti:diffusion/' \
  -e 's/timeout = 20; deadline = 240; };/timeout = 20; deadline = 240; concurrency = 1; };/' "$T/pb5.conf"
grep -q 'query = "ti:diffusion"' "$T/pb5.conf" && grep -q 'concurrency = 1' "$T/pb5.conf" ||
  fail "pb5.conf: $(cat "$T/pb5.conf")"
"$PAPERBOY" -c "$T/pb5.conf" run --dry-run --feed "$BIG" >"$T/dry5" 2>/dev/null || fail "dry run"
ids=$(sed -n 's/^ *[0-9.]*  *\([0-9.]*\) *v\([0-9]*\) .*/\1v\2/p' "$T/dry5")
[ "$(echo "$ids" | wc -w)" -ge 3 ] || fail "the dry run lists too few papers: $(cat "$T/dry5")"
for i in $ids; do cp "$T/pages/$ID.html" "$T/pages/$i.html"; done
before=$(wc -l <"$T/bodies")
timeout 300 "$PAPERBOY" -c "$T/pb5.conf" run --feed "$BIG" >/dev/null 2>"$T/err5" ||
  fail "a run of three papers with a small model failed: $(tail -n 5 "$T/err5")"
[ "$(grep -c 'event=fulltext.got' "$T/err5")" = 3 ] || fail "not three full texts: $(grep fulltext "$T/err5")"
n=$(tail -n +$((before + 1)) "$T/bodies" | grep -c 'Excerpts of the full text' || true)
[ "$n" = 1 ] || fail "$n requests carried an excerpt to the small model, want 1: $(grep 'event=summary' "$T/err5")"
grep -q 'event=summary.fallback' "$T/err5" && fail "a fallback: $(grep fallback "$T/err5")"

# the executive summary asked from the abstracts' findings (the run without the text) is no
# answer for a digest of the same paper whose findings come from its text: a reader added
# later that day (run --only), on the state of that run, has it asked again with the text's
# findings
conf "$T/state0" "$T/out3" true m ben >"$T/pb3.conf"
before=$(wc -l <"$T/bodies")
timeout 300 "$PAPERBOY" -c "$T/pb3.conf" run --only ben --feed "$BIG" >/dev/null 2>"$T/err3" ||
  fail "run with the text after one without failed: $(tail -n 5 "$T/err3")"
tail -n +$((before + 1)) "$T/bodies" >"$T/bodies3"
/usr/bin/python3 - "$T/bodies3" <<'PY' || fail "the summary was not asked again with the text's findings"
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    req = json.loads(line)
    user = [m["content"] for m in req["messages"] if m["role"] == "user"][0]
    if "executive summary" in user and "41.69% lower than the regression model" in user:
        n += 1
if n != 1:
    print("43-fulltext-digest: %d summary requests with the text's findings, want 1" % n,
          file=sys.stderr)
    sys.exit(1)
PY
echo "$name: ok"
