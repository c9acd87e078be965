#!/bin/sh
# The file sink's web archive (file.archive): after runs on three days, each subscriber's
# dir/<name>/ holds index.html, a page per digest and feed.atom; the feed parses with libxml2
# and with Python's feedparser (one entry per digest, newest first, links to the pages), and
# the pages pass xmllint --html without a complaint. A temporary file a killed writer left in
# the archive's folder goes at the next rebuild. With file.mode, a run under the service's
# umask (0077) leaves every file and folder it made readable by a web server; a mode that
# is not one is refused at the config's line.
set -eu
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
T=$(mktemp -d /tmp/pb-archive.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "52-file-archive: $*" >&2; exit 1; }
PY=/usr/bin/python3
"$PY" -c 'import feedparser' 2>/dev/null ||
  fail "python3-feedparser is missing (contrib/install-deps.sh --test installs it)"
command -v xmllint >/dev/null || fail "xmllint is missing (libxml2-utils)"
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$T/out"; archive = true; };
subscribers = (
  { name = "amy"; notify_empty = true; max_papers = 5;
    topics = ( { name = "Depth & <Stereo>"; query = "ti:depth OR abs:\"depth estimation\""; } ); },
  { name = "bo"; max_papers = 3;
    topics = ( { name = "Robots"; query = "cat:cs.RO"; } ); }
);
CONF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
pb check >"$T/check" 2>&1 || fail "check failed: $(cat "$T/check")"
grep -q "^channels: .*, file $T/out (with archive)\$" "$T/check" || fail "check: $(cat "$T/check")"

# three days, each run a process of its own: the archive is rebuilt from the disk each time
pb run --feed "$BIG" >/dev/null 2>"$T/err1" || fail "run failed: $(tail -3 "$T/err1")"
sed 's/28 Nov 2024/29 Nov 2024/' "$BIG" >"$T/next.xml"
pb run --feed "$T/next.xml" >/dev/null 2>"$T/err2" || fail "next-day run failed: $(tail -3 "$T/err2")"
pb run --feed "$PB_FIXTURES/rss2-empty-feed-test-archive.xml" --date 2024-12-02 >/dev/null 2>"$T/err3" ||
  fail "empty-feed run failed: $(tail -3 "$T/err3")"
grep -q 'status=failed\|level=error' "$T/err1" "$T/err2" "$T/err3" && fail "a delivery failed"

