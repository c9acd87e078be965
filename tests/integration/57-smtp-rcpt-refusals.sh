#!/bin/sh
# What a permanent refusal at RCPT says decides whether the reader's address is suppressed,
# against tests/lib/smtpd.py (aiosmtpd) answering each address as a real server would:
#  1. Gmail's refusal of an address that does not exist, on four lines ("550-5.1.1 The email
#     account that you tried to reach does not exist. ..." down to "550 5.1.1
#     https://support.google.com/..."): the address is suppressed, and the reason the failure
#     and the suppression record is the whole text, lines joined, not the first line alone.
#  2. Refusals of the protocol (RFC 3463 X.5.X), "555 5.5.4 Unsupported option" and "501 5.5.2
#     Syntax error in parameters": a command of ours the server did not take, not the
#     address's fault. Each message fails with the server's words; nothing is suppressed.
. "$(dirname "$0")/../lib/drive.sh"

GMAIL='550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient'"'"'s email address for typos or\n550-5.1.1 unnecessary spaces. Learn more at\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si2 - gsmtp'
mkdir m
$PY "$LIB/smtpd.py" --port-file p --save-dir m --timeout 60 \
	--rcpt-reply "gone@example.org=$GMAIL" \
	--rcpt-reply "opt@example.org=555 5.5.4 Unsupported option: SMTPUTF8" \
	--rcpt-reply "syn@example.org=501 5.5.2 Syntax error in parameters or arguments" \
	2>smtpd.err &
pids="$pids $!"
i=0
while [ ! -s p ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { cat smtpd.err >&2; fail "the peer did not start"; }
	sleep 0.1
done
SMTP="smtp://127.0.0.1:$(cat p)"

"$DRIVE" --db gmail.db --smtp "$SMTP" --tls none --email gone=gone@example.org \
	--max-wait 10 > gmail.out 2> gmail.err || { tail gmail.err >&2; fail "drive (gmail)"; }
grep -q "sent=0 retried=0 failed=1" gmail.out || { cat gmail.out gmail.err >&2; fail "1: want failed=1"; }
whole='550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient.s email address for typos or unnecessary spaces. Learn more at https://support.google.com/mail/?p=NoSuchUser a1si2 - gsmtp'
grep "event=deliver.suppressed" gmail.err | grep -q "reason=\"$whole\"" \
	|| { cat gmail.err >&2; fail "1: the suppression's reason is not the whole refusal"; }
grep "event=deliver.attempt" gmail.err | grep -q "error=\"$whole\"" \
	|| { cat gmail.err >&2; fail "1: the failure's reason is not the whole refusal"; }
echo "   1 ok: a four-line refusal of the address suppresses it, with its whole text"

"$DRIVE" --db proto.db --smtp "$SMTP" --tls none --email opt=opt@example.org \
	--email syn=syn@example.org --max-wait 10 > proto.out 2> proto.err \
	|| { tail proto.err >&2; fail "drive (protocol)"; }
grep -q "sent=0 retried=0 failed=2" proto.out || { cat proto.out proto.err >&2; fail "2: want failed=2"; }
! grep -q "event=deliver.suppressed" proto.err \
	|| { grep suppressed proto.err >&2; fail "2: a refusal of the protocol suppressed an address"; }
grep -q 'error="555 5.5.4 Unsupported option: SMTPUTF8"' proto.err \
	&& grep -q 'error="501 5.5.2 Syntax error in parameters or arguments"' proto.err \
	|| { cat proto.err >&2; fail "2: the server's words"; }
echo "   2 ok: 555 5.5.4 and 501 5.5.2 at RCPT fail the message and suppress no address"
