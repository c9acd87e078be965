#!/bin/sh
# make bench ONLY=history: the whole `paperboy run` on the first day of a state and on a day
# when the state holds a season of history, beside Postfix's smtp-source sending as many
# messages of the same mean size. PB_BENCH_HISTORY_SUBSCRIBERS (20000) subscribers, the
# 1,504-item announcement from the local arXiv stand-in, 3 topics and at most 10 papers each,
# one email address each to Postfix's smtp-sink with 8 sessions (bench_scale.sh's set-up).
#
# The history: one run's outbox and ledger (its digests, sent, their bodies, the ledger's rows)
# moved to the day before the announcement, then copied to each of the 89 days before that
# (sent emails without bodies, and ledger rows whose papers are other days' ids), each dated
# and stamped on its own day; retention_days puts the cutoff at the oldest of them, so the
# run's prune deletes one day's rows as it does every day in use. A: a fresh state; B: a copy
# of the state with history; C: smtp-source. Alternating A B C A B C A B C; each figure is the
# median of three. What grows with history shows as the difference between A and B: the
# ledger's filter (match_ms), the outbox's lookups (build_ms), the prune (prune_ms, after the
# run's end, in the wall time; it deletes the oldest day's messages and ledger rows).
set -eu
. "$(dirname "$0")/lib_sinks.sh"
bench_init bench_history
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
TESTS="$(cd "$(dirname "$0")/../tests" && pwd)"
N=${PB_BENCH_HISTORY_SUBSCRIBERS:-20000}
DAYS=90
REPS=3
SESSIONS=8
FEED=rss2-all-archives-2024-11-28-1504items.xml
command -v sqlite3 >/dev/null || fail "needs the sqlite3 shell"
start_sinks

D="$T/n$N"
mkdir -p "$D"
$PY "$TESTS/lib/gen_config.py" --dir "$D" --subscribers "$N" --smtp-port "$SMTP_PORT" \
  --chat-port 9 --topics 3 --max-papers 10 --email-only --max-total "$SESSIONS" \
  --rss-url "http://127.0.0.1:$AP/rss" --api-url "http://127.0.0.1:$AP/api/query"
CONF="$D/paperboy.conf"
DB="$D/state/paperboy.db"
PB_CMD="$PAPERBOY -c $CONF run --wait 600"