for sub in amy bo; do
  a="$T/out/$sub"
  for f in index.html feed.atom; do
    [ -s "$a/$f" ] || fail "no $sub/$f"
  done
  n=$(ls -d "$T"/out/20*/"$sub"/digest.html | wc -l)
  # amy asked for the note of a day without announcement: three digests; bo two
  want=3; [ "$sub" = bo ] && want=2
  [ "$n" = "$want" ] || fail "$sub has $n digests on disk, want $want"
  ls "$a" | grep -q tmp && fail "temporary file left in $sub's archive"
  # the pages: one per digest, the digest itself
  for d in "$T"/out/20*/"$sub"/digest.html; do
    date=$(basename "$(dirname "$(dirname "$d")")")
    cmp -s "$d" "$a/$date.html" || fail "$sub/$date.html is not the digest of $date"
    grep -q "href=\"$date.html\"" "$a/index.html" || fail "$sub's index does not link $date.html"
  done
  # HTML that a browser's parser takes without a complaint
  xmllint --html --noout "$a"/*.html >"$T/lint" 2>&1 || fail "xmllint --html failed: $(head -5 "$T/lint")"
  [ ! -s "$T/lint" ] || fail "xmllint --html on $sub's pages: $(head -5 "$T/lint")"
  # the feed: well-formed XML for libxml2
  xmllint --noout "$a/feed.atom" >"$T/lint" 2>&1 || fail "feed.atom is not XML: $(head -5 "$T/lint")"
  [ ! -s "$T/lint" ] || fail "xmllint on $sub's feed: $(head -5 "$T/lint")"
  # and an Atom feed for a feed reader
  "$PY" - "$a/feed.atom" "$want" <<'PYEOF' || fail "feedparser on $sub's feed"
import os, sys, urllib.parse, feedparser
path, want = sys.argv[1], int(sys.argv[2])
f = feedparser.parse(path)
def die(msg):
    print("feedparser: " + msg, file=sys.stderr)
    sys.exit(1)
if f.bozo:
    die("bozo: %r" % f.bozo_exception)
if f.version != "atom10":
    die("version %r, want atom10" % f.version)
if not f.feed.get("id") or not f.feed.get("title") or not f.feed.get("updated_parsed"):
    die("feed lacks id, title or updated")
if len(f.entries) != want:
    die("%d entries, want %d" % (len(f.entries), want))
dates = []
for e in f.entries:
    if not e.get("id") or not e.get("title") or not e.get("updated_parsed"):
        die("entry lacks id, title or updated: %r" % e.get("id"))
    href = e.link
    target = urllib.parse.urljoin("file://" + os.path.abspath(path), href)
    p = urllib.parse.urlparse(target).path
    if not os.path.isfile(p):
        die("entry link %r does not resolve to a file (%s)" % (href, p))
    dates.append(os.path.basename(p)[:10])
    if e.title.split(" - ")[-1] != dates[-1]:
        die("entry title %r is not the digest of %s" % (e.title, dates[-1]))
    if not e.get("content") or "<" not in e.content[0].value:
        die("entry %s has no HTML content" % e.id)
if dates != sorted(dates, reverse=True):
    die("entries are not newest first: %r" % dates)
if len(set(e.id for e in f.entries)) != want:
    die("entry ids are not unique")
PYEOF
done

# the topic name's markup arrives as text, never as markup
grep -q 'Depth &amp;amp; &amp;lt;Stereo&amp;gt;' "$T/out/amy/feed.atom" ||
  fail "the topic name is not escaped once in HTML and once in the feed"
# a second run of the same day sends nothing and leaves the archive as it was
cp "$T/out/amy/feed.atom" "$T/feed.before"
pb run --feed "$T/next.xml" >"$T/run4" 2>/dev/null || fail "repeated run failed"
grep -q '0 messages enqueued; sent 0' "$T/run4" || fail "repeated run did work: $(cat "$T/run4")"
cmp -s "$T/feed.before" "$T/out/amy/feed.atom" || fail "a run that sent nothing changed the feed"

# A writer killed between writing a page and renaming it left a temporary file in the folder
# a web server publishes: the next rebuild removes it, not one of a writer still running.
sh -c 'exit 0' &
dead=$!
wait "$dead" || true
echo "<html>half" >"$T/out/bo/index.html.tmp$dead"
echo "a writer still running" >"$T/out/bo/feed.atom.tmp$$"
# (bo still has papers he did not get on an earlier day: he has a digest of the 27th)
sed 's/28 Nov 2024/27 Nov 2024/' "$BIG" >"$T/prev.xml"
pb run --feed "$T/prev.xml" >/dev/null 2>"$T/err5" || fail "fourth run failed: $(tail -3 "$T/err5")"
grep -q 'href="2024-11-27.html"' "$T/out/bo/index.html" || fail "the fourth run did not rebuild bo's archive"
[ ! -e "$T/out/bo/index.html.tmp$dead" ] || fail "the killed writer's temporary file is left in bo's archive"
grep -q "event=file.swept path=$T/out/bo/index.html.tmp$dead" "$T/err5" || fail "the removal is not logged"
[ -f "$T/out/bo/feed.atom.tmp$$" ] || fail "the temporary file of a running writer was removed"

# A lab publishing the archive runs paperboy as a service with UMask=0077: file.mode makes
# what the sink writes readable by the web server all the same, the day's files and the
# archive's, and a digest written again keeps it.
sed -e "s|dir = \"$T/out\"; archive = true;|dir = \"$T/pub\"; archive = true; mode = \"0644\";|" \
  -e "s|$T/state|$T/state2|" "$T/pb.conf" >"$T/pub.conf"
grep -q 'mode = "0644"' "$T/pub.conf" || fail "the published config was not made"
(umask 077 && "$PAPERBOY" -c "$T/pub.conf" run --feed "$BIG" >/dev/null 2>"$T/err6") ||
  fail "run with file.mode failed: $(tail -3 "$T/err6")"
[ -s "$T/pub/amy/index.html" ] && [ -s "$T/pub/2024-11-28/amy/digest.md" ] ||
  fail "the run with file.mode wrote no archive: $(ls -R "$T/pub" | head)"
bad=$(find "$T/pub" -mindepth 1 \( -type f ! -perm 0644 \) -o \( -type d ! -perm 0755 \) | head -3)
[ -z "$bad" ] || fail "file.mode 0644 under umask 077 left: $(ls -ld $bad)"
cp "$T/pub/amy/index.html" "$T/index.before"
(umask 077 && "$PAPERBOY" -c "$T/pub.conf" run --feed "$T/next.xml" >/dev/null 2>"$T/err7") ||
  fail "next-day run with file.mode failed: $(tail -3 "$T/err7")"
cmp -s "$T/index.before" "$T/pub/amy/index.html" && fail "the next day did not rewrite amy's index"
bad=$(find "$T/pub" -mindepth 1 \( -type f ! -perm 0644 \) -o \( -type d ! -perm 0755 \) | head -3)
[ -z "$bad" ] || fail "the next day's run with file.mode 0644 left: $(ls -ld $bad)"
for m in 644x 0444 1644 07644; do
  sed "s|mode = \"0644\"|mode = \"$m\"|" "$T/pub.conf" >"$T/bad.conf"
  rc=0; "$PAPERBOY" -c "$T/bad.conf" check >"$T/badout" 2>&1 || rc=$?
  [ $rc -eq 78 ] || fail "file.mode \"$m\": exit $rc, want 78"
  grep -q "bad.conf:[0-9]*: file.mode: \"$m\" is not a file mode" "$T/badout" ||
    fail "file.mode \"$m\": $(cat "$T/badout")"
done
exit 0
