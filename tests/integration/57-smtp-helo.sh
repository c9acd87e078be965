#!/bin/sh
# email.helo is the name paperboy gives in EHLO, however smtp_url is written: a URL ending in
# "/" (smtp://host:port/) as much as one without, and one with a path of its own (which
# libcurl would otherwise send as the name). Without helo the URL's path is the name, as
# libcurl has it. `paperboy run` on the saved 2024-11-28 feed mails tests/lib/smtpd.py, which
# records the name of each message's session.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-helo.XXXXXX)
SMTP=
cleanup() {
  [ -n "$SMTP" ] && { kill "$SMTP" 2>/dev/null; wait "$SMTP" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "57-smtp-helo: $*" >&2; fails=$((fails + 1)); }
die() { echo "57-smtp-helo: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
[ -f "$FEED" ] || die "missing fixture $FEED"

$PY "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" --timeout 60 \
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

n=0
# $1 the URL's tail after host:port, $2 the email group's helo line, $3 the name wanted
try() {
  n=$((n + 1))
  cat >"$T/$n.conf" <<CONF
state_dir = "$T/s$n";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
email = { smtp_url = "smtp://127.0.0.1:$PORT$1"; tls = "none";
          from = "arXiv digest <digest@example.org>"; $2 };
subscribers = ( { name = "u$n"; email = ["u$n@example.org"]; max_papers = 2;
                  topics = ( { name = "3D"; query = "ti:3D"; } ); } );
CONF
  "$PAPERBOY" -c "$T/$n.conf" run --feed "$FEED" >"$T/$n.out" 2>"$T/$n.err" ||
    { tail -n 3 "$T/$n.err" >&2; fail "run $n (smtp_url ...$1) failed"; return; }
  got=$($PY -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["rcpt"] == [sys.argv[2]]:
        print(r["helo"])' "$T/mail/index.jsonl" "u$n@example.org")
  [ "$got" = "$3" ] || fail "smtp_url ...$1 with '$2': EHLO $got, want $3"
}
try "" 'helo = "digest.example.org";' digest.example.org
try "/" 'helo = "digest.example.org";' digest.example.org
try "/mx.example.net" 'helo = "digest.example.org";' digest.example.org
try "/mx.example.net" "" mx.example.net

[ "$fails" -eq 0 ] || exit 1
echo "   ok: email.helo is the EHLO name with smtp_url ending in / or holding a path"