# One run on a fresh state: the day's date, the mean message size, and the rows to copy.
# shellcheck disable=SC2086
$PB_CMD >"$D/out" 2>"$D/log" || { tail -5 "$D/log"; fail "the first run failed"; }
DATE=$(sqlite3 "$DB" "SELECT max(digest_date) FROM outbox")
SIZE=$(sqlite3 "$DB" "SELECT avg(size) FROM outbox_body" | awk '{printf "%d", $1}')
[ -n "$DATE" ] && [ "${SIZE:-0}" -gt 0 ] || fail "the first run enqueued nothing"
# Each day's rows are stamped at S seconds into the day, half a day from this time of day, and
# retention_days puts the cutoff half a day after the oldest day's stamp: the prune deletes that
# day's rows alone, wherever in the day the bench runs.
set -- $($PY -c "
import calendar, datetime as d, time
now = time.time()
s = (int(now) % 86400 + 43200) % 86400
oldest = calendar.timegm(d.date.fromisoformat('$DATE').timetuple()) - $DAYS * 86400 + s
print(s, int((now - oldest) // 86400))")
S=$1; RET=$2
echo "retention_days = $RET;" >>"$CONF"

# The history, by the sqlite3 shell on the state paperboy wrote (its own schema).
sqlite3 "$DB" >/dev/null <<EOSQL || fail "making the history failed"
PRAGMA foreign_keys = OFF;
BEGIN;
UPDATE outbox SET digest_date = date('$DATE', '-1 day'),
  msg_id = date('$DATE', '-1 day') || substr(msg_id, 11),
  created = CAST(strftime('%s', '$DATE', '-1 day') AS INTEGER) + $S,
  sent_at = CAST(strftime('%s', '$DATE', '-1 day') AS INTEGER) + $S + 60,
  updated = CAST(strftime('%s', '$DATE', '-1 day') AS INTEGER) + $S + 60;
UPDATE runs SET digest_date = date('$DATE', '-1 day'),
  started = CAST(strftime('%s', '$DATE', '-1 day') AS INTEGER) + $S,
  finished = CAST(strftime('%s', '$DATE', '-1 day') AS INTEGER) + $S + 60;
UPDATE ledger SET digest_date = date('$DATE', '-1 day'),
  added = CAST(strftime('%s', '$DATE', '-1 day') AS INTEGER) + $S,
  papers = 'h' || replace(papers, ' ', ' h');
WITH RECURSIVE k(n) AS (SELECT 2 UNION ALL SELECT n + 1 FROM k WHERE n < $DAYS)
INSERT INTO outbox(msg_id, subscriber, channel, dest, digest_date, part, n_parts, status,
  attempts, next_attempt, created, sent_at, updated)
SELECT date('$DATE', '-' || k.n || ' days') || substr(o.msg_id, 11), o.subscriber, o.channel,
  o.dest, date('$DATE', '-' || k.n || ' days'), o.part, o.n_parts, 1, 1, 0,
  CAST(strftime('%s', '$DATE', '-' || k.n || ' days') AS INTEGER) + $S,
  CAST(strftime('%s', '$DATE', '-' || k.n || ' days') AS INTEGER) + $S + 60,
  CAST(strftime('%s', '$DATE', '-' || k.n || ' days') AS INTEGER) + $S + 60
FROM outbox o, k;
WITH RECURSIVE k(n) AS (SELECT 2 UNION ALL SELECT n + 1 FROM k WHERE n < $DAYS)
INSERT INTO ledger(subscriber, digest_date, added, papers)
SELECT l.subscriber, date('$DATE', '-' || k.n || ' days'),
  CAST(strftime('%s', '$DATE', '-' || k.n || ' days') AS INTEGER) + $S,
  replace(l.papers, 'h', 'h' || k.n || '.')
FROM ledger l, k;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
EOSQL
rm -f "$D/state/paperboy.db-wal" "$D/state/paperboy.db-shm"
mv "$D/state" "$D/history"
ROWS=$(sqlite3 "$D/history/paperboy.db" "SELECT (SELECT count(*) FROM outbox) || ' outbox rows, ' || (SELECT count(*) FROM ledger) || ' ledger rows'")
HSIZE=$(du -sk "$D/history" | awk '{print $1}')

SRC_CMD="/usr/sbin/smtp-source -s $SESSIONS -m $N -l $SIZE 127.0.0.1:$SMTP_PORT"
# A reader added and removed on each state (what `subscriber add`, `subscriber remove` and a
# web sign-up's confirmation do to the state: a name's former messages, ledger, verdicts and
# suppressions cleared, holding the write lock). On the fresh state, after a run (A), and on
# the state with history (B): flat when each clearing reads the name's rows alone.
ADD_CMD="$PAPERBOY -c $CONF subscriber add newcomer --email newcomer@example.org --topic t=ti:x"
DEL_CMD="$PAPERBOY -c $CONF subscriber remove newcomer"
edit_pair() {  # $1: A or B; the state in $D/state
  t0=$(now)
  $ADD_CMD >"$D/edit.out" 2>&1 || { cat "$D/edit.out"; fail "subscriber add on $1 failed"; }
  t1=$(now)
  $DEL_CMD >"$D/edit.out" 2>&1 || { cat "$D/edit.out"; fail "subscriber remove on $1 failed"; }
  t2=$(now)
  echo "E$1 $(echo "$t0 $t1 $t2" | awk '{printf "%.3f %.3f", $2 - $1, $3 - $2}')" >>"$T/runs"
}
for r in $(seq 1 $REPS); do
  for v in A B; do
    rm -rf "$D/state"
    [ $v = B ] && cp -a "$D/history" "$D/state"
    sync
    t0=$(now)
    # shellcheck disable=SC2086
    $PB_CMD >"$D/out" 2>"$D/log" || { tail -5 "$D/log"; fail "run $v failed"; }
    t1=$(now)
    line=$(grep 'event=run.done' "$D/log" | tail -1)
    get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    [ "$(get sent)" = "$N" ] || fail "run $v sent $(get sent) of $N"
    prune=$(grep 'event=state.pruned' "$D/log" | tail -1 | tr ' ' '\n' | sed -n 's/^ms=//p')
    rows=$(grep 'event=state.pruned' "$D/log" | tail -1 | tr ' ' '\n' | sed -n 's/^rows=//p')
    echo "$v $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}') $(get match_ms) $(get build_ms) $(get deliver_ms) ${prune:-0} ${rows:-0}" >>"$T/runs"
    edit_pair $v
  done
  t0=$(now)
  # shellcheck disable=SC2086
  $SRC_CMD >"$D/src.out" 2>&1 || { cat "$D/src.out"; fail "smtp-source failed"; }
  t1=$(now)
  echo "C $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')" >>"$T/runs"
done

col() { awk -v v="$1" -v c="$2" '$1 == v { printf "%s ", $c }' "$T/runs"; }
med() { col "$1" "$2" | median; }
echo "subscribers $N, $DAYS days of history ($ROWS; ${HSIZE} KB), mean message size $SIZE bytes"
echo "median of $REPS alternating runs (A B C A B C ...)"
echo "  A: $PB_CMD   (fresh state)"
echo "  B: $PB_CMD   (the state with history; retention_days = $RET)"
echo "  C: $SRC_CMD"
printf '  %-10s %10s %10s %10s\n' "" "A fresh" "B history" "C smtp-source"
printf '  %-10s %10s %10s %10s   (runs A:%s B:%s C:%s)\n' "wall s" "$(med A 2)" "$(med B 2)" "$(med C 2)" \
  "$(col A 2)" "$(col B 2)" "$(col C 2)"
printf '  %-10s %10s %10s\n' "match_ms" "$(med A 3)" "$(med B 3)"
printf '  %-10s %10s %10s\n' "build_ms" "$(med A 4)" "$(med B 4)"
printf '  %-10s %10s %10s\n' "deliver_ms" "$(med A 5)" "$(med B 5)"
printf '  %-10s %10s %10s   (rows pruned: A %s, B %s)\n' "prune_ms" "$(med A 6)" "$(med B 6)" \
  "$(col A 7 | awk '{print $1}')" "$(col B 7 | awk '{print $1}')"
echo "a reader added, then removed, after each run (median of $REPS, seconds):"
echo "  add:    $ADD_CMD"
echo "  remove: $DEL_CMD"
printf '  %-10s %10s %10s   (runs A:%s B:%s)\n' "add s" "$(med EA 2)" "$(med EB 2)" "$(col EA 2)" "$(col EB 2)"
printf '  %-10s %10s %10s   (runs A:%s B:%s)\n' "remove s" "$(med EA 3)" "$(med EB 3)" "$(col EA 3)" "$(col EB 3)"
