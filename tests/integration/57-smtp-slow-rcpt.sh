#!/bin/sh
# The reply to RCPT, which a server may give only after a callout to the recipient's or the
# sender's domain, a greylisting lookup or a DNS blocklist: RFC 5321 4.5.3.2.3 has the client
# wait 5 minutes for it (and as long for MAIL), not the 2 minutes of the 354 after DATA. The
# drive makes a minute last a second: a peer that answers RCPT after 3 s (past 2 minutes,
# within 5) gets the message at the first attempt; one that answers after 8 s (past 5 minutes)
# is given up on, the message failed with the wait named.
. "$(dirname "$0")/../lib/drive.sh"

# peer NAME SECONDS [smtpd options]: a peer answering RCPT after SECONDS, its port in NAME.p
peer() {
	n=$1 s=$2
	shift 2
	mkdir -p "$n.m"
	$PY "$LIB/smtpd.py" --port-file "$n.p" --save-dir "$n.m" --slow-rcpt "$s" \
		--rcpt-log "$n.rcpt" --timeout 60 "$@" 2>"$n.smtpd.err" &
	pids="$pids $!"
	i=0
	while [ ! -s "$n.p" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { cat "$n.smtpd.err" >&2; fail "the peer $n did not start"; }
		sleep 0.1
	done
}
drive() {
	n=$1
	"$DRIVE" --db "$n.db" --smtp "smtp://127.0.0.1:$(cat "$n.p")" --tls none \
		--email alice=alice@example.org --retry-base 1 --max-attempts 1 --max-wait 30 \
		--smtp-minute-ms 1000 > "$n.out" 2> "$n.err" \
		|| { tail "$n.err" >&2; fail "drive $n"; }
}
accepted() {
	$PY - "$1.m" <<'PYEOF'
import json, os, sys
p = os.path.join(sys.argv[1], "index.jsonl")
idx = [json.loads(l) for l in open(p)] if os.path.exists(p) else []
print(len([r for r in idx if r["status"] == 250]))
PYEOF
}

# Within the wait, one peer without and one with PIPELINING (the wait is for the oldest reply
# due, whichever way the commands went).
for v in plain pipe; do
	opt=""
	[ $v = pipe ] && opt=--pipelining
	peer "in-$v" 3 $opt
	drive "in-$v"
	grep -q "sent=1 retried=0 failed=0" "in-$v.out" ||
		{ cat "in-$v.out" >&2; grep smtp "in-$v.err" >&2; fail "$v: want sent=1 retried=0"; }
	[ "$(accepted "in-$v")" = 1 ] || fail "$v: the peer should hold one message"
done

# Past it: given up on, failed, nothing taken.
peer out 8
drive out
grep -q "sent=0 retried=0 failed=1" out.out ||
	{ cat out.out >&2; grep smtp out.err >&2; fail "want sent=0 failed=1 past the wait"; }
grep -q "timed out waiting for the SMTP server" out.err ||
	{ grep smtp out.err >&2; fail "the failure should name the wait"; }
[ "$(accepted out)" = 0 ] || fail "nothing should have been taken past the wait"
echo "   ok: a RCPT answered within its 5 minutes is waited for; past them, the message fails"
