#!/bin/sh
# The build stage puts many digests in one transaction (a batch of up to 256, each digest under
# a savepoint of its own; one batch or a few here, as its 0.2 s at most fall). With 150
# subscribers and the outbox refusing two of them (the first, and one in the middle, made with
# a real SQLite trigger):
#  1. the run fails (exit 74) naming both, and every other subscriber's messages are in the
#     outbox and delivered (the file sink), the run's counts saying 148 digests;
#  2. the refused two have nothing in the outbox, and the next run (fault gone) builds exactly
#     those two, enqueueing nothing twice;
#  3. the digests are the same bytes whatever the batch: a second state built by `--only` one
#     subscriber at a time gives the same files.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
T=$(mktemp -d /tmp/pb-batch.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fail() { echo "45-build-batch: $*" >&2; exit 1; }
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
EMPTY="$PB_FIXTURES/rss2-empty-feed-test-archive.xml"
q() { sqlite3 "$1" "$2"; }
run_pb() {
  conf=$1; shift
  set +e
  "$PAPERBOY" -c "$conf" "$@" >"$T/out.txt" 2>"$T/err.txt"
  rc=$?
  set -e
}

# conf DIR: 150 subscribers of the file sink, topics in turn
conf() {
  {
    echo "state_dir = \"$1/state\";"
    echo 'arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; };'
    echo "file = { dir = \"$1/out\"; };"
    echo "subscribers = ("
    i=0
    while [ $i -lt 150 ]; do
      case $((i % 3)) in
        0) qy='cat:cs.CV' ;; 1) qy='ti:learning' ;; *) qy='abs:robot*' ;;
      esac
      sep=","; [ $i = 149 ] && sep=""
      printf '  { name = "s%03d"; max_papers = %d; topics = ( { name = "T%d"; query = "%s"; } ); }%s\n' \
        "$i" $((i % 5 + 2)) $((i % 3)) "$qy" "$sep"
      i=$((i + 1))
    done
    echo ");"
  } >"$1/pb.conf"
}

D="$T/a"
mkdir -p "$D"
conf "$D"
DB="$D/state/paperboy.db"
run_pb "$D/pb.conf" run --feed "$EMPTY" --date 2024-12-02
[ $rc = 0 ] || fail "the first run exited $rc: $(tail -3 "$T/err.txt")"
q "$DB" "CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN NEW.subscriber IN ('s000', 's100')
         BEGIN SELECT RAISE(ABORT, 'injected: no room'); END;"

# 1. the others are enqueued and delivered
run_pb "$D/pb.conf" run --feed "$BIG"
[ $rc = 74 ] || fail "1: a run that could not enqueue two digests exited $rc, want 74"
grep -q "s000" "$T/err.txt" && grep -q "s100" "$T/err.txt" || fail "1: the error does not name s000 and s100"
subs=$(q "$DB" "SELECT count(DISTINCT subscriber) FROM outbox WHERE digest_date = '2024-11-28'")
[ "$subs" = 148 ] || fail "1: $subs subscribers have messages, want 148"
n=$(ls "$D/out/2024-11-28" | wc -l)
[ "$n" = 148 ] || fail "1: $n digests delivered, want 148"
grep 'event=run.done' "$T/err.txt" | grep -q ' digests=148 ' || fail "1: run.done does not count 148 digests: $(grep run.done "$T/err.txt")"
[ "$(grep -c 'event=digest.enqueued' "$T/err.txt")" = 148 ] || fail "1: not 148 digest.enqueued lines"

# 2. nothing of the refused two; the next run builds only them
[ "$(q "$DB" "SELECT count(*) FROM outbox WHERE subscriber IN ('s000', 's100')")" = 0 ] ||
  fail "2: a refused digest left rows"
[ "$(q "$DB" "SELECT count(*) FROM ledger WHERE subscriber IN ('s000', 's100')")" = 0 ] ||
  fail "2: a refused digest left ledger rows"
before=$(q "$DB" "SELECT count(*) FROM outbox WHERE digest_date = '2024-11-28'")
q "$DB" "DROP TRIGGER refuse"
run_pb "$D/pb.conf" run --feed "$BIG"
[ $rc = 0 ] || fail "2: the run after the fault exited $rc: $(tail -3 "$T/err.txt")"
after=$(q "$DB" "SELECT count(*) FROM outbox WHERE digest_date = '2024-11-28'")
added=$(q "$DB" "SELECT count(*) FROM outbox WHERE subscriber IN ('s000', 's100')")
[ $((before + added)) = "$after" ] && [ "$added" -ge 2 ] || fail "2: $before + $added != $after"
# only the two digests' messages are new: the run's count says so
grep 'event=run.done' "$T/err.txt" | grep -q " messages=$added " ||
  fail "2: run.done does not count $added new messages: $(grep run.done "$T/err.txt")"
[ "$(ls "$D/out/2024-11-28" | wc -l)" = 150 ] || fail "2: not 150 digests delivered"

# 3. the same bytes built one subscriber at a time
E="$T/b"
mkdir -p "$E"
conf "$E"
for s in s000 s001 s002 s064 s100 s149; do
  run_pb "$E/pb.conf" run --feed "$BIG" --only "$s"
  [ $rc = 0 ] || fail "3: run --only $s exited $rc: $(tail -3 "$T/err.txt")"
  for f in "$D/out/2024-11-28/$s"/*; do
    cmp -s "$f" "$E/out/2024-11-28/$s/$(basename "$f")" || fail "3: $s's $(basename "$f") differs"
  done
done
echo "45-build-batch: ok"
