#!/bin/sh
# `paperboy run` prunes as the daemon does and the space comes back: a run for 150 subscribers
# (file sink) fills the outbox; its rows are then made older than retention_days; the next run
# (the day already done, so nothing new is enqueued) prunes them, deletes the chunks no
# message uses any more and returns the freed pages: the database file shrinks by at least
# the size the outbox's bodies took, and no free page is left behind. A database of the old
# layout (auto_vacuum off) is switched once, at open.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
N=150
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
T=$(mktemp -d /tmp/pb-82.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "82-prune-space: $*" >&2; exit 1; }
DB="$T/state/paperboy.db"
{
  echo "state_dir = \"$T/state\";"
  echo 'arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; };'
  echo "file = { dir = \"$T/out\"; };"
  echo "subscribers = ("
  i=0
  while [ $i -lt $N ]; do
    sep=","; [ $i = $((N - 1)) ] && sep=""
    case $((i % 3)) in
      0) q='cat:cs.CV' ;;
      1) q='ti:learning' ;;
      *) q='abs:robot*' ;;
    esac
    echo "  { name = \"s$i\"; max_papers = 10; topics = ( { name = \"t\"; query = \"$q\"; } ); }$sep"
    i=$((i + 1))
  done
  echo ");"
} >"$T/pb.conf"
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
size() { sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null; wc -c <"$DB"; }

pb run --feed "$BIG" >/dev/null 2>"$T/run1.err" || fail "first run failed: $(tail -3 "$T/run1.err")"
[ "$(sqlite3 "$DB" "PRAGMA auto_vacuum;")" = 2 ] || fail "auto_vacuum is not INCREMENTAL"
msgs=$(sqlite3 "$DB" "select count(*) from outbox where status = 1;")
[ "$msgs" -ge $N ] || fail "only $msgs messages sent"
body=$(sqlite3 "$DB" "select (select coalesce(sum(length(data) + 8), 0) from chunks) +
  (select coalesce(sum(length(chunks) + length(sha256)), 0) from outbox_body);")
[ "$body" -gt 0 ] || fail "no bodies stored"

# Older than retention_days (90): every settled row of the first run.
sqlite3 "$DB" "UPDATE outbox SET created = 1000; UPDATE ledger SET added = 1000;" ||
  fail "could not age the rows"
before=$(size)
pb run --feed "$BIG" >/dev/null 2>"$T/run2.err" || fail "second run failed: $(tail -3 "$T/run2.err")"
grep -q 'event=state.pruned' "$T/run2.err" || fail "run did not prune: $(cat "$T/run2.err")"
after=$(size)
left=$(sqlite3 "$DB" "select count(*) from outbox;")
[ "$left" = 0 ] || fail "$left outbox rows survived the prune"
[ "$(sqlite3 "$DB" "select count(*) from chunks;")" = 0 ] || fail "chunks survived their messages"
[ "$(sqlite3 "$DB" "select count(*) from outbox_body;")" = 0 ] || fail "bodies survived"
[ "$(sqlite3 "$DB" "PRAGMA freelist_count;")" = 0 ] || fail "free pages were kept in the file"
echo "   $msgs messages, bodies $body bytes; file $before -> $after bytes"
[ $((before - after)) -ge "$body" ] || fail "the file shrank by $((before - after)) bytes, less than the $body bytes of the bodies"
[ "$(sqlite3 "$DB" "PRAGMA integrity_check;")" = ok ] || fail "integrity_check"

# A file of the old layout (auto_vacuum off) is switched at the next open.
sqlite3 "$DB" "PRAGMA auto_vacuum = NONE; VACUUM;"
[ "$(sqlite3 "$DB" "PRAGMA auto_vacuum;")" = 0 ] || fail "could not switch auto_vacuum off for the test"
pb run --feed "$BIG" >/dev/null 2>"$T/run3.err" || fail "third run failed: $(tail -3 "$T/run3.err")"
grep -q 'event=state.vacuumed' "$T/run3.err" || fail "no state.vacuumed at open: $(cat "$T/run3.err")"
[ "$(sqlite3 "$DB" "PRAGMA auto_vacuum;")" = 2 ] || fail "auto_vacuum was not switched back"
