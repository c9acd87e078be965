#!/bin/sh
# A server that refuses the session before any transaction refuses every session alike: a 554
# in place of the greeting (RFC 5321 3.1: a blocklisted client), a login refused (535), a 421 at
# the greeting (Gmail's "Try again later, closing connection"). The run asks once (as many
# sessions as open at a time), not once per reader: one failed login, not one per message
# (Gmail locks an account after a burst of them), and every message gets the server's answer,
# the login's naming the settings to mend. A 421 at the greeting while other sessions are open
# is a limit on their number: those carry the messages, nothing fails or waits for a retry.
. "$(dirname "$0")/../lib/drive.sh"

# drive NAME ARGS...: 8 readers over at most 2 sessions to NAME's peer, one attempt each
drive() {
	n=$1
	shift
	"$DRIVE" --db "$n.db" --smtp "smtp://127.0.0.1:$(cat "$n.port")" --tls none \
		--email 8 --max-host 2 --max-attempts 1 --retry-base 1 --max-wait 20 "$@" \
		> "$n.out" 2> "$n.err.drive" || { tail "$n.err.drive" >&2; fail "drive $n"; }
}
conns() { wc -l < "$1/conns.jsonl"; }

peer blocked --greeting "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org"
drive blocked
grep -q "sent=0 retried=0 failed=8" blocked.out || { cat blocked.out >&2; fail "blocked: want failed=8"; }
[ "$(conns blocked)" -le 2 ] || fail "blocked: $(conns blocked) connections for one refusal"
[ "$(grep -c 'status=failed.*blocked using zen.spamhaus.org' blocked.err.drive)" -eq 8 ] ||
	fail "blocked: every message with the server's words"
echo "   ok: a 554 greeting is asked once a run, every message failing with its words"

peer login --auth digest:right
drive login --user digest --pass wrong
grep -q "sent=0 retried=0 failed=8" login.out || { cat login.out >&2; fail "login: want failed=8"; }
[ "$(conns login)" -le 2 ] || fail "login: $(conns login) logins tried for one password"
[ "$(grep -c 'status=failed.*refused the login (email.username' login.err.drive)" -eq 8 ] ||
	{ grep deliver.attempt login.err.drive >&2; fail "login: every message names the settings"; }
[ "$(grep -c 'event=smtp.session state=refused' login.err.drive)" -eq 1 ] ||
	fail "login: one error line for the refusal"
echo "   ok: a refused login is tried once a run, not once per message, and names the settings"

peer busy --greeting "421 4.7.0 Try again later, closing connection"
drive busy
grep -q "sent=0 retried=0 failed=8" busy.out || { cat busy.out >&2; fail "busy: want failed=8"; }
[ "$(conns busy)" -le 3 ] || fail "busy: $(conns busy) connections to a server that said later"
[ "$(grep -c 'status=failed.*421 4.7.0 Try again later' busy.err.drive)" -eq 8 ] ||
	fail "busy: every message with the server's words"
echo "   ok: a 421 greeting is asked again only by the sessions already opening"

peer limit --max-conns 1
drive limit
grep -q "sent=8 retried=0 failed=0" limit.out || { cat limit.out >&2; fail "limit: want sent=8"; }
grep -q '"greeting": 421' limit/conns.jsonl || fail "limit: the peer never said 421"
$PY - limit <<'PYEOF' || fail "limit: what the peer received"
import json, os, sys
idx = [json.loads(l) for l in open(os.path.join(sys.argv[1], "index.jsonl"))]
got = sorted(r["rcpt"][0] for r in idx if r["status"] == 250)
assert got == ["s%05d@test.example" % i for i in range(8)], got
PYEOF
echo "   ok: a 421 greeting beside an open session keeps the run to that one; nothing fails"
