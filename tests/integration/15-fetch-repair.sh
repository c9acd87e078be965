#!/bin/sh
# One bad byte must not cost the day's digest: a feed with an invalid UTF-8 byte, a NUL or a
# control character in one record is fetched with that record kept (the bytes become U+FFFD)
# and a warning naming it (id and title), for each kind of feed, from a file and over HTTP
# (tests/lib/arxiv_server.py serving the corrupted feed in whatever pieces the transfer
# makes). The same feed cut short still fails with exit 65.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
T=$(mktemp -d)
SRV=
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }

# corrupt FIXTURE OUT N BYTES: BYTES (a Python bytes literal) after the N-th <title> (1-based).
corrupt() {
  /usr/bin/python3 - "$PB_FIXTURES/$1" "$T/$2" "$3" "$4" <<'PY' || die "cannot corrupt $1"
import ast, sys
d = open(sys.argv[1], 'rb').read()
at = -1
for _ in range(int(sys.argv[3])):
    at = d.index(b'<title>', at + 1)
at += len(b'<title>')
open(sys.argv[2], 'wb').write(d[:at] + ast.literal_eval(sys.argv[4]) + d[at:])
PY
}
# fetch NAME ARGS...
fetch() {
  n=$1; shift
  "$PAPERBOY" "$@" >"$T/$n.out" 2>"$T/$n.err"
  rc=$?
}
# expect NAME PAPERS ID TITLE_START: exit 0, all papers, one warning naming the record.
expect() {
  [ "$rc" -eq 0 ] || { fail "$1: exit $rc, want 0"; tail -n 4 "$T/$1.err" >&2; return; }
  grep -q "^papers=$2 .*repaired=1" "$T/$1.err" ||
    fail "$1: want papers=$2 repaired=1 in: $(tail -n 1 "$T/$1.err")"
  [ "$(grep -c 'event=parse.repair' "$T/$1.err")" -eq 1 ] || fail "$1: want one parse.repair warning"
  grep 'event=parse.repair' "$T/$1.err" | grep -q "id=$3 title=\"$4" ||
    fail "$1: the warning does not name $3: $(grep 'event=parse.repair' "$T/$1.err")"
  grep -F "$3" "$T/$1.out" | grep -q "$(printf '\357\277\275')" ||
    fail "$1: no U+FFFD in the kept record $3"
}

RSS2=rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml
corrupt "$RSS2" rss2.xml 3 "b'\\xff'"
fetch rss2 fetch --feed "$T/rss2.xml" --json
expect rss2 4 2609.26820 "$(printf '\357\277\275')Signal2Symbol"

corrupt rss1-legacy-hep-ex-2018-05-23-3items-abridged.xml rss1.xml 4 "b'\\x00'"
fetch rss1 fetch --feed "$T/rss1.xml" --json
expect rss1 3 1805.09166 "$(printf '\357\277\275')Recent Top"

corrupt api2026-query-all-testing-start5-max10.xml api.xml 3 "b'\\x1b[0m'"
fetch api fetch --feed "$T/api.xml" --json
expect api 10 2503.05378 "$(printf '\357\277\275')\\[0mA Survey"

# Truncated after the repair: not a feed, as before.
head -c 3000 "$T/rss2.xml" >"$T/cut.xml"
fetch cut fetch --feed "$T/cut.xml"
[ "$rc" -eq 65 ] || fail "cut: exit $rc, want 65"
grep -q 'truncated' "$T/cut.err" || fail "cut: $(cat "$T/cut.err")"

# Over HTTP, with a bad byte in every record but one, and a NUL in the channel.
/usr/bin/python3 - "$PB_FIXTURES/$RSS2" "$T/http.xml" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
d = d.replace(b'<title>', b'<title>\x00', 1)                       # the channel's title
d = d.replace(b"Abstract: ", b"Abstract: \xc3", 1)   # a cut sequence
open(sys.argv[2], 'wb').write(d)
PY
mkdir -p "$T/fx"
cp "$T/http.xml" "$T/fx/feed.xml"
cp "$PB_FIXTURES/api2026-query-all-testing-100.xml" "$T/fx/"
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/port" --log "$T/requests.log" \
  --fixtures "$T/fx" --rss feed.xml 2>"$T/server.err" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/server.err" >&2; die "server did not start within 10 s"; }
  kill -0 "$SRV" 2>/dev/null || { cat "$T/server.err" >&2; die "server exited"; }
  sleep 0.1
done
PORT=$(cat "$T/port")
cat >"$T/paperboy.conf" <<CONF
state_dir = "$T/state";
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = {
  categories = ["cs.LG"];
  rss_url = "http://127.0.0.1:$PORT/rss";
  api_url = "http://127.0.0.1:$PORT/api/query";
  request_interval_ms = 10;
  fill_metadata = false;
};
CONF
fetch http -c "$T/paperboy.conf" fetch --json
[ "$rc" -eq 0 ] || { fail "http: exit $rc"; tail -n 4 "$T/http.err" >&2; }
grep -q '^papers=4 .*repaired=1' "$T/http.err" || fail "http: $(tail -n 1 "$T/http.err")"
grep -q 'event=parse.repair .*where="outside any record" replaced=1' "$T/http.err" ||
  fail "http: the channel's NUL was not reported"
grep 'event=parse.repair .*item=' "$T/http.err" | grep -q 'id=2609.26811' ||
  fail "http: the record with the cut sequence is not named"

[ "$fails" -eq 0 ] || { echo "15-fetch-repair: $fails failure(s)" >&2; exit 1; }
echo "15-fetch-repair: all checks passed"
