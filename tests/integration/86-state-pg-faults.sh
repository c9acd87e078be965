#!/bin/sh
# PostgreSQL faults. Unreachable at start: exit 75 (EX_TEMPFAIL), a message naming host and
# database but never the password, nothing written. Lost mid-run: the server is stopped while
# the run delivers (a slow SMTP peer, one session) and started again: delivery waits, connects
# again, and finishes; every subscriber gets exactly one digest, every message is marked sent.
# Lost under the web endpoint: a reader's one-click unsubscribe is answered 503 with
# Retry-After within seconds (not after a run's minute of waiting), and goes through once the
# server is back. Unreachable when the daemon starts: it waits, and starts once the server is.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${BUILD:?}"
LIB=$(cd "$(dirname "$0")/../lib" && pwd)
T=$(mktemp -d /tmp/pb-86.XXXXXX)
PB_PG_DIR=""
SMTP=""
RUN=""
SRV=""
cleanup() {
	[ -n "$RUN" ] && kill "$RUN" 2>/dev/null
	[ -n "$SRV" ] && { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
	[ -n "$SMTP" ] && { kill "$SMTP" 2>/dev/null; wait "$SMTP" 2>/dev/null; }
	sh "$LIB/pg.sh" stop "$PB_PG_DIR"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "86-state-pg-faults: $*" >&2; exit 1; }
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
N=40

/usr/bin/python3 "$LIB/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
	--slow-after-data 0.1 --timeout 180 2>"$T/smtpd.err" &
SMTP=$!
i=0
while [ ! -s "$T/smtp.port" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "smtpd did not start: $(cat "$T/smtpd.err")"
	sleep 0.1
done
conf() {   # conf FILE STATE-LINE
	{
		echo "state_dir = \"$T/state\";"
		echo "$2"
		echo 'arxiv = { categories = ["cs.CV"]; };'
		echo 'file = { enabled = false; };'
		echo 'delivery = { max_per_host = 1; };'
		echo "email = { smtp_url = \"smtp://127.0.0.1:$(cat "$T/smtp.port")\"; tls = \"none\";"
		echo '          from = "arXiv digest <digest@example.org>"; };'
		echo 'subscribers = ('
		k=1
		while [ $k -le $N ]; do
			[ $k -gt 1 ] && echo ','
			echo "  { name = \"s$k\"; email = \"s$k@example.org\"; max_papers = 2;"
			echo '    topics = ( { name = "Vision"; query = "cat:cs.CV"; } ); }'
			k=$((k + 1))
		done
		echo ');'
	} >"$1"
}

# 1. Unreachable at start: no server behind the socket directory.
mkdir "$T/nowhere"
conf "$T/down.conf" 'state = { backend = "postgresql"; conninfo_env = "PB_T_PG"; };'
PB_T_PG="host=$T/nowhere dbname=pbdb user=amy password=sekrit-42" \
	"$PAPERBOY" -c "$T/down.conf" run --feed "$BIG" >"$T/down.out" 2>"$T/down.err"
rc=$?
[ $rc = 75 ] || fail "unreachable at start: exit $rc, want 75: $(cat "$T/down.err")"
grep -q "host=$T/nowhere" "$T/down.err" && grep -q 'dbname=pbdb' "$T/down.err" ||
	fail "the message does not name host and database: $(cat "$T/down.err")"
grep -q 'sekrit' "$T/down.err" "$T/down.out" && fail "the password was printed"
[ ! -e "$T/state/paperboy.db" ] || fail "a SQLite state was made instead"
[ ! -s "$T/mail/index.jsonl" ] || fail "mail went out without a state"

# 2. Lost mid-run.
env=$(sh "$LIB/pg.sh" start) || fail "cannot start PostgreSQL (tests/lib/pg.sh)"
eval "$env"
conf "$T/pg.conf" "state = { backend = \"postgresql\"; conninfo = \"$PB_PG_CONNINFO\"; };"
"$PAPERBOY" -c "$T/pg.conf" run --feed "$BIG" >"$T/run.out" 2>"$T/run.err" &
RUN=$!
i=0
lines() { n=$(grep -c '' "$1" 2>/dev/null); echo "${n:-0}"; }
until [ "$(lines "$T/mail/index.jsonl")" -ge 8 ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "delivery did not start: $(tail -n 5 "$T/run.err")"
	kill -0 $RUN 2>/dev/null || fail "the run ended before the server was stopped"
	sleep 0.1
done
sh "$LIB/pg.sh" halt "$PB_PG_DIR" || fail "cannot stop PostgreSQL"
sleep 2
sent_while_down=$(lines "$T/mail/index.jsonl")
sh "$LIB/pg.sh" resume "$PB_PG_DIR" || fail "cannot start PostgreSQL again"
i=0
while kill -0 $RUN 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 900 ] && fail "the run did not finish after the server came back"
	sleep 0.1
done
wait $RUN
rc=$?
RUN=""
[ $rc = 0 ] || fail "the run: exit $rc: $(tail -n 5 "$T/run.err")"
grep -q 'event=state.lost' "$T/run.err" || fail "the loss was not noticed (too fast a run?)"
grep -q 'event=state.reconnected' "$T/run.err" || fail "no reconnection logged"
q() { psql -X -A -t -q "$PB_PG_CONNINFO" -c "$1"; }
[ "$(q 'SELECT count(*) FROM outbox')" = $N ] || fail "$(q 'SELECT count(*) FROM outbox') messages enqueued, want $N"
[ "$(q 'SELECT count(*) FROM outbox WHERE status = 1')" = $N ] ||
	fail "not every message is marked sent: $(q 'SELECT status, count(*) FROM outbox GROUP BY 1')"
/usr/bin/python3 - "$T/mail/index.jsonl" $N <<'PY' || fail "a digest was lost or doubled"
import collections, json, sys
per = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if str(e.get("status")).startswith("250"):
        for r in e.get("rcpt") or e.get("recipients") or [e.get("to")]:
            per[str(r).lower()] += 1
n = int(sys.argv[2])
bad = {k: v for k, v in per.items() if v != 1}
missing = [f"s{k}@example.org" for k in range(1, n + 1) if per[f"s{k}@example.org"] == 0]
if bad or missing:
    print("doubled:", bad, "missing:", missing, file=sys.stderr)
    sys.exit(1)
PY
echo "   $N digests, each once; $sent_while_down accepted before the server came back"

# 3. Lost under the web endpoint.
PORT=$(/usr/bin/python3 "$LIB/free_port.py")
BASE="http://127.0.0.1:$PORT"
conf "$T/web.conf" "state = { backend = \"postgresql\"; conninfo = \"$PB_PG_CONNINFO\"; };
web = { listen = \"127.0.0.1:$PORT\"; base_url = \"$BASE\"; };"
"$PAPERBOY" -c "$T/web.conf" serve >"$T/serve.log" 2>&1 &
SRV=$!
i=0
until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1).close()" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "nothing listens on $PORT: $(tail -n 5 "$T/serve.log")"
	sleep 0.1
done
URL=$("$BUILD/tests/tools/web_token" "$T/state/web.secret" "$BASE" unsub s1 s1@example.org) ||
	fail "web_token failed"
sh "$LIB/pg.sh" halt "$PB_PG_DIR" || fail "cannot stop PostgreSQL"
t0=$(date +%s)
c=$(curl -s -m 90 -X POST -D "$T/h" -o "$T/b" -w '%{http_code}' -d List-Unsubscribe=One-Click "$URL")
secs=$(( $(date +%s) - t0 ))
sh "$LIB/pg.sh" resume "$PB_PG_DIR" || fail "cannot start PostgreSQL again"
[ "$c" = 503 ] || fail "one-click unsubscribe with the server away: $c, want 503: $(cat "$T/b")"
grep -qi '^Retry-After: ' "$T/h" || fail "the 503 has no Retry-After: $(cat "$T/h")"
[ "$secs" -le 25 ] || fail "the 503 took $secs s: the reader waited as long as a run would"
c=$(curl -s -m 90 -X POST -D "$T/h" -o "$T/b" -w '%{http_code}' -d List-Unsubscribe=One-Click "$URL")
[ "$c" = 200 ] || fail "one-click unsubscribe with the server back: $c: $(cat "$T/b")"
[ "$(q "SELECT count(*) FROM suppressions WHERE subscriber = 's1'")" = 1 ] ||
	fail "the unsubscribe is not in the state"
echo "   the web endpoint with the server away: 503 with Retry-After in $secs s; through once back"

# 4. Unreachable when the daemon starts (a boot where PostgreSQL comes up later): the daemon
# waits for it, and starts once it is back; it does not exit 75, on which its systemd unit
# never restarts it.
sh "$LIB/pg.sh" halt "$PB_PG_DIR" || fail "cannot stop PostgreSQL"
"$PAPERBOY" -c "$T/pg.conf" daemon --foreground >"$T/daemon.out" 2>"$T/daemon.err" &
RUN=$!
i=0
until grep -q 'event=daemon.state_unreachable' "$T/daemon.err"; do
	i=$((i + 1))
	kill -0 $RUN 2>/dev/null || { wait $RUN; fail "the daemon exited $? with the server away: $(cat "$T/daemon.err")"; }
	[ $i -gt 100 ] && fail "the daemon says nothing of the server away: $(cat "$T/daemon.err")"
	sleep 0.1
done
grep 'event=daemon.state_unreachable' "$T/daemon.err" | grep -q 'dbname=paperboy' ||
	fail "the wait does not name the database: $(cat "$T/daemon.err")"
sh "$LIB/pg.sh" resume "$PB_PG_DIR" || fail "cannot start PostgreSQL again"
i=0
until grep -q 'event=daemon.start ' "$T/daemon.err"; do
	i=$((i + 1))
	kill -0 $RUN 2>/dev/null || { wait $RUN; fail "the daemon exited $? before starting: $(cat "$T/daemon.err")"; }
	[ $i -gt 300 ] && fail "the daemon did not start once the server was back: $(cat "$T/daemon.err")"
	sleep 0.1
done
grep -q 'event=daemon.state_reached' "$T/daemon.err" || fail "the daemon did not log the state reached"
kill -TERM $RUN
wait $RUN
rc=$?
RUN=""
[ $rc = 0 ] || fail "the daemon stopped with exit $rc: $(tail -n 3 "$T/daemon.err")"
echo "   the daemon started with the server away: waited, started once it was back"
