#!/bin/sh
# make bench ONLY=pages: the reader's pages that change the subscribers, with PB_BENCH_PAGES
# stored subscribers (20,000 by default; an address and 3 topics each, as bench_stored.sh):
# `paperboy serve` answering a sign-up (the form POSTed, its confirmation mail taken by the
# local SMTP peer), a Save on the manage page (new topics for a stored subscriber) and the
# manage page's GET, each timed by curl (time_total) over loopback, three rounds alternating
# them; the medians are printed with the commands. The server is started once; its start
# (which loads every subscriber) is not counted.
set -eu
: "${PAPERBOY:?}" "${BUILD:?}"
N=${PB_BENCH_PAGES:-20000}
PY=/usr/bin/python3
LIB="$(cd "$(dirname "$0")/../tests/lib" && pwd)"
TOKEN="$BUILD/tests/tools/web_token"
T=$(mktemp -d /tmp/pb-bench-pages.XXXXXX)
SRV="" SMTP=""
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  [ -n "$SMTP" ] && kill "$SMTP" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "bench_pages: $*" >&2; exit 1; }
[ -x "$TOKEN" ] || fail "missing $TOKEN (make tools)"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

$PY "$LIB/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" --timeout 900 &
SMTP=$!
i=0
while [ ! -s "$T/smtp.port" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "the SMTP peer did not start"; sleep 0.1
done
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$PORT"
cat >"$T/pb.conf" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
email = { smtp_url = "smtp://127.0.0.1:$(cat "$T/smtp.port")"; from = "digest@example.org";
          tls = "none"; };
file = { enabled = false; };
web = { listen = "127.0.0.1:$PORT"; base_url = "$base"; rate_limit = 0; };
EOF
"$PAPERBOY" -c "$T/pb.conf" subscriber add seed --email seed@example.org \
  --topic 't=abs:robot' >/dev/null
$PY - "$T" "$N" <<'PY'
import json, sqlite3, sys, time
d, n = sys.argv[1], int(sys.argv[2])
queries = ["cat:cs.CV", "ti:learning", "abs:robot*", 'ti:"language model" OR abs:llm',
           "au:Wang AND cat:cs.LG"]
now = int(time.time())
rows = []
for i in range(n):
    name = "u%06d" % i
    topics = [{"name": "t%d" % k, "query": queries[(i + k) % len(queries)]} for k in range(3)]
    s = {"name": name, "email": ["%s@example.org" % name], "topics": topics}
    rows.append((name, json.dumps(s), now - 7200, now - 7200))
db = sqlite3.connect(d + "/state/paperboy.db")
db.executemany("INSERT INTO subscribers(name, settings, state, reason, source, created, updated)"
               " VALUES(?, ?, 'active', NULL, 'cli', ?, ?)", rows)
db.commit()
PY
"$PAPERBOY" -c "$T/pb.conf" serve 2>"$T/serve.log" &
SRV=$!
i=0
until $PY -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1).close()" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 600 ] && fail "serve did not start: $(tail -3 "$T/serve.log")"; sleep 0.1
done
MANAGE=$("$TOKEN" "$T/state/web.secret" "$base" manage u000001 u000001@example.org)
csrf() { grep -o 'name="csrf" value="[^"]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }
curl -s -o "$T/form.html" "$base/signup"
SCSRF=$(csrf "$T/form.html")
curl -s -o "$T/manage.html" "$MANAGE"
MCSRF=$(csrf "$T/manage.html")
[ -n "$SCSRF" ] && [ -n "$MCSRF" ] || fail "no csrf fields: $(tail -3 "$T/serve.log")"
# timed URL STATUS-WANTED [curl args]: prints the seconds
timed() {
  u=$1 want=$2
  shift 2
  out=$(curl -s -m 120 -o "$T/b" -w '%{http_code} %{time_total}' "$@" "$u")
  [ "${out% *}" = "$want" ] || fail "$u: ${out% *}, not $want: $(tail -3 "$T/serve.log")"
  echo "${out#* }"
}
echo "serve with $N stored subscribers; three rounds of: sign-up POST, manage Save POST, manage GET"
for r in 1 2 3; do
  s=$(timed "$base/signup" 200 --data-urlencode "csrf=$SCSRF" \
    --data-urlencode "email=new$r@example.net" --data-urlencode "topics=Drift = ti:drift" \
    --data-urlencode language=en --data-urlencode max_papers=5)
  grep -q 'Check your mailbox' "$T/b" || fail "sign-up not answered as sent"
  m=$(timed "$MANAGE" 200 --data-urlencode "csrf=$MCSRF" --data-urlencode action=save \
    --data-urlencode "topics=Round $r = ti:round$r" --data-urlencode language=en \
    --data-urlencode max_papers=7)
  grep -q "Round $r = ti:round$r" "$T/b" || fail "the saved page does not show the topics"
  g=$(timed "$MANAGE" 200)
  echo "$s" >>"$T/signup"; echo "$m" >>"$T/save"; echo "$g" >>"$T/get"
  echo "round $r: sign-up ${s} s  save ${m} s  manage GET ${g} s"
done
[ "$(ls "$T/mail" | grep -c '\.eml$')" = 3 ] || fail "not 3 confirmation mails"
printf 'sign-up     median %s s   $ curl -d csrf=.. -d email=.. -d topics=.. %s/signup\n' \
  "$(median <"$T/signup")" "$base"
printf 'manage Save median %s s   $ curl -d csrf=.. -d action=save -d topics=.. %s/m/TOKEN\n' \
  "$(median <"$T/save")" "$base"
printf 'manage GET  median %s s   $ curl %s/m/TOKEN\n' "$(median <"$T/get")" "$base"
