#!/bin/sh
# A subscriber whose block the administrator deleted from the file, with a digest still pending
# (a retry after a 451), end to end with `paperboy run` against tests/lib/smtpd.py:
#  1. The first run mails ana; bo's and cy's first transactions are refused with 451, and wait
#     for a retry.
#  2. bo's and cy's blocks are deleted. The next run sends them nothing (no transaction for
#     either), holds their digests (one deliver.held line each), and says so in its report
#     and in `status`; `retry` and another run change nothing.
#  3. bo's block is back: the next run mails bo's digest.
#  4. cy's held digest, once older than the delivery lifetime, expires as any other: never sent.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-removed.XXXXXX)
SMTP=
cleanup() {
  [ -n "$SMTP" ] && { kill "$SMTP" 2>/dev/null; wait "$SMTP" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "63-subscriber-removed: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "63-subscriber-removed: $*" >&2; exit 1; }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
[ -f "$FEED" ] || die "missing fixture $FEED"

mkdir -p "$T/mail"
$PY "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" --timeout 300 \
  --fail-first bo@example.org --fail-first cy@example.org 2>"$T/smtpd.err" &
SMTP=$!
i=0
while [ ! -s "$T/smtp.port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/smtpd.err" >&2; die "the SMTP peer did not start within 10 s"; }
  kill -0 "$SMTP" 2>/dev/null || { cat "$T/smtpd.err" >&2; die "the SMTP peer exited"; }
  sleep 0.1
done
SP=$(cat "$T/smtp.port")

# $1: the subscribers' blocks, as they stand
conf() {
  cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
file = { enabled = false; };
delivery = { retry_base_s = 2; };
email = { smtp_url = "smtp://127.0.0.1:$SP"; tls = "none";
          from = "arXiv digest <digest@example.org>"; };
subscribers = (
  { name = "ana"; email = ["ana@example.org"]; max_papers = 3;
    topics = ( { name = "3D"; query = "ti:3D"; } ); }$1 );
CONF
}
BO=',
  { name = "bo"; email = ["bo@example.org"]; max_papers = 3;
    topics = ( { name = "3D"; query = "ti:3D"; } ); }'
CY=',
  { name = "cy"; email = ["cy@example.org"]; max_papers = 3;
    topics = ( { name = "3D"; query = "ti:3D"; } ); }'
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
# transactions in the peer's index for $1 with SMTP status $2
tx() { grep "\"$1\"" "$T/mail/index.jsonl" 2>/dev/null | grep -c "\"status\": $2"; }

# ---- 1. ana mailed, bo and cy refused for now ----
conf "$BO$CY"
pb run --feed "$FEED" --wait 0 >"$T/run1.out" 2>"$T/run1.log" || { cat "$T/run1.log" >&2; die "run 1 failed"; }
[ "$(tx ana@example.org 250)" = 1 ] || fail "1: ana not mailed once"
[ "$(tx bo@example.org 451)" = 1 ] && [ "$(tx cy@example.org 451)" = 1 ] ||
  fail "1: bo's and cy's first transactions were not refused: $(cat "$T/mail/index.jsonl")"
grep -q 'sent 1, failed 0, pending 2$' "$T/run1.out" || fail "1: report: $(cat "$T/run1.out")"

# ---- 2. bo and cy removed: held, not sent ----
conf ""
sleep 3   # their retries are due
pb run --feed "$FEED" --wait 0 >"$T/run2.out" 2>"$T/run2.log" || { cat "$T/run2.log" >&2; fail "run 2 failed"; }
[ "$(tx bo@example.org 250)" = 0 ] || fail "2: bo, removed, was mailed"
[ "$(tx cy@example.org 250)" = 0 ] || fail "2: cy, removed, was mailed"
for s in bo cy; do
  [ "$(grep -c "event=deliver.held subscriber=$s messages=1 reason=\"not in the configuration\"" "$T/run2.log")" = 1 ] ||
    fail "2: no one deliver.held line for $s: $(grep deliver "$T/run2.log")"
done
grep -q 'pending 2 (2 held: subscriber not in the configuration)$' "$T/run2.out" ||
  fail "2: report: $(cat "$T/run2.out")"
n=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0 and attempts = 1 and subscriber in ('bo', 'cy');")
[ "$n" = 2 ] || fail "2: bo's and cy's digests are not pending with their one attempt ($n)"
pb status >"$T/status.out" 2>&1 || fail "2: status failed"
grep -q '^  of the pending, 2 held: subscriber not in the configuration' "$T/status.out" ||
  fail "2: status does not count the held: $(cat "$T/status.out")"
pb retry >"$T/retry.out" 2>&1 || fail "2: retry failed"
grep -q '^requeued 0 messages$' "$T/retry.out" || fail "2: retry: $(cat "$T/retry.out")"
start=$(date +%s)
pb run --feed "$FEED" --wait 30 >"$T/run2b.out" 2>"$T/run2b.log" || fail "run 2b failed"
[ $(($(date +%s) - start)) -lt 20 ] || fail "2: a run waited for the held messages"
[ "$(tx bo@example.org 250)" = 0 ] && [ "$(tx cy@example.org 250)" = 0 ] ||
  fail "2: a removed subscriber was mailed by a later run"

# ---- 3. bo back: mailed at once ----
conf "$BO"
pb run --feed "$FEED" --wait 0 >"$T/run3.out" 2>"$T/run3.log" || { cat "$T/run3.log" >&2; fail "run 3 failed"; }
[ "$(tx bo@example.org 250)" = 1 ] || fail "3: bo, back, was not mailed: $(grep deliver "$T/run3.log")"
[ "$(tx cy@example.org 250)" = 0 ] || fail "3: cy, still removed, was mailed"
grep -q 'event=deliver.released subscriber=bo messages=1' "$T/run3.log" || fail "3: no deliver.released for bo"
grep -q 'sent 1, failed 0, pending 1 (1 held: subscriber not in the configuration)$' "$T/run3.out" ||
  fail "3: report: $(cat "$T/run3.out")"

# ---- 4. cy's digest past the delivery lifetime: expired, never sent ----
sqlite3 "$T/state/paperboy.db" "update outbox set created = created - 2 * 86400, next_attempt = 0 where subscriber = 'cy';" ||
  die "cannot age cy's digest"
pb run --feed "$FEED" --wait 0 >"$T/run4.out" 2>"$T/run4.log"
rc=$?
[ $rc = 0 ] || [ $rc = 69 ] || fail "4: run exited $rc"
[ "$(tx cy@example.org 250)" = 0 ] || fail "4: cy was mailed"
grep -q 'event=deliver.attempt subscriber=cy .*status=expired' "$T/run4.log" ||
  fail "4: cy's digest did not expire: $(grep deliver "$T/run4.log")"
[ "$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 0;")" = 0 ] ||
  fail "4: messages still pending"

[ $fails = 0 ] || exit 1
echo "63-subscriber-removed: all checks passed"
