#!/bin/sh
# A server's EHLO names the largest message it takes ("SIZE 10240000", RFC 1870): a message
# over it is not sent, since the server would refuse it (552 5.3.4) at MAIL or only once it
# has it all. It fails for good with its size and the server's limit, naming the subscriber;
# a message under the limit goes as before.
. "$(dirname "$0")/../lib/drive.sh"

peer m --size-limit 10000 --rcpt-log rcpt.log
"$DRIVE" --db big.db --smtp "smtp://127.0.0.1:$(cat m.port)" --tls none --email alice=alice@example.org \
	--size 30000 --max-wait 10 > big.out 2> big.err || { tail big.err >&2; fail "drive (big)"; }
grep -q "sent=0 retried=0 failed=1" big.out || { cat big.out >&2; fail "want failed=1"; }
grep -q 'subscriber=alice .*status=failed.*error="subscriber alice: the message ([0-9]* bytes) is larger than the SMTP server takes (SIZE 10000 in its EHLO reply)' big.err ||
	{ grep deliver.attempt big.err >&2; fail "the reason names the sizes"; }
[ ! -s rcpt.log ] || fail "a transaction began for a message over the limit"
echo "   ok: a message over the EHLO's SIZE is not sent, and the reason says both sizes"

"$DRIVE" --db small.db --smtp "smtp://127.0.0.1:$(cat m.port)" --tls none --email bob=bob@example.org \
	--size 2000 --max-wait 10 > small.out 2> small.err || { tail small.err >&2; fail "drive (small)"; }
grep -q "sent=1 retried=0 failed=0" small.out || { cat small.out >&2; fail "want sent=1"; }
echo "   ok: a message under the limit goes"
