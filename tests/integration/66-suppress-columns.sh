#!/bin/sh
# `paperboy status` lines its suppressed destinations up by the columns a terminal shows, not
# by bytes: against tests/lib/smtpd.py (SMTPUTF8 on) refusing two addresses for good, one
# plain and one internationalised (RFC 6531: 用户@ and école@, wide CJK characters and a
# combining accent), the "since" of every row starts at the same column.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-columns.XXXXXX)
SMTP=
cleanup() {
  [ -n "$SMTP" ] && { kill "$SMTP" 2>/dev/null; wait "$SMTP" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "66-suppress-columns: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "66-suppress-columns: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
[ -f "$FEED" ] || die "missing fixture $FEED"
CJK="用户@example.org"
MARK="$(printf 'e\314\201cole@example.org')"     # e + U+0301 COMBINING ACUTE ACCENT

mkdir -p "$T/mail"
$PY "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" --timeout 120 \
  --smtputf8 --reject bo@example.org --reject "$CJK" --reject "$MARK" 2>"$T/smtpd.err" &
SMTP=$!
i=0
while [ ! -s "$T/smtp.port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/smtpd.err" >&2; die "the SMTP peer did not start within 10 s"; }
  sleep 0.1
done

cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; rss_url = "http://127.0.0.1:9/rss";
          api_url = "http://127.0.0.1:9/api/query"; max_retries = 0; timeout = 5; };
file = { enabled = false; };
email = { smtp_url = "smtp://127.0.0.1:$(cat "$T/smtp.port")"; tls = "none";
          from = "digest@example.org"; };
subscribers = (
  { name = "bo"; email = "bo@example.org"; topics = ( { name = "d"; query = "ti:depth"; } ); },
  { name = "wide"; email = "$CJK"; topics = ( { name = "d"; query = "ti:depth"; } ); },
  { name = "mark"; email = "$MARK"; topics = ( { name = "d"; query = "ti:depth"; } ); } );
CONF
"$PAPERBOY" -c "$T/pb.conf" run --feed "$FEED" >"$T/run.out" 2>"$T/run.err"
grep -c "event=deliver.suppressed" "$T/run.err" | grep -qx 3 ||
  fail "want the 3 addresses suppressed: $(grep -a 'event=deliver' "$T/run.err" | head -5)"
"$PAPERBOY" -c "$T/pb.conf" status >"$T/status" 2>&1 || fail "status: exit $?"
# the column (as a terminal shows it) where each suppressed row's "since" starts
$PY - "$T/status" <<'PY' || fail "status: $(sed -n '/^suppressed dest/,/^$/p' "$T/status")"
import sys, unicodedata
rows, inside = [], False
for line in open(sys.argv[1], encoding='utf-8'):
    if line.startswith('suppressed destinations'):
        inside = True
    elif inside and line.startswith('  '):
        head = line[:line.index(' since ')]
        rows.append(sum(0 if unicodedata.combining(c) else
                        2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in head))
    elif inside:
        break
if len(rows) != 3 or len(set(rows)) != 1:
    sys.exit('the rows of suppressed destinations start "since" at columns %s' % rows)
PY

[ "$fails" -eq 0 ] || exit 1
echo "66-suppress-columns: ok"
