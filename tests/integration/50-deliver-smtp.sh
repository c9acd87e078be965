#!/bin/sh
# Email delivery against real local SMTP peers on 127.0.0.1:
#  1. aiosmtpd with STARTTLS required and AUTH, a CA and server certificate made here with
#     openssl: the received messages are parsed with Python's email package (headers, decoded
#     non-ASCII Subject, multipart/alternative text then html, UTF-8, Message-ID, the
#     List-Unsubscribe pair, no line over 998 octets); a refused first try keeps its Message-ID;
#     a second run sends nothing again.
#  2. STARTTLS is required by default: a peer without it gets nothing (permanent failure).
#  3. A wrong password is a permanent failure with the server's words.
#  4. Postfix smtp-sink: 5xx → failed with the server's words (an unknown user suppressed, a
#     policy refusal such as a blocklisted client not), 4xx → retried, then given up; a full
#     mailbox (552 at RCPT, 5.2.2) is retried as a 4xx and not suppressed.
#  5. 1,000 subscribers while the peer refuses 10% of transactions with 451 after DATA: every
#     subscriber ends with exactly one message.
#  6. The same with PIPELINING offered: 300 subscribers, 10% refused with 451 after DATA, three
#     recipients refused for good at RCPT, and the peer closing each connection (421) after 7
#     messages: every other subscriber ends with exactly one message, the three fail with the
#     server's words, the messages cut off by a 421 go on another session.
#  7. Pipelining over STARTTLS while the peer drops 5% of connections right after a message's
#     end, unanswered and unkept: every subscriber ends with exactly one message.
#  8. An internationalised address (RFC 6531): sent with SMTPUTF8 to a peer offering it, the
#     UTF-8 address in the envelope and in To:; a peer without SMTPUTF8 (smtp-sink) fails one
#     whose local part is not ASCII for good, naming the subscriber and the address, and still
#     takes the ASCII one. Without SMTPUTF8 (aiosmtpd), an internationalised domain of the
#     sender and of a recipient goes in its A-labels (xn--), in the envelope and the headers.
#  9. Without PIPELINING every command waits for the previous reply, RSET after a refusal
#     included: a peer that enforces this (as Exim does) sees no violation, refusals at RCPT and
#     451s after DATA on one session cost the next message nothing.
. "$(dirname "$0")/../lib/drive.sh"

wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && fail "peer did not start ($1)"
		sleep 0.1
	done
}

# A free port for smtp-sink, which cannot report the one it chose itself.
free_port() {
	/usr/bin/python3 "$PB_TESTS/lib/free_port.py"
}

wait_listen() {
	i=0
	until $PY -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1).close()" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "smtp-sink did not listen on $1"
		sleep 0.1
	done
}

SINK_USER=""
[ "$(id -u)" = 0 ] && SINK_USER="-u nobody"

start_sink() {   # start_sink PORT ARGS...
	port=$1
	shift
	# shellcheck disable=SC2086
	/usr/sbin/smtp-sink $SINK_USER "$@" 127.0.0.1:"$port" 128 &
	pids="$pids $!"
	wait_listen "$port"
}

# Outbox rows as "subscriber status attempts last_error" lines.
outbox() {
	$PY - "$1" <<'EOF'
import sqlite3, sys
names = {0: "pending", 1: "sent", 2: "failed", 3: "expired", 4: "paused"}
db = sqlite3.connect(sys.argv[1])
for sub, st, att, err in db.execute(
        "SELECT subscriber, status, attempts, last_error FROM outbox ORDER BY subscriber"):
    print(sub, names[st], att, err or "-")
EOF
}

# ---- the throw-away CA and server certificate ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
	-subj "/CN=paperboy test CA" >/dev/null 2>&1 || fail "openssl: CA"
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
	-subj "/CN=some other CA" >/dev/null 2>&1 || fail "openssl: other CA"
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost" \
	>/dev/null 2>&1 || fail "openssl: CSR"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
	-extfile ext.cnf >/dev/null 2>&1 || fail "openssl: sign"

# ---- 1. STARTTLS + AUTH, parsed back ----
$PY "$LIB/smtpd.py" --port-file p1 --save-dir m1 --cert srv.pem --key srv.key \
	--auth digest:s3cret --fail-first retry@example.org --timeout 900 &
