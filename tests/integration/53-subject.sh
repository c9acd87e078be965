#!/bin/sh
# The email subject as a reader's client decodes it, end to end: `paperboy run` on the saved
# 2024-11-28 feed mails tests/lib/smtpd.py on 127.0.0.1, and Python's email package decodes
# each message's Subject:
#  1. a subscriber with language = "zh" and no template gets the Chinese default, with the
#     paper count and the topics (most papers first) worked out here from the message's own
#     plain-text part; the headings of both parts are Chinese;
#  2. a subscriber's own template, with every placeholder and a brace;
#  3. the top-level template for a subscriber without one;
#  4. `check` refuses an unknown placeholder, naming the line and the column.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-subject.XXXXXX)
SMTP=
cleanup() {
  [ -n "$SMTP" ] && { kill "$SMTP" 2>/dev/null; wait "$SMTP" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "53-subject: $*" >&2; fails=$((fails + 1)); }
die() { echo "53-subject: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
[ -f "$FEED" ] || die "missing fixture $FEED"

$PY "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" --timeout 120 \
  2>"$T/smtpd.err" &
SMTP=$!
i=0
while [ ! -s "$T/smtp.port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/smtpd.err" >&2; die "smtpd did not start within 10 s"; }
  kill -0 "$SMTP" 2>/dev/null || { cat "$T/smtpd.err" >&2; die "smtpd exited"; }
  sleep 0.1
done
PORT=$(cat "$T/smtp.port")

conf() {   # $1 state dir, $2 top-level lines, $3 subscribers
  cat <<CONF
state_dir = "$1";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
email = { smtp_url = "smtp://127.0.0.1:$PORT"; tls = "none";
          from = "arXiv digest <digest@example.org>"; };
$2
subscribers = ( $3 );
CONF
}

conf "$T/s1" "" '
  { name = "li"; email = ["li@example.org"]; language = "zh"; max_papers = 6;
    topics = ( { name = "深度估计"; query = "ti:depth OR abs:\"depth estimation\""; },
               { name = "Video"; query = "ti:video"; },
               { name = "3D"; query = "ti:\"gaussian splatting\" OR ti:3D"; } ); },
  { name = "amy"; email = ["amy@example.org"]; max_papers = 4;
    subject = "[digest] {date} · {count}/{papers} · {topics} · {categories} {{x}}";
    topics = ( { name = "3D"; query = "ti:\"gaussian splatting\" OR ti:3D"; },
               { name = "Video"; query = "ti:video"; } ); }' >"$T/a.conf"
"$PAPERBOY" -c "$T/a.conf" run --feed "$FEED" >"$T/a.out" 2>"$T/a.err" ||
  { tail -n 5 "$T/a.err" >&2; die "run failed"; }

conf "$T/s2" 'subject = "Papers for you, {date}: {papers}";' '
  { name = "bo"; email = ["bo@example.org"]; max_papers = 3;
    topics = ( { name = "Video"; query = "ti:video"; } ); }' >"$T/b.conf"
"$PAPERBOY" -c "$T/b.conf" run --feed "$FEED" >"$T/b.out" 2>"$T/b.err" ||
  { tail -n 5 "$T/b.err" >&2; die "second run failed"; }

# The subjects as the client decodes them, against what the message itself shows.
$PY - "$T/mail" <<'PY' || fail "subjects (see above)"
import email, email.policy, glob, re, sys

date = "2024-11-28"
msgs = {}
for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    raw = open(path, "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    msgs[m["To"].addresses[0].username] = (m, raw)
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)

check(sorted(msgs) == ["amy", "bo", "li"], "messages for %s" % sorted(msgs))

def shown(m, topic_label):
    """The papers and their topics as the plain-text part shows them."""
    text = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
    n = len(re.findall(r"^\[\d+\] ", text, re.M))
    topics = re.findall(r"^    " + topic_label + r"(.+)$", text, re.M)
    order = []
    for t in topics:
        if t not in order:
            order.append(t)
    # most papers first, ties in the order they first appear (rank)
    order.sort(key=lambda t: -topics.count(t))
    return text, n, order

if "li" in msgs:
    m, raw = msgs["li"]
    text, n, order = shown(m, "主题：")
    check(n >= 2 and len(order) >= 2, "li: %d papers, topics %s" % (n, order))
    want = "arXiv Computer Vision 每日论文 %s：%d 篇（%s）" % (date, n, "、".join(order))
    check(str(m["Subject"]) == want, "li: Subject %r, want %r" % (str(m["Subject"]), want))
    head = raw.split(b"\r\n\r\n")[0].decode("ascii")
    check("=?UTF-8?" in head.replace("=?utf-8?", "=?UTF-8?"), "li: Subject not encoded")
    check(all(len(l) <= 78 for l in head.split("\r\n")), "li: a header line over 78")
    for h in ("执行摘要", "目录", "论文", "作者："):
        check(h in text, "li: plain text lacks %s" % h)
    html = m.get_body(("html",)).get_content()
    check('lang="zh"' in html and ">执行摘要</h2>" in html, "li: html not in Chinese")
    check("Executive Summary" not in text + html, "li: English heading in a Chinese digest")

if "amy" in msgs:
    m, _ = msgs["amy"]
    text, n, order = shown(m, "Topic: ")
    papers = "%d paper%s" % (n, "" if n == 1 else "s")
    want = "[digest] %s · %d/%s · %s · Computer Vision {x}" % (date, n, papers, ", ".join(order))
    check(n == 4, "amy: %d papers, want 4" % n)
    check(str(m["Subject"]) == want, "amy: Subject %r, want %r" % (str(m["Subject"]), want))
    check("Executive Summary" in text and "arXiv Computer Vision Papers - " + date in text,
          "amy: English headings or title missing")

if "bo" in msgs:
    m, _ = msgs["bo"]
    text, n, order = shown(m, "Topic: ")
    want = "Papers for you, %s: %d paper%s" % (date, n, "" if n == 1 else "s")
    check(str(m["Subject"]) == want, "bo: Subject %r, want %r" % (str(m["Subject"]), want))

for b in bad:
    print("53-subject:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# check names the key, the line and the column of a bad template
conf "$T/s3" '' '
  { name = "cy"; email = ["cy@example.org"];
    subject = "{date}: {nope}";
    topics = ( { name = "Video"; query = "ti:video"; } ); }' >"$T/c.conf"
"$PAPERBOY" -c "$T/c.conf" check >"$T/c.out" 2>&1 && fail "check took an unknown placeholder"
grep -q 'c.conf:9: .*subject.*unknown placeholder {nope} at column 9' "$T/c.out" ||
  { fail "check's message:"; cat "$T/c.out" >&2; }

[ "$fails" -eq 0 ] || exit 1
echo "53-subject: ok"
