#!/bin/sh
# A machine killed with SIGKILL in the middle of its delivery: the other machine sharing the
# state sends what the dead one had claimed once its lease (5 s here) has run out. Checks:
# every digest delivered; a digest twice at most once per SMTP session the dead machine had
# open (what the server took before the machine could record it); the survivor waited for
# the lease rather than taking live claims; status shows the dead machine holding nothing.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
N=${PB_MULTI_SUBSCRIBERS:-120}
SESSIONS=2
T=$(mktemp -d /tmp/pb-multi-kill.XXXXXX) || exit 1
SRV= SMTP= A= B= PGDIR=
MULTI_NAME=88-machines-kill
. "$PB_TESTS/lib/multi_frame.sh"

. "$PB_TESTS/lib/multi.sh"
MULTI_LEASE=5
MULTI_SESSIONS=$SESSIONS

/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" \
  --log "$T/requests.json" --fixtures "$PB_FIXTURES" 2>"$T/arxiv.err" &
SRV=$!
mkdir -p "$T/mail"
/usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
  --slow-after-data 0.05 --timeout 300 2>"$T/smtpd.err" &
SMTP=$!
wait_file "$T/arxiv.port" 30
wait_file "$T/smtp.port" 30

multi_state "$T" || die "no shared state"
echo "   backend=$MULTI_BACKEND subscribers=$N"
multi_conf "$T" alpha "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" "$N" >"$T/a.conf"
multi_conf "$T" beta "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" "$N" >"$T/b.conf"

# alpha fetches, builds, and starts delivering; killed once the server has 15 messages.
"$PAPERBOY" -c "$T/a.conf" run >"$T/a.out" 2>"$T/a.log" &
A=$!
i=0
while [ "$(cat "$T/mail/index.jsonl" 2>/dev/null | grep -c '"status": 250')" -lt 15 ]; do
  i=$((i + 1)); [ $i -le 600 ] || die "alpha did not start delivering within 60 s"
  kill -0 "$A" 2>/dev/null || die "alpha ended before it was killed"
  sleep 0.1
done
kill -9 "$A"
wait "$A" 2>/dev/null
A=
killed_at=$(date +%s)
before=$(grep -c 'event=deliver.attempt.*status=sent' "$T/a.log")
echo "   alpha killed after recording $before sent"

# beta: the rest at once, alpha's claims after its lease.
"$PAPERBOY" -c "$T/b.conf" run >"$T/b.out" 2>"$T/b.log" &
B=$!
wait_exit "$B" 120 || die "beta did not finish within 120 s"
B=
[ "$rc" -eq 0 ] || die "beta: exit $rc"
took=$(( $(date +%s) - killed_at ))
[ "$took" -ge 4 ] || die "beta finished $took s after the kill: it did not wait for alpha's lease"
grep -q 'event=fetch.shared' "$T/b.log" || die "beta did not read the papers from the state"
n=$(grep -c '"/rss' "$T/requests.json")
[ "$n" -eq 1 ] || die "arXiv was asked for the listing $n times, want once"

/usr/bin/python3 - "$T/mail/index.jsonl" "$N" "$SESSIONS" <<'PY' || die "deliveries are wrong"
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = [r for r in rows if str(r.get("status", "")).startswith("250")]
ids = collections.Counter(r.get("message_id") for r in ok)
extra = sum(v - 1 for v in ids.values())
print("   %d digests, %d extra" % (len(ids), extra))
if len(ids) != int(sys.argv[2]):
    sys.exit("%d digests delivered, want %s" % (len(ids), sys.argv[2]))
if extra > int(sys.argv[3]) or any(v > 2 for v in ids.values()):
    sys.exit("%d extra deliveries, want at most one per session (%s)" % (extra, sys.argv[3]))
PY
"$PAPERBOY" -c "$T/b.conf" status >"$T/status.out" 2>"$T/status.err" || die "status failed"
grep -Eq "^  alpha +  heartbeat .* claims 0 messages, 0 fetches" "$T/status.out" ||
  die "status: alpha still holds claims: $(cat "$T/status.out")"
grep -Eq "^  beta +\* heartbeat .* claims 0 messages" "$T/status.out" ||
  die "status: no beta: $(cat "$T/status.out")"
echo "88-machines-kill: ok"
