#!/bin/sh
# The file sink writes in groups (src/deliver/file.c, "writes in groups"): temporary files,
# one syncfs(2), the renames, a second syncfs, then the "sent" marks.
#  1. 40 subscribers, four files each, under strace: every file is in place, whole (the bytes
#     the outbox holds) and counted sent; no temporary file is left; the sink's files are
#     never fsync'ed one by one, and the syncs are a few per group, not two per file; after
#     the run none of the files' pages is in the page cache (fincore; not on a tmpfs).
#  2. The sink's disk fills up mid-run (a small tmpfs in a mount namespace of our own; one
#     attempt per message): the files that were written are whole and counted, the others
#     fail with the reason (the path, "No space left on device"), no temporary file is left;
#     once there is room, `paperboy retry` and a run write the rest, each once.
#  3. Killed (strace's injected SIGKILL) at the first rename: the rerun writes every file once
#     and removes the temporary files the killed run left, not one of a writer still running.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/pb-fgroups.XXXXXX) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
die() { echo "93-file-groups: $*" >&2; exit 1; }
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
command -v strace >/dev/null || die "strace is missing (contrib/install-deps.sh --test installs it)"
command -v sqlite3 >/dev/null || die "sqlite3 is missing (contrib/install-deps.sh --test installs it)"

conf() {  # conf DIR OUT N [DELIVERY]
  {
    echo "state_dir = \"$1/state\";"
    echo 'arxiv = { categories = ["cs.CV", "cs.LG", "cs.RO"]; };'
    echo "file = { dir = \"$2\"; };"
    echo "delivery = { ${4:-} };"
    echo 'subscribers = ('
    i=0
    while [ $i -lt "$3" ]; do
      [ $i -gt 0 ] && echo ','
      case $((i % 3)) in 0) q="cat:cs.CV" ;; 1) q="cat:cs.LG" ;; *) q="abs:robot" ;; esac
      printf '{ name = "s%03d"; max_papers = 10; topics = ( { name = "t"; query = "%s"; } ); }' $i "$q"
      i=$((i + 1))
    done
    echo ');'
  } >"$1/pb.conf"
}

# every file the outbox counts sent is in place and whole, no other; prints how many
cat >"$T/check.py" <<'PY'
import os, sqlite3, sys
db, out = sys.argv[1:3]
rows = sqlite3.connect(db).execute(
    "SELECT subscriber, dest FROM outbox WHERE channel = 'file' AND status = 1").fetchall()
on_disk = {}
for root, _, files in os.walk(out):
    for f in files:
        if ".tmp" in f:
            sys.exit("a temporary file is left: %s" % os.path.join(root, f))
        on_disk[(os.path.basename(root), f)] = os.path.join(root, f)
for sub, dest in rows:
    path = on_disk.get((sub, dest))
    if not path:
        sys.exit("%s %s: counted sent, not on disk" % (sub, dest))
    data = open(path, "rb").read()
    ends = {"digest.html": b"</html>\n"}.get(dest, b"\n")
    if not data.endswith(ends):
        sys.exit("%s: not whole (%d bytes, ends %r)" % (path, len(data), data[-20:]))
if len(on_disk) != len(rows):
    sys.exit("%d files on disk, %d file messages counted sent" % (len(on_disk), len(rows)))
print(len(rows))
PY
check_files() { $PY "$T/check.py" "$1" "$2"; }  # check_files DB OUT

# ---- 1 ----
mkdir -p "$T/one"
conf "$T/one" "$T/one/out" 40
# (LeakSanitizer cannot run under ptrace: off for this run when paperboy is built with it)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  strace -f -y -qq -e trace=fsync,fdatasync,syncfs -o "$T/one/strace" \
  "$PAPERBOY" -c "$T/one/pb.conf" run --feed "$BIG" >"$T/one/out.txt" 2>"$T/one/err.txt" ||
  die "1: run failed: $(tail -3 "$T/one/err.txt")"
# once on disk, the files left the page cache (a tmpfs has no disk to leave them to)
if [ "$(stat -f -c %T "$T")" != tmpfs ] && command -v fincore >/dev/null; then
  cached=$(find "$T/one/out" -type f -exec fincore --raw --noheadings --output PAGES {} + |
    awk '{ s += $1 } END { print s + 0 }')
  [ "$cached" = 0 ] || die "1: $cached pages of the sink's files still in the page cache"
  echo "93-file-groups: 1: the files left the page cache"
fi
n=$(check_files "$T/one/state/paperboy.db" "$T/one/out") || die "1: $n"
[ "$n" -ge 100 ] || die "1: only $n files written, want at least 100"
grep -q "sent=$n " "$T/one/err.txt" || die "1: run.done does not count $n sent: $(grep run.done "$T/one/err.txt")"
per_file=$(grep -c "^[0-9]* *f\(data\)\?sync([0-9]*<$T/one/out" "$T/one/strace")
[ "$per_file" = 0 ] || die "1: $per_file fsyncs of the sink's files or folders: $(grep "<$T/one/out" "$T/one/strace" | head -3)"
syncs=$(grep -c "^[0-9]* *syncfs(" "$T/one/strace")
[ "$syncs" -ge 2 ] || die "1: $syncs syncfs calls, want the group's two at least"
[ "$syncs" -le $((n / 4)) ] || die "1: $syncs syncfs calls for $n files: not in groups"
echo "93-file-groups: 1: $n files, $syncs syncfs calls, no fsync of a sink file"

