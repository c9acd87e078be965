#!/bin/sh
# paperboy run on saved feeds with the file sink: digests written once, a second run sends
# nothing again, --dry-run and --only, the note for a day without announcement, the ledger
# keeping a paper from coming back on a later day, and the lock against a second instance.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
T=$(mktemp -d /tmp/pb-run.XXXXXX)
lp=""
trap '[ -n "$lp" ] && kill "$lp" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
fail() { echo "71-run: $*" >&2; exit 1; }
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
cat >"$T/pb.conf" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$T/out"; };
subscribers = (
  { name = "amy"; notify_empty = true; max_papers = 5;
    topics = ( { name = "Depth"; query = "ti:depth OR abs:\"depth estimation\""; } ); },
  { name = "bo"; max_papers = 3;
    topics = ( { name = "Robots"; query = "cat:cs.RO"; } ); }
);
EOF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }

# --dry-run prints the selections and writes nothing
pb run --dry-run --feed "$BIG" >"$T/dry" 2>/dev/null || fail "dry run failed"
grep -q '^amy: 5 papers' "$T/dry" || fail "dry run does not list amy's 5 papers: $(cat "$T/dry")"
[ ! -e "$T/out" ] && [ ! -e "$T/state/paperboy.db" ] || fail "dry run wrote something"

# --only one subscriber
pb run --only bo --feed "$BIG" >/dev/null 2>&1 || fail "run --only failed"
[ -f "$T/out/2024-11-28/bo/digest.md" ] || fail "no digest for bo"
[ ! -e "$T/out/2024-11-28/amy" ] || fail "--only bo wrote amy's digest"

# the full run, then again: nothing enqueued or sent twice
pb run --feed "$BIG" >"$T/run1" 2>/dev/null || fail "run failed"
[ -f "$T/out/2024-11-28/amy/digest.md" ] || fail "no digest for amy"
n=$(grep -c "^<a id='" "$T/out/2024-11-28/amy/digest.md")
[ "$n" = 5 ] || fail "amy's digest holds $n papers, want 5"
grep -q '^# arXiv Computer Vision Papers - 2024-11-28$' "$T/out/2024-11-28/amy/digest.md" ||
  fail "title line"
# the file sink keeps HTML too, and a capped digest says per topic what it leaves out
[ -s "$T/out/2024-11-28/amy/digest.html" ] || fail "no digest.html for amy"
grep -q '^<!DOCTYPE html>' "$T/out/2024-11-28/amy/digest.html" || fail "digest.html is not HTML"
grep -Eq '^[0-9]+ more papers? matched and (is|are) not shown: Depth [0-9]+\.( All of them.*)?$' \
  "$T/out/2024-11-28/amy/digest.md" || fail "no per-topic count of the papers left out"
ls "$T/out/2024-11-28/amy/" | grep -q 'tmp' && fail "temporary file left in the sink"
# and the full list of what matched, which the Markdown digest links to
[ -s "$T/out/2024-11-28/amy/all.md" ] || fail "no all.md for amy"
more=$(sed -n 's/^\([0-9]*\) more papers\{0,1\} matched.*/\1/p' "$T/out/2024-11-28/amy/digest.md")
n=$(grep -c '^[0-9]*\. \[' "$T/out/2024-11-28/amy/all.md")
[ "$n" -eq $((more + 5)) ] || fail "all.md lists $n papers, want $((more + 5))"
grep -q 'All of them: \[all.md\](all.md)\.$' "$T/out/2024-11-28/amy/digest.md" ||
  fail "digest.md does not point to all.md"
[ ! -e "$T/out/2024-11-28/bo/all.md" ] || [ "$(grep -c '^[0-9]*\. \[' "$T/out/2024-11-28/bo/all.md")" -gt 3 ] ||
  fail "all.md for bo although nothing was left out"
pb run --feed "$BIG" >"$T/run2" 2>/dev/null || fail "second run failed"
grep -q '0 messages enqueued; sent 0' "$T/run2" || fail "second run did work: $(cat "$T/run2")"
sent=$(sqlite3 "$T/state/paperboy.db" "select count(*) from outbox where status = 1;")
want=$(find "$T/out" -type f | wc -l)
[ "$sent" = "$want" ] && [ "$want" -ge 4 ] ||
  fail "outbox holds $sent sent messages, want one per file ($want: digest.md, digest.html each, all.md)"
seen=$(sqlite3 "$T/state/paperboy.db" "select count(*) from papers;")
# the announcement for cs.CV: the 227 of the 1504 (all archives) that list cs.CV
[ "$seen" = 227 ] || fail "the state saw $seen papers of the announcement, want 227"

# a later day with the same papers: the ledger keeps them from coming back
sed 's/28 Nov 2024/29 Nov 2024/' "$BIG" >"$T/next.xml"
pb run --feed "$T/next.xml" >"$T/run3" 2>/dev/null || fail "next-day run failed"
[ -f "$T/out/2024-11-29/amy/digest.md" ] || fail "no digest for the next day"
for id in $(sed -n "s/^<a id='\([^']*\)v[0-9]*'><.a>$/\1/p" "$T/out/2024-11-28/amy/digest.md"); do
  if grep -q "^<a id='$id" "$T/out/2024-11-29/amy/digest.md"; then
    fail "paper $id sent again on the next day"
  fi
done

# a day without announcement: amy asked for a note, bo did not
pb run --feed "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" --date 2024-12-02 >"$T/run4" 2>/dev/null ||
  fail "empty-feed run failed"
grep -q 'no announcement' "$T/run4" || fail "empty feed not reported: $(cat "$T/run4")"
grep -q 'made no announcement for 2024-12-02' "$T/out/2024-12-02/amy/digest.md" ||
  fail "no note for amy"
[ ! -e "$T/out/2024-12-02/bo" ] || fail "bo got a note he did not ask for"

# one instance per state directory: a run beside a holder of the lock refuses
L="$T/state/paperboy.lock" /usr/bin/python3 -c '
import fcntl, os, time
fd = os.open(os.environ["L"], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0); os.write(fd, b"%d\n" % os.getpid())
open(os.environ["L"] + ".ready", "w").close()
time.sleep(20)' &
lp=$!
i=0; while [ ! -e "$T/state/paperboy.lock.ready" ]; do
  i=$((i + 1)); [ $i -le 100 ] || fail "lock holder did not start"; sleep 0.1; done
set +e
pb run --feed "$BIG" >/dev/null 2>"$T/lock.err"
rc=$?
set -e
[ $rc = 75 ] || fail "run beside a lock holder exited $rc, want 75"
grep -q "pid $lp" "$T/lock.err" || fail "the refusal does not name the holder: $(cat "$T/lock.err")"
echo "71-run: all checks passed"