pids="$pids $!"
wait_file p1
P1=$(cat p1)
SUBJECT='arXiv digest — 4 Dec 2025: Gaussian Splatting, 视觉语言模型 & Zürich, and a subject long enough to be folded'
set -- --db a.db --smtp "smtp://127.0.0.1:$P1" --ca ca.pem --user digest --pass s3cret \
	--subject "$SUBJECT" --unsub-mailto unsubscribe@lab.test.example \
	--unsub-url https://lab.test.example/unsubscribe --size 20000 --max-wait 60 \
	--email alice=alice@example.org --email bob=bob@example.org \
	--email zoe=zoe@example.org --email retry=retry@example.org
"$DRIVE" "$@" > a.out 2> a.err || { cat a.err >&2; fail "drive (STARTTLS+AUTH)"; }
grep -q "enqueued=4 .*sent=4 retried=1 failed=0" a.out || { cat a.out a.err >&2; fail "1: want 4 sent, 1 retried"; }
grep -q 's3cret' a.err && fail "the SMTP password reached the log"
"$DRIVE" "$@" > a2.out 2> a2.err || fail "drive again"
grep -q "enqueued=0 .*sent=0 retried=0 failed=0" a2.out || { cat a2.out >&2; fail "1: a second run sent again"; }
SUBJECT="$SUBJECT" $PY - m1 <<'EOF' || fail "1: received messages"
import email, email.policy, json, os, sys, re
d = sys.argv[1]
idx = [json.loads(l) for l in open(os.path.join(d, "index.jsonl"))]
ok = [r for r in idx if r["status"] == 250]
assert len(ok) == 4, idx
subject = os.environ["SUBJECT"]
def encid(a):
    return "".join(c if re.match(r"[A-Za-z0-9!#$%&'*+\-/?^_`{|}~]", c) else
                   "".join("=%02X" % b for b in c.encode()) for c in a)