# ---- 3 ----
# Killed between writing the files and renaming them: the rerun writes each file once, whole,
# and sweeps the temporary files the killed run left; one of a writer still running stays.
mkdir -p "$T/three"
conf "$T/three" "$T/three/out" 6
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  strace -f -qq -o /dev/null -e inject=rename:signal=KILL:when=1 \
  "$PAPERBOY" -c "$T/three/pb.conf" run --feed "$BIG" >"$T/three/out.txt" 2>"$T/three/err.txt"
left=$(find "$T/three/out" -name '*.tmp[0-9]*' | wc -l)
[ "$left" -gt 0 ] || die "3: the killed run left no temporary file (rc $?): $(tail -3 "$T/three/err.txt")"
live=$(dirname "$(find "$T/three/out" -name '*.tmp[0-9]*' | head -1)")/digest.md.tmp$$
echo "a writer still running" >"$live"
"$PAPERBOY" -c "$T/three/pb.conf" run --feed "$BIG" >>"$T/three/out.txt" 2>"$T/three/err2.txt" ||
  die "3: the rerun failed: $(tail -3 "$T/three/err2.txt")"
[ -f "$live" ] || die "3: the temporary file of a running writer was removed"
rm -f "$live"
n=$(check_files "$T/three/state/paperboy.db" "$T/three/out") || die "3: $n"
swept=$(grep -c 'event=file.swept' "$T/three/err2.txt")
[ "$swept" = "$left" ] || die "3: $swept temporary files swept, $left were left"
echo "93-file-groups: 3: killed before its renames, rerun: $n files once, $swept left files swept"

# ---- 2 ----
ns_run() {
  if [ "$(id -u)" = 0 ]; then unshare -m "$@"; else unshare -r -m "$@"; fi
}
mkdir -p "$T/probe"
if ! ns_run sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" && umount "$1"' sh "$T/probe" 2>/dev/null; then
  echo "93-file-groups: section 2 skipped: no mount namespace here (unshare -m)"
  echo "93-file-groups: all checks passed"
  exit 0
fi
mkdir -p "$T/two/mnt"
conf "$T/two" "$T/two/mnt/out" 40 "max_attempts = 1;"
cat >"$T/ns.sh" <<'NS'
set -eu
die() { echo "93-file-groups: $*" >&2; exit 1; }
check_files() { /usr/bin/python3 "$T/check.py" "$1" "$2"; }
M="$T/two/mnt"
# room for a few digests' files (about 15 KB each here), not for 160 of them
mount -t tmpfs -o size=400k tmpfs "$M"
set +e
"$PAPERBOY" -c "$T/two/pb.conf" run --feed "$BIG" --wait 5 >"$T/two/out.txt" 2>"$T/two/err.txt"
rc=$?
set -e
# 69: messages failed for good (one attempt each), as README says
[ $rc = 69 ] || die "2: the run on a full disk exited $rc, want 69: $(tail -3 "$T/two/err.txt")"
grep -q "No space left on device" "$T/two/err.txt" || die "2: no message says the disk is full: $(tail -3 "$T/two/err.txt")"
grep "No space left on device" "$T/two/err.txt" | grep -q "$M/out/" || die "2: the reason does not name the file"
n1=$(check_files "$T/two/state/paperboy.db" "$M/out") || die "2: $n1"
failed=$(sqlite3 "$T/two/state/paperboy.db" "SELECT count(*) FROM outbox WHERE channel = 'file' AND status = 2")
[ "$failed" -gt 0 ] || die "2: nothing failed when the disk filled up (rc $rc)"
sqlite3 "$T/two/state/paperboy.db" "SELECT last_error FROM outbox WHERE status = 2" | grep -q "$M/out/.*No space left on device" ||
  die "2: the outbox's reason does not name the file and the cause"
echo "93-file-groups: 2: $n1 files written, $failed failed on a full disk (run exited $rc)"
# room again: retry writes the rest
umount "$M"
mount -t tmpfs -o size=64m tmpfs "$M"
mkdir -p "$M/out"
set +e
"$PAPERBOY" -c "$T/two/pb.conf" retry >"$T/two/out2.txt" 2>"$T/two/err2.txt" &&
  "$PAPERBOY" -c "$T/two/pb.conf" run --feed "$BIG" >>"$T/two/out2.txt" 2>>"$T/two/err2.txt"
rc=$?
set -e
[ $rc = 0 ] || die "2: retry and run exited $rc: $(tail -3 "$T/two/err2.txt")"
pending=$(sqlite3 "$T/two/state/paperboy.db" "SELECT count(*) FROM outbox WHERE channel = 'file' AND status <> 1")
[ "$pending" = 0 ] || die "2: $pending file messages not written after retry"
n2=$(sqlite3 "$T/two/state/paperboy.db" "SELECT count(*) FROM outbox WHERE channel = 'file'")
files=$(find "$M/out" -type f | wc -l)
# the first run's files went with the first mount: this one holds what retry wrote
[ "$files" = $((n2 - n1)) ] || die "2: retry wrote $files files, want $((n2 - n1))"
find "$M/out" -name '*.tmp*' | grep -q . && die "2: a temporary file is left"
umount "$M"
NS
PAPERBOY="$PAPERBOY" T="$T" BIG="$BIG" ns_run sh "$T/ns.sh" || die "2 failed"
echo "93-file-groups: all checks passed"
