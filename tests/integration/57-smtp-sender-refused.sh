#!/bin/sh
# A refusal of the sender, given at RCPT, is not the recipient's: Postfix (smtpd_delay_reject,
# on by default), sendmail's check_rcpt and Exim's default configuration ("require verify =
# sender", asked of a client that logged in too) all check the envelope sender when the
# recipient is given, so an email.from that does not resolve or that the relay does not know
# is refused at every RCPT, with a 5xx. Each message fails with the server's words and no
# address is suppressed: mended on the sender's side, `retry` sends them all. Real peers:
#  1. Postfix's smtp-sink answering "550 5.1.0 <sender>: Sender address rejected: ...", what
#     Postfix says with reject_unlisted_sender (an enhanced code of the addressing class, the
#     sender named);
#  2. smtp-sink answering as sendmail's check_rcpt, "553 5.1.8 <rcpt>... Domain of sender
#     address ... does not exist" (X.1.8, "bad sender's system address", RFC 3463);
#  3. aiosmtpd answering as Exim, without enhanced codes: "550-Verification failed for
#     <sender>" first on a connection, then "550 Sender verify failed" alone.
. "$(dirname "$0")/../lib/drive.sh"

SINK_USER=""
[ "$(id -u)" = 0 ] && SINK_USER="-u nobody"

wait_listen() {
	i=0
	until $PY -c "import socket; socket.create_connection(('127.0.0.1',$1),1).close()" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "smtp-sink did not listen on $1"
		sleep 0.1
	done
}

# check NAME N: N messages, every one failed for good with its words, none suppressed.
check() {
	grep -q "sent=0 retried=0 failed=$2" "$1.out" || { cat "$1.out" "$1.err" >&2; fail "$1: want failed=$2"; }
	! grep -q "event=deliver.suppressed" "$1.err" \
		|| { grep suppressed "$1.err" >&2; fail "$1: a refusal of the sender suppressed the address"; }
}

for reply in "550 5.1.0 <digest@lab.test.example>: Sender address rejected: User unknown in local recipient table" \
	"553 5.1.8 <alice@example.org>... Domain of sender address digest@lab.test.example does not exist"; do
	port=$($PY "$LIB/free_port.py")
	# shellcheck disable=SC2086
	/usr/sbin/smtp-sink $SINK_USER -f RCPT -B "$reply" 127.0.0.1:"$port" 16 &
	pids="$pids $!"
	wait_listen "$port"
	name=sink${reply%% *}
	"$DRIVE" --db "$name.db" --smtp "smtp://127.0.0.1:$port" --tls none \
		--email alice=alice@example.org --max-wait 10 > "$name.out" 2> "$name.err" \
		|| { tail "$name.err" >&2; fail "drive ($reply)"; }
	check "$name" 1
	grep -q "error=\"${reply%% *} " "$name.err" || { cat "$name.err" >&2; fail "$name: the server's words"; }
done
echo "   1-2 ok: Postfix's and sendmail's refusals of the sender at RCPT suppress no address"

$PY "$LIB/smtpd.py" --port-file p --save-dir m --sender-unverified --timeout 60 2>smtpd.err &
pids="$pids $!"
i=0
while [ ! -s p ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { cat smtpd.err >&2; fail "the peer did not start"; }
	sleep 0.1
done
"$DRIVE" --db exim.db --smtp "smtp://127.0.0.1:$(cat p)" --tls none --email 3 \
	--max-host 1 --max-total 1 --max-wait 10 > exim.out 2> exim.err \
	|| { tail exim.err >&2; fail "drive (exim)"; }
check exim 3
grep -q 'error="550 Verification failed for <digest@lab.test.example> Unrouteable address Sender verify failed' exim.err \
	|| { cat exim.err >&2; fail "exim: the first refusal's words, every line"; }
grep -q 'error="550 Sender verify failed' exim.err \
	|| { cat exim.err >&2; fail "exim: a later refusal's words"; }
echo "   3 ok: Exim's sender verification at RCPT suppresses no address"