for r in ok:
    assert r["tls"] and r["login"] == "digest", r
    assert r["from"] == "digest@lab.test.example", r
    raw = open(os.path.join(d, r["file"]), "rb").read()
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998, len(line)
        assert b"\n" not in line and b"\r" not in line, "bare CR or LF"
    m = email.message_from_bytes(raw, policy=email.policy.default)
    rcpt = r["rcpt"][0]
    assert str(m["Subject"]) == subject, (str(m["Subject"]), subject)
    assert "=?UTF-8?" in raw.split(b"\r\n\r\n")[0].decode("ascii"), "Subject not encoded"
    frm = m["From"].addresses[0]
    assert frm.display_name == "arXiv Digest — Lab" and frm.addr_spec == "digest@lab.test.example", frm
    assert m["To"] == rcpt, (m["To"], rcpt)
    assert m["Date"].datetime is not None
    name = {"alice@example.org": "alice", "bob@example.org": "bob",
            "zoe@example.org": "zoe", "retry@example.org": "retry"}[rcpt]
    want = "<2025-12-04/%s/email/%s/1@lab.test.example>" % (name, encid(rcpt))
    assert m["Message-ID"] == want, (m["Message-ID"], want)
    assert m["MIME-Version"] == "1.0"
    assert m["Auto-Submitted"] == "auto-generated"
    assert m["List-Unsubscribe"] == "<mailto:unsubscribe@lab.test.example>, <https://lab.test.example/unsubscribe>", m["List-Unsubscribe"]
    assert m["List-Unsubscribe-Post"] is None  # a URL shared by all names no recipient
    assert m.get_content_type() == "multipart/alternative"
    parts = list(m.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"], parts
    for p in parts:
        assert p.get_content_charset() == "utf-8"
        assert p["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
        body = p.get_content()
        assert "Zürich edition" in body and len(body) > 20000, len(body)
        assert ("Hello %s," % name) in body
# The refused first try carried the same Message-ID as the accepted one.
bad = [r for r in idx if r["status"] == 451]
assert len(bad) == 1 and bad[0]["rcpt"] == ["retry@example.org"], bad
good = [r for r in ok if r["rcpt"] == ["retry@example.org"]]
assert good[0]["message_id"] == bad[0]["message_id"], (good, bad)
EOF
echo "   1 ok: STARTTLS+AUTH, headers and structure parsed back, Message-ID stable, idempotent"

# ---- 1b. smtps:// (TLS from the first byte); tls = "none" against a peer that wants TLS;
#          a certificate from an unknown CA ----
$PY "$LIB/smtpd.py" --port-file p3 --save-dir m3 --cert srv.pem --key srv.key --implicit \
	--auth digest:s3cret --timeout 900 &
pids="$pids $!"
wait_file p3
P3=$(cat p3)
"$DRIVE" --db g.db --smtp "smtps://127.0.0.1:$P3" --ca ca.pem --user digest --pass s3cret \
	--email alice=alice@example.org --max-wait 5 > g.out 2> g.err || { cat g.err >&2; fail "drive (smtps)"; }
grep -q "sent=1 retried=0 failed=0" g.out || { cat g.out g.err >&2; fail "1b: smtps not sent"; }
grep -q '"tls": true, "login": "digest", "status": 250' m3/index.jsonl || fail "1b: smtps not over TLS"
"$DRIVE" --db h.db --smtp "smtp://127.0.0.1:$P1" --tls none --user digest --pass s3cret \
	--email alice=alice@example.org --max-wait 5 > h.out 2> h.err || fail "drive (tls none)"
grep -q "sent=0 retried=0 failed=1" h.out || { cat h.out h.err >&2; fail "1b: cleartext accepted"; }
outbox h.db | grep -q "alice failed 1 530 " || { outbox h.db >&2; fail "1b: want the server's 530"; }
# (a session refused for good is tried again as a temporary failure would be: a setting to
# mend, after which the digest should still go; it fails when its attempts are spent)
"$DRIVE" --db i.db --smtp "smtps://127.0.0.1:$P3" --ca other.pem --user digest --pass s3cret \
	--email alice=alice@example.org --max-attempts 2 --retry-base 1 --max-wait 10 > i.out 2> i.err ||
	fail "drive (bad CA)"
grep -q "sent=0 retried=1 failed=1" i.out || { cat i.out i.err >&2; fail "1b: unverified peer accepted, or not tried again"; }
echo "   1b ok: smtps sent; tls=none refused by a TLS-only peer; unknown CA refused, tried again"

# ---- 2. STARTTLS required by default: smtp-sink offers none ----
PS=$(free_port)
start_sink "$PS"
"$DRIVE" --db b.db --smtp "smtp://127.0.0.1:$PS" --email alice=alice@example.org \
	--max-attempts 2 --retry-base 1 --max-wait 10 > b.out 2> b.err ||
	{ cat b.err >&2; fail "drive (no STARTTLS)"; }
grep -q "sent=0 retried=1 failed=1" b.out || { cat b.out b.err >&2; fail "2: sent without STARTTLS"; }
outbox b.db | grep -qi "alice failed 2 .*STARTTLS\|alice failed 2 .*SSL" || { outbox b.db >&2; fail "2: reason"; }
echo "   2 ok: no STARTTLS, nothing sent"

# ---- 3. wrong password ----
"$DRIVE" --db c.db --smtp "smtp://127.0.0.1:$P1" --ca ca.pem --user digest --pass wrong \
	--email alice=alice@example.org --max-attempts 2 --retry-base 1 --max-wait 10 > c.out 2> c.err ||
	fail "drive (bad password)"
grep -q "sent=0 retried=1 failed=1" c.out || { cat c.out c.err >&2; fail "3: want tried again, then failed"; }
outbox c.db | grep -q "alice failed 2 gave up after 2 attempts: the SMTP server refused the login (email.username.*): 535 " ||
	{ outbox c.db >&2; fail "3: want the server's 535, naming the settings"; }
grep -q "level=error event=smtp.session state=refused verdict=deferred" c.err ||
	fail "3: the refusal logged as an error"
echo "   3 ok: a wrong password defers the message (tried again, then failed) with the server's words"

# ---- 4. smtp-sink: 5xx fails with the server's words; 4xx is retried ----
PH=$(free_port)
start_sink "$PH" -f RCPT -B "550 5.1.1 Recipient address rejected: User unknown"
"$DRIVE" --db d.db --smtp "smtp://127.0.0.1:$PH" --tls none --email alice=alice@example.org \
	--max-wait 5 > d.out 2> d.err || fail "drive (5xx)"
grep -q "sent=0 retried=0 failed=1" d.out || { cat d.out d.err >&2; fail "4: 5xx not failed"; }
outbox d.db | grep -q "alice failed 1 550 5.1.1 Recipient address rejected: User unknown" \
	|| { outbox d.db >&2; fail "4: 5xx words"; }
grep -q "event=deliver.suppressed" d.err || { cat d.err >&2; fail "4: unknown user not suppressed"; }
# A policy refusal (RFC 3463 X.7.X) at RCPT refuses this host, not the address: a blocklisted
# sending IP or relaying denied fails the message, and the address is not suppressed.
PB=$(free_port)
start_sink "$PB" -f RCPT -B "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org"
"$DRIVE" --db d2.db --smtp "smtp://127.0.0.1:$PB" --tls none --email alice=alice@example.org \
	--max-wait 5 > d2.out 2> d2.err || fail "drive (5.7.1)"
grep -q "sent=0 retried=0 failed=1" d2.out || { cat d2.out d2.err >&2; fail "4: 5.7.1 not failed"; }
outbox d2.db | grep -q "alice failed 1 554 5.7.1 Service unavailable" \
	|| { outbox d2.db >&2; fail "4: 5.7.1 words"; }
! grep -q "event=deliver.suppressed" d2.err || { grep suppressed d2.err >&2; fail "4: a policy refusal suppressed the address"; }
# Exim's refusal to relay has no enhanced code: the same, for every recipient of a smarthost set
# up wrong.
PR=$(free_port)
start_sink "$PR" -f RCPT -B "550 relay not permitted"
"$DRIVE" --db d4.db --smtp "smtp://127.0.0.1:$PR" --tls none --email alice=alice@example.org \
	--max-wait 5 > d4.out 2> d4.err || fail "drive (relay)"
grep -q "sent=0 retried=0 failed=1" d4.out || { cat d4.out d4.err >&2; fail "4: relay refusal not failed"; }
! grep -q "event=deliver.suppressed" d4.err || { grep suppressed d4.err >&2; fail "4: a refusal to relay suppressed the address"; }
# A full mailbox is the recipient's for now, not an address that is gone: 552 at RCPT (RFC 5321
# 4.5.3.1.10 says to take it as temporary) and a 5xx whose enhanced code is X.2.2 are retried as
# a 4xx, and the address is not suppressed.
for full in "552 5.2.2 Mailbox full" "550 5.2.2 The email account that you tried to reach is over quota"; do
	PF=$(free_port)
	start_sink "$PF" -f RCPT -B "$full"
	rm -f d3.db
	"$DRIVE" --db d3.db --smtp "smtp://127.0.0.1:$PF" --tls none --email alice=alice@example.org \
		--max-attempts 2 --retry-base 1 --max-wait 20 > d3.out 2> d3.err || fail "drive ($full)"
	grep -q "sent=0 retried=1 failed=1" d3.out || { cat d3.out d3.err >&2; fail "4: '$full' not retried"; }
	outbox d3.db | grep -q "alice failed 2 gave up after 2 attempts: ${full%% *}" \
		|| { outbox d3.db >&2; fail "4: '$full' words"; }
	! grep -q "event=deliver.suppressed" d3.err || { grep suppressed d3.err >&2; fail "4: a full mailbox suppressed the address"; }
done
PT=$(free_port)
start_sink "$PT" -r RCPT
"$DRIVE" --db e.db --smtp "smtp://127.0.0.1:$PT" --tls none --email alice=alice@example.org \
	--max-attempts 3 --retry-base 1 --max-wait 20 > e.out 2> e.err || fail "drive (4xx)"
grep -q "sent=0 retried=2 failed=1" e.out || { cat e.out e.err >&2; fail "4: 4xx not retried"; }
outbox e.db | grep -q "alice failed 3 gave up after 3 attempts: 450 4.3.0" || { outbox e.db >&2; fail "4: 4xx words"; }
echo "   4 ok: smtp-sink 5xx failed with its words, 4xx retried then given up"

# ---- 5. 1,000 subscribers, 10% of transactions refused with 451 ----
$PY "$LIB/smtpd.py" --port-file p2 --save-dir m2 --cert srv.pem --key srv.key \
	--auth digest:s3cret --fail-rate 0.1 --seed 7 --timeout 900 &
pids="$pids $!"
wait_file p2
P2=$(cat p2)
"$DRIVE" --db f.db --smtp "smtp://127.0.0.1:$P2" --ca ca.pem --user digest --pass s3cret \
	--email 1000 --size 3000 --max-total 16 --max-host 8 --retry-base 1 --max-wait 60 \
	--quiet > f.out 2> f.err || { tail f.err >&2; fail "drive (1000)"; }
grep -q "enqueued=1000 .*sent=1000 .*failed=0 expired=0 paused=0 pending=0" f.out \
	|| { cat f.out >&2; tail f.err >&2; fail "5: not all sent"; }
$PY - m2 <<'EOF' || fail "5: received counts"
import json, os, sys, collections
idx = [json.loads(l) for l in open(os.path.join(sys.argv[1], "index.jsonl"))]
ok = collections.Counter(r["rcpt"][0] for r in idx if r["status"] == 250)
refused = sum(1 for r in idx if r["status"] == 451)
want = {"s%05d@test.example" % i for i in range(1000)}
assert set(ok) == want, len(set(ok) ^ want)
assert all(n == 1 for n in ok.values()), [k for k, n in ok.items() if n != 1][:5]
ids = [r["message_id"] for r in idx if r["status"] == 250]
assert len(set(ids)) == 1000
files = [f for f in os.listdir(sys.argv[1]) if f.endswith(".eml")]
assert len(files) == 1000, len(files)
assert refused >= 50, refused
print("   5 ok: 1000 subscribers, one message each, %d refusals retried" % refused)
EOF

# ---- 6. pipelining, refusals at RCPT, a per-connection limit ----
$PY "$LIB/smtpd.py" --port-file p6 --save-dir m6 --cert srv.pem --key srv.key \
	--auth digest:s3cret --fail-rate 0.1 --seed 11 --pipelining --max-per-conn 7 \
	--reject s00013@test.example --reject s00100@test.example --reject s00299@test.example \
	--timeout 900 &
pids="$pids $!"
wait_file p6
P6=$(cat p6)
"$DRIVE" --db g.db --smtp "smtp://127.0.0.1:$P6" --ca ca.pem --user digest --pass s3cret \
	--email 300 --size 3000 --max-total 8 --max-host 4 --retry-base 1 --max-wait 60 \
	> g.out 2> g.err || { tail g.err >&2; fail "drive (pipelining)"; }
grep -q "enqueued=300 .*sent=297 .*failed=3 expired=0 paused=0 pending=0" g.out \
	|| { cat g.out >&2; tail g.err >&2; fail "6: want 297 sent, 3 failed"; }
grep -q "event=smtp.session state=ready pipelining=1" g.err \
	|| { grep smtp.session g.err >&2; fail "6: not pipelined"; }
outbox g.db > g.rows
for a in s00013 s00100 s00299; do
	grep -q "^$a failed 1 550 5.1.1 <$a@test.example>: Recipient address rejected" g.rows \
		|| { grep "$a" g.rows >&2; fail "6: $a refusal words"; }
done
$PY - m6 <<'EOF' || fail "6: received counts"
import json, os, sys, collections
idx = [json.loads(l) for l in open(os.path.join(sys.argv[1], "index.jsonl"))]
ok = collections.Counter(r["rcpt"][0] for r in idx if r["status"] == 250)
refused = sum(1 for r in idx if r["status"] == 451)
want = {"s%05d@test.example" % i for i in range(300)} - {
    "s00013@test.example", "s00100@test.example", "s00299@test.example"}
assert set(ok) == want, sorted(set(ok) ^ want)[:5]
assert all(n == 1 for n in ok.values()), [k for k, n in ok.items() if n != 1][:5]
per_conn = collections.Counter(r["conn"] for r in idx if r["status"] == 250)
assert max(per_conn.values()) <= 7, max(per_conn.values())
assert len(per_conn) >= 297 // 7, len(per_conn)
assert refused >= 10, refused
print("   6 ok: pipelined, %d sessions, %d refusals retried, RCPT refusals failed with their words"
      % (len(per_conn), refused))
EOF
# ---- 7. connections dropped after the message's end ----
$PY "$LIB/smtpd.py" --port-file p7 --save-dir m7 --cert srv.pem --key srv.key \
	--auth digest:s3cret --pipelining --drop-rate 0.05 --seed 5 --timeout 900 &
pids="$pids $!"
wait_file p7
P7=$(cat p7)
"$DRIVE" --db h7.db --smtp "smtp://127.0.0.1:$P7" --ca ca.pem --user digest --pass s3cret \
	--email 200 --size 3000 --max-total 8 --max-host 4 --retry-base 1 --max-wait 60 \
	--quiet > h7.out 2> h7.err || { tail h7.err >&2; fail "drive (drops)"; }
grep -q "enqueued=200 .*sent=200 .*failed=0 expired=0 paused=0 pending=0" h7.out \
	|| { cat h7.out >&2; tail h7.err >&2; fail "7: not all sent"; }
$PY - m7 <<'EOF' || fail "7: received counts"
import json, os, sys, collections
idx = [json.loads(l) for l in open(os.path.join(sys.argv[1], "index.jsonl"))]
ok = collections.Counter(r["rcpt"][0] for r in idx if r["status"] == 250)
dropped = sum(1 for r in idx if r["status"] == 0)
assert set(ok) == {"s%05d@test.example" % i for i in range(200)}, len(ok)
assert all(n == 1 for n in ok.values()), [k for k, n in ok.items() if n != 1][:5]
assert dropped >= 3, dropped
print("   7 ok: %d connections dropped after DATA, every subscriber once" % dropped)
EOF
# ---- 8. internationalised addresses ----
U="j\303\266rg@m\303\274ller.example"
UA=$(printf "$U")
UB=$(printf "ann@b\303\274cher.example")
$PY "$LIB/smtpd.py" --port-file p8 --save-dir m8 --cert srv.pem --key srv.key \
	--auth digest:s3cret --pipelining --smtputf8 --timeout 900 &
pids="$pids $!"
wait_file p8
P8=$(cat p8)
"$DRIVE" --db u.db --smtp "smtp://127.0.0.1:$P8" --ca ca.pem --user digest --pass s3cret \
	--email "jorg=$UA" --email "ann=$UB" --email plain=plain@example.org --max-wait 5 \
	> u.out 2> u.err || { tail u.err >&2; fail "drive (SMTPUTF8)"; }
grep -q "sent=3 retried=0 failed=0" u.out || { cat u.out u.err >&2; fail "8: not sent"; }
$PY - m8 "$UA" "$UB" <<'EOF' || fail "8: what the peer received"
import json, os, sys
d, addrs = sys.argv[1], sys.argv[2:]
idx = [json.loads(l) for l in open(os.path.join(d, "index.jsonl"))]
got = {r["rcpt"][0]: r for r in idx if r["status"] == 250}
assert set(got) == set(addrs) | {"plain@example.org"}, got.keys()
for addr in addrs:
    assert "SMTPUTF8" in got[addr]["mail_options"], got[addr]["mail_options"]
    raw = open(os.path.join(d, got[addr]["file"]), "rb").read()
    assert b"\r\nTo: " + addr.encode() + b"\r\n" in raw
assert "SMTPUTF8" not in got["plain@example.org"]["mail_options"]
print("   8 ok: SMTPUTF8 used for the internationalised addresses only, as they are")
EOF
PU=$(free_port)
start_sink "$PU"
"$DRIVE" --db v.db --smtp "smtp://127.0.0.1:$PU" --tls none --email "jorg=$UA" \
	--email plain=plain@example.org --max-wait 5 > v.out 2> v.err || fail "drive (no SMTPUTF8)"
grep -q "sent=1 retried=0 failed=1" v.out || { cat v.out v.err >&2; fail "8b: want 1 sent, 1 failed"; }
outbox v.db > v.rows
grep -q "^jorg failed 1 subscriber jorg: address <$UA>: the SMTP server does not offer SMTPUTF8, and its local part (before the @) is not ASCII" v.rows ||
	{ cat v.rows >&2; fail "8b: reason"; }
echo "   8b ok: no SMTPUTF8 at the peer: a local part not in ASCII fails for good, saying why"
$PY "$LIB/smtpd.py" --port-file p8c --save-dir m8c --pipelining --timeout 900 &
pids="$pids $!"
wait_file p8c
P8C=$(cat p8c)
"$DRIVE" --db x.db --smtp "smtp://127.0.0.1:$P8C" --tls none \
	--from "$(printf 'B\303\274cherei <news@B\303\274cher.example>')" --email "ann=$UB" \
	--email "jorg=$UA" --email plain=plain@example.org --max-wait 5 > x.out 2> x.err ||
	{ tail x.err >&2; fail "drive (A-labels)"; }
grep -q "sent=2 retried=0 failed=1" x.out || { cat x.out x.err >&2; fail "8c: want 2 sent, 1 failed"; }
outbox x.db > x.rows
grep -q "^jorg failed 1 subscriber jorg: address <$UA>: the SMTP server does not offer SMTPUTF8" x.rows ||
	{ cat x.rows >&2; fail "8c: reason"; }
$PY - m8c <<'EOF' || fail "8c: what the peer received"
import email, email.policy, json, os, sys
d = sys.argv[1]
idx = [json.loads(l) for l in open(os.path.join(d, "index.jsonl"))]
got = {r["rcpt"][0]: r for r in idx if r["status"] == 250}
assert set(got) == {"ann@xn--bcher-kva.example", "plain@example.org"}, got.keys()
for rcpt, r in got.items():
    assert r["from"] == "news@xn--bcher-kva.example", r["from"]
    assert "SMTPUTF8" not in r["mail_options"], r["mail_options"]
    raw = open(os.path.join(d, r["file"]), "rb").read()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(head) < 0x80, head
    m = email.message_from_bytes(raw, policy=email.policy.default)
    assert m["To"] == rcpt, m["To"]
    assert m["From"].addresses[0].addr_spec == "news@xn--bcher-kva.example", m["From"]
    assert m["Message-ID"].endswith("@xn--bcher-kva.example>"), m["Message-ID"]
print("   8c ok: no SMTPUTF8: the domains go in A-labels, envelope and headers alike")
EOF
# ---- 9. no PIPELINING: lock-step, RSET on its own ----
$PY "$LIB/smtpd.py" --port-file p9 --save-dir m9 --strict-sync --fail-rate 0.2 --seed 9 \
	--reject s00003@test.example --reject s00011@test.example --timeout 900 &
pids="$pids $!"
wait_file p9
P9=$(cat p9)
"$DRIVE" --db w.db --smtp "smtp://127.0.0.1:$P9" --tls none --email 30 --size 2000 \
	--max-total 1 --max-host 1 --retry-base 1 --max-wait 60 > w.out 2> w.err \
	|| { tail w.err >&2; fail "drive (lock-step)"; }
grep -q "enqueued=30 .*sent=28 .*failed=2 expired=0 paused=0 pending=0" w.out \
	|| { cat w.out >&2; tail w.err >&2; fail "9: want 28 sent, 2 failed"; }
grep -q "event=smtp.session state=ready pipelining=0" w.err || fail "9: the peer offered PIPELINING"
! grep -q "closed the connection" w.err || { grep "closed the connection" w.err >&2; fail "9: a session was dropped"; }
$PY - m9 <<'EOF' || fail "9: what the peer saw"
import json, os, sys, collections
idx = [json.loads(l) for l in open(os.path.join(sys.argv[1], "index.jsonl"))]
sync = [r for r in idx if "sync" in r]
assert not sync, sync[:3]
ok = collections.Counter(r["rcpt"][0] for r in idx if r["status"] == 250)
assert len(ok) == 28 and all(n == 1 for n in ok.values()), ok
assert sum(1 for r in idx if r["status"] == 451) >= 3
print("   9 ok: lock-step without PIPELINING, RSET alone, no synchronization error")
EOF
exit 0
