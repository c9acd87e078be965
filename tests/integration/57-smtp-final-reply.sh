#!/bin/sh
# The reply to a message's end (the final "."), which a server may give only after it has
# run the message through a content filter and queued it: RFC 5321 4.5.3.2.6 has the client
# wait 10 minutes for it, because a client that gives up sooner sends a message the server
# has already taken again, while the 354 after DATA is waited for 2 minutes. The drive makes
# a minute last a second (2 s for the 354, 10 s for the end) so the test takes seconds: a peer
# that takes 3 s to answer the end gets the message once, counted as sent at the first
# attempt; nothing is retried.
# A connection lost after the message's end, before its reply (RFC 5321 6.1: the server may
# have taken it), fails the attempt saying the message may have arrived, and the next attempt
# sends it with the same Message-ID.
. "$(dirname "$0")/../lib/drive.sh"

$PY "$LIB/smtpd.py" --port-file p --save-dir m --slow-after-data 3 --timeout 60 \
	2>smtpd.err &
pids="$pids $!"
i=0
while [ ! -s p ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { cat smtpd.err >&2; fail "the peer did not start"; }
	sleep 0.1
done
"$DRIVE" --db a.db --smtp "smtp://127.0.0.1:$(cat p)" --tls none \
	--email alice=alice@example.org --retry-base 1 --max-attempts 2 --max-wait 30 \
	--smtp-minute-ms 1000 \
	> a.out 2> a.err \
	|| { tail a.err >&2; fail "drive"; }
# Given up after the shorter wait, each attempt was taken by the peer all the same: as many
# copies as attempts, and the outbox saying failed.
grep -q "sent=1 retried=0 failed=0" a.out || { cat a.out >&2; grep smtp a.err >&2; fail "want sent=1 retried=0"; }
$PY - m <<'EOF' || fail "what the peer received"
import json, os, sys
idx = [json.loads(l) for l in open(os.path.join(sys.argv[1], "index.jsonl"))]
ok = [r for r in idx if r["status"] == 250]
assert len(ok) == 1 and ok[0]["rcpt"] == ["alice@example.org"], idx
EOF
echo "   ok: a final reply later than any other reply may be is waited for; one message, no retry"

$PY "$LIB/smtpd.py" --port-file p2 --save-dir m2 --drop-rate 1 --timeout 60 2>smtpd2.err &
pids="$pids $!"
i=0
while [ ! -s p2 ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { cat smtpd2.err >&2; fail "the second peer did not start"; }
	sleep 0.1
done
"$DRIVE" --db b.db --smtp "smtp://127.0.0.1:$(cat p2)" --tls none \
	--email alice=alice@example.org --retry-base 1 --max-attempts 2 --max-wait 30 \
	> b.out 2> b.err || { tail b.err >&2; fail "drive (dropped)"; }
grep -q "sent=0 retried=1 failed=1" b.out || { cat b.out >&2; fail "want retried=1 failed=1"; }
[ "$(grep -c "status=retry.*before its reply: it may have arrived" b.err)" -eq 1 ] ||
	{ grep deliver.attempt b.err >&2; fail "the reason says the message may have arrived"; }
$PY - m2 <<'EOF' || fail "what the peer received"
import json, os, sys
idx = [json.loads(l) for l in open(os.path.join(sys.argv[1], "index.jsonl"))]
assert len(idx) == 2 and idx[0]["message_id"] and idx[0]["message_id"] == idx[1]["message_id"], idx
EOF
echo "   ok: a message whose reply was lost may have arrived, says so, and goes again as itself"
