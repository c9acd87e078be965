#!/bin/sh
# Subscribers kept in the state: `paperboy subscriber` adds, edits, lists, shows, pauses,
# resumes, removes, exports and imports them; each is checked as the config file is (a bad
# address or rule is refused, the rule error with its column); names and addresses are unique
# across the file and the store; a run delivers to an active stored subscriber and not to a
# paused one (the file's own included); a stored subscriber the config no longer supports is
# left out alone and named; a name the file no longer has added anew (active, not the old row's
# state); an import with one bad line changes nothing, and an import killed
# with SIGKILL leaves the store as before or as after, never half.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
T=$(mktemp -d /tmp/pb-subs.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "63-subscribers: FAIL: $*" >&2; fails=$((fails + 1)); }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; rss_url = "http://127.0.0.1:9/rss";
          api_url = "http://127.0.0.1:9/api/query"; max_retries = 0; timeout = 5; };
email = { smtp_url = "smtp://127.0.0.1:9"; from = "bot@example.org"; tls = "none"; };
file = { dir = "$T/out"; };
subscribers = ( { name = "lab"; max_papers = 3;
                  topics = ( { name = "robots"; query = "cat:cs.RO"; } ); } );
CONF
pb() { "$PAPERBOY" -c "$T/pb.conf" "$@"; }
n_stored() { pb subscriber export 2>/dev/null | wc -l | tr -d ' '; }

# add: stored subscribers on the file sink (no address: nothing goes to the SMTP port)
pb subscriber add zed --topic 'depth=ti:depth' --max-papers 2 >"$T/o" 2>&1 ||
  fail "add zed: $(cat "$T/o")"
pb subscriber add yan --topic 'seg=ti:segmentation' --set include_cross=false >"$T/o" 2>&1 ||
  fail "add yan: $(cat "$T/o")"
pb subscriber add amy --email amy@example.org --topic 'x=ti:x' --language zh >"$T/o" 2>&1 ||
  fail "add amy: $(cat "$T/o")"

# refused, each with its exit code and the reason
pb subscriber add lab --topic 'x=ti:x' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "taken by $T/pb.conf" "$T/e" || fail "a name of the file: exit $rc, $(cat "$T/e")"
pb subscriber add zed --topic 'x=ti:x' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "taken by a stored subscriber" "$T/e" || fail "a stored name again: exit $rc, $(cat "$T/e")"
pb subscriber add bob --email AMY@example.org --topic 'x=ti:x' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "is subscriber amy's" "$T/e" || fail "an address taken: exit $rc, $(cat "$T/e")"
pb subscriber add bob --topic 'x=ti:(depth AND' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "topic x, column [0-9]*: " "$T/e" && grep -q '^ *\^' "$T/e" ||
  fail "a bad rule: exit $rc, $(cat "$T/e")"
# the subscriber is named once, whichever check refused it
grep -q "^paperboy: subscriber bob: topic x, column [0-9]*: " "$T/e" ||
  fail "a bad rule, bob named once: $(cat "$T/e")"
pb subscriber add bob --topic 'x=ti:x' --set like=2411.1779x >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q '^paperboy: subscriber bob: like: "2411.1779x" is not an arXiv id' "$T/e" ||
  fail "a bad liked paper, bob named once: exit $rc, $(cat "$T/e")"
pb subscriber add bob --topic 'x=ti:x' --set follow_authors='((' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "^paperboy: subscriber bob: followed author '((' has no letters" "$T/e" ||
  fail "a bad followed author, bob named once: exit $rc, $(cat "$T/e")"
pb subscriber add bob --email not-an-address --topic 'x=ti:x' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q 'email: "not-an-address" is not an email address' "$T/e" ||
  fail "a bad address: exit $rc, $(cat "$T/e")"
pb subscriber add bob --set telegram_chat=42 --topic 'x=ti:x' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "telegram.token is not set" "$T/e" ||
  fail "a channel whose settings are missing: exit $rc, $(cat "$T/e")"
pb subscriber add bob --topic 'nothing' >/dev/null 2>&1; rc=$?
[ $rc = 64 ] || fail "--topic without =: exit $rc, want 64"
pb subscriber add >/dev/null 2>&1; rc=$?
[ $rc = 64 ] || fail "add without NAME: exit $rc, want 64"
pb subscriber frob x >/dev/null 2>&1; rc=$?
[ $rc = 64 ] || fail "an unknown action: exit $rc, want 64"
[ "$(n_stored)" = 3 ] || fail "a refused add was stored: $(pb subscriber export)"

# list and show
pb subscriber list >"$T/list" 2>&1 || fail "list: $(cat "$T/list")"
grep -Eq '^lab +config +active +file +1$' "$T/list" || fail "list lab: $(cat "$T/list")"
grep -Eq '^zed +stored +active +file +1$' "$T/list" || fail "list zed: $(cat "$T/list")"
grep -Eq '^amy +stored +active +email +1$' "$T/list" || fail "list amy: $(cat "$T/list")"
pb subscriber show yan >"$T/show" 2>&1 || fail "show: $(cat "$T/show")"
grep -q '^include_cross *false$' "$T/show" && grep -q '^topic *seg = ti:segmentation$' "$T/show" ||
  fail "show yan: $(cat "$T/show")"
pb subscriber show nobody >/dev/null 2>"$T/e"; rc=$?
[ $rc = 64 ] && ! grep -q 'did you mean' "$T/e" || fail "show of an unknown name: exit $rc, $(cat "$T/e")"
# a mistyped name is answered with the nearest subscriber's, of the file or stored, by every
# command that takes one
for c in "subscriber show zde" "subscriber pause LAB" "subscriber resume yna" \
         "subscriber edit amyy" "subscriber remove ze" "retry --subscriber lba"; do
  want=$(case $c in *zde|*ze) echo zed;; *LAB|*lba) echo lab;; *yna) echo yan;; *) echo amy;; esac)
  pb $c >/dev/null 2>"$T/e"; rc=$?
  [ $rc = 64 ] && grep -q "; did you mean \"$want\"?\$" "$T/e" ||
    fail "$c: exit $rc, $(cat "$T/e")"
done
for c in "preview --subscriber Zed" "match --subscriber lbb" "run --only amu"; do
  pb $c --feed "$FEED" >/dev/null 2>"$T/e"; rc=$?
  [ $rc = 64 ] && grep -q '; did you mean "[a-z]*"?$' "$T/e" || fail "$c: exit $rc, $(cat "$T/e")"
done

# a secret is given by its _env name and shown masked
HOOK_SECRET=https://hooks.example.org/services/T000/B000/sekrit
export HOOK_SECRET
pb subscriber add hook --set slack_webhook_env=HOOK_SECRET --topic 'x=ti:x' >"$T/o" 2>&1 ||
  fail "add with a secret's _env: $(cat "$T/o")"
pb subscriber show hook >"$T/show" 2>&1
grep -q '^slack_webhook *\*\*\*$' "$T/show" && ! grep -q sekrit "$T/show" ||
  fail "the secret is not masked: $(cat "$T/show")"
# exported from a shell without the service's secrets, it is still in the export
(unset HOOK_SECRET; pb subscriber export) >"$T/o" 2>"$T/e" &&
  grep -q '"name":"hook".*"slack_webhook_env":"HOOK_SECRET"' "$T/o" ||
  fail "export without HOOK_SECRET set: $(cat "$T/o" "$T/e")"
pb subscriber remove hook >/dev/null 2>&1 || fail "remove hook"
unset HOOK_SECRET

# a language tag in any case (BCP 47 does not tell them apart), kept as the code compares it
pb subscriber add lang --topic 'x=ti:x' --language DE-at >"$T/o" 2>&1 ||
  fail "add with the language DE-at: $(cat "$T/o")"
pb subscriber show lang | grep -q '^language *de-AT$' &&
  pb subscriber export | grep -q '"name":"lang".*"language":"de-AT"' ||
  fail "DE-at not kept as de-AT: $(pb subscriber show lang; pb subscriber export)"
pb subscriber remove lang >/dev/null 2>&1 || fail "remove lang"

# edit: topics replaced, the rest kept; a refused edit changes nothing; the file's subscriber
# is edited in the file
pb subscriber edit zed --topic 'depth=ti:depth' --topic 'stereo=ti:stereo' >"$T/o" 2>&1 ||
  fail "edit: $(cat "$T/o")"
pb subscriber show zed >"$T/show"
[ "$(grep -c '^topic ' "$T/show")" = 2 ] && grep -q '^max_papers *2$' "$T/show" ||
  fail "edit did not replace the topics and keep max_papers: $(cat "$T/show")"
pb subscriber edit zed --topic 'x=ti:(' >/dev/null 2>&1 && fail "edit to a bad rule accepted"
pb subscriber show zed | grep -q 'stereo' || fail "a refused edit changed zed"
pb subscriber edit lab --max-papers 4 >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "declared in $T/pb.conf:6: edit the file" "$T/e" ||
  fail "edit of a file subscriber: exit $rc, $(cat "$T/e")"

# pause a stored subscriber and the file's; the run delivers to zed only
# yan's reason holds terminal escapes (a reason may come from an import, a chat, the web):
# list, show and status print them escaped, never as they are
ESC=$(printf '\033')
pb subscriber pause yan --reason "$(printf 'away\033[2J\033]0;owned\007\tnow\342\200\256')" \
  >/dev/null 2>&1 || fail "pause yan"
pb subscriber pause lab --reason "on leave" >/dev/null 2>&1 || fail "pause lab"
pb subscriber remove lab >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "remove it from the file" "$T/e" || fail "remove lab: exit $rc, $(cat "$T/e")"
pb subscriber list >"$T/list" 2>&1
grep -Eq '^lab +config +paused .*on leave$' "$T/list" && grep -Eq '^yan +stored +paused ' "$T/list" ||
  fail "list after pause: $(cat "$T/list")"
pb subscriber pause amy >/dev/null 2>&1 || fail "pause amy"   # its address needs the SMTP port
pb status >"$T/status" 2>&1 || fail "status: $(cat "$T/status")"
grep -Eq '^  lab +paused +config +on leave$' "$T/status" && grep -Eq '^  yan +paused +stored ' "$T/status" ||
  fail "status does not show the paused subscribers: $(cat "$T/status")"
pb subscriber show yan >"$T/show" 2>&1
for f in list status show; do
  grep -qF 'away\x1B[2J\x1B]0;owned\x07\tnow\u202E' "$T/$f" && ! grep -q "$ESC" "$T/$f" ||
    fail "$f does not escape the pause reason's controls: $(od -c "$T/$f" | grep -m3 033)"
done
pb check >"$T/check" 2>&1 || fail "check with stored subscribers: $(cat "$T/check")"
pb run --feed "$FEED" >/dev/null 2>"$T/run1"; rc=$?
[ $rc = 0 ] || fail "run: exit $rc, $(tail -3 "$T/run1")"
D="$T/out/2024-11-28"
[ -s "$D/zed/digest.md" ] || fail "no digest for the stored subscriber zed: $(ls -R "$T/out" 2>&1)"
grep -qi 'depth\|stereo' "$D/zed/digest.md" 2>/dev/null || fail "zed's digest has none of its topics"
[ ! -e "$D/yan" ] || fail "the paused stored subscriber yan got a digest"
[ ! -e "$D/lab" ] || fail "the paused file subscriber lab got a digest"
# a paused subscriber is still one: retry and preview name it, not "no subscriber named"
for s in lab yan; do
  pb retry --subscriber "$s" >"$T/retry" 2>&1; rc=$?
  [ $rc = 0 ] && grep -q "^requeued 0 messages for $s\$" "$T/retry" ||
    fail "retry --subscriber $s (paused): exit $rc, $(cat "$T/retry")"
  pb preview --subscriber "$s" --feed "$FEED" >"$T/preview" 2>"$T/e"; rc=$?
  [ $rc = 0 ] && grep -q '^# ' "$T/preview" ||
    fail "preview --subscriber $s (paused): exit $rc, $(cat "$T/e")"
done
pb retry --subscriber nobody >/dev/null 2>"$T/e"; rc=$?
[ $rc = 64 ] && grep -q 'no subscriber named nobody' "$T/e" || fail "retry of an unknown name: exit $rc, $(cat "$T/e")"

# removed, and another subscriber added under the name the same day: `run --only` builds the
# new one's digest (not "digest.exists" for the former's), from its own topics
# (the former's cap leaves papers out: it has an all.md; the new one's does not, and the
# former's goes from the folder, the lab's own file in it staying)
pb subscriber add kit --topic 'depth=ti:depth' --max-papers 1 >/dev/null 2>&1 || fail "add kit"
pb run --only kit --feed "$FEED" >/dev/null 2>"$T/run-kit" || fail "run --only kit: $(tail -3 "$T/run-kit")"
grep -q 'event=digest.enqueued subscriber=kit ' "$T/run-kit" && grep -qi 'depth' "$D/kit/digest.md" ||
  fail "kit got no digest: $(tail -3 "$T/run-kit")"
[ -s "$D/kit/all.md" ] || fail "kit's capped digest has no all.md: $(ls "$D/kit")"
echo "the lab's note" >"$D/kit/README"
pb subscriber remove kit >/dev/null 2>&1 || fail "remove kit"
pb subscriber add kit --topic 'seg=ti:segmentation' >/dev/null 2>&1 || fail "add kit again"
pb run --only kit --feed "$FEED" >/dev/null 2>"$T/run-kit" || fail "run --only kit again: $(tail -3 "$T/run-kit")"
grep -q 'event=digest.enqueued subscriber=kit ' "$T/run-kit" ||
  fail "the new kit got no digest: $(grep 'subscriber=kit' "$T/run-kit")"
grep -qi 'segmentation' "$D/kit/digest.md" && ! grep -qi 'depth' "$D/kit/digest.md" ||
  fail "the new kit's digest is not of its topics: $(grep -i '^#' "$D/kit/digest.md" | head -5)"
[ "$(ls "$D/kit" | tr '\n' ' ')" = "README digest.html digest.md " ] ||
  fail "the new kit's folder holds other files than its own and the lab's: $(ls -A "$D/kit" | tr '\n' ' ')"
grep -q "event=file.stale path=$D/kit/all.md " "$T/run-kit" || fail "the former kit's all.md going is not logged"
pb run --only kit --feed "$FEED" >/dev/null 2>"$T/run-kit"
grep -q 'event=digest.exists subscriber=kit ' "$T/run-kit" ||
  fail "the new kit's digest was built twice: $(grep 'subscriber=kit' "$T/run-kit")"
pb subscriber remove kit >/dev/null 2>&1 || fail "remove kit again"
# and a third kit that nothing matches: no digest, and none of the former's files stays under
# its name (the lab's note does)
pb subscriber add kit --topic 'none=ti:qzxwvnothing' >/dev/null 2>&1 || fail "add a third kit"
pb run --only kit --feed "$FEED" >/dev/null 2>"$T/run-kit" || fail "run --only the third kit: $(tail -3 "$T/run-kit")"
! grep -q 'event=digest.enqueued subscriber=kit ' "$T/run-kit" ||
  fail "the third kit got a digest: $(grep 'subscriber=kit' "$T/run-kit")"
[ "$(ls "$D/kit" | tr '\n' ' ')" = "README " ] ||
  fail "the third kit's folder holds a former kit's files: $(ls -A "$D/kit" | tr '\n' ' ')"
grep -q "event=file.stale path=$D/kit/digest.md " "$T/run-kit" ||
  fail "the former kit's digest.md going is not logged: $(grep 'kit' "$T/run-kit" | tail -3)"
pb subscriber remove kit >/dev/null 2>&1 || fail "remove the third kit"

# removed and added again at the same address (to start afresh) on a day the former was
# mailed its digest: mailed nothing again there, only at an address of the new one's; the
# file sink's digest is the new one's
DB="$T/state/paperboy.db"
pb subscriber add kim --email kim@example.org --topic 'depth=ti:depth' >/dev/null 2>&1 ||
  fail "add kim"
pb run --only kim --feed "$FEED" --wait 0 >/dev/null 2>"$T/run-kim"
grep -q 'event=digest.enqueued subscriber=kim ' "$T/run-kim" ||
  fail "kim got no digest: $(tail -3 "$T/run-kim")"
# as if the server had taken it (the SMTP port here takes nothing)
sqlite3 "$DB" "UPDATE outbox SET status = 1 WHERE subscriber = 'kim' AND channel = 'email'"
pb subscriber remove kim >/dev/null 2>&1 || fail "remove kim"
pb subscriber add kim --email kim@example.org --email kim.new@example.org \
  --topic 'seg=ti:segmentation' >/dev/null 2>&1 || fail "add kim again"
pb run --only kim --feed "$FEED" --wait 0 >/dev/null 2>"$T/run-kim"
grep -q 'event=digest.dest_exists subscriber=kim date=2024-11-28 channel=email dest=kim@example.org ' \
  "$T/run-kim" || fail "kim's address is not said to have the digest: $(grep 'subscriber=kim' "$T/run-kim")"
v=$(sqlite3 "$DB" "SELECT dest FROM outbox WHERE subscriber = 'kim' AND channel = 'email'
  AND generation > 0 AND msg_id LIKE '%/g%' ORDER BY dest")
w=$(sqlite3 "$DB" "SELECT COUNT(*) FROM outbox WHERE subscriber = 'kim' AND channel = 'email'")
[ "$v" = kim.new@example.org ] && [ "$w" = 2 ] ||
  fail "the new kim's mail is not to its new address alone: $v ($w messages of kim's)"
grep -qi 'segmentation' "$D/kim/digest.md" ||
  fail "the file sink's digest is not the new kim's: $(grep -i '^#' "$D/kim/digest.md" | head -3)"
pb subscriber remove kim >/dev/null 2>&1 || fail "remove kim again"

# resume: the next run (another day) delivers to yan and lab again
pb subscriber resume yan >/dev/null 2>&1 && pb subscriber resume lab >/dev/null 2>&1 ||
  fail "resume"
sed 's/28 Nov 2024/29 Nov 2024/' "$FEED" >"$T/next.xml"
pb run --feed "$T/next.xml" >/dev/null 2>"$T/run2" || fail "run 2: $(tail -3 "$T/run2")"
[ -s "$T/out/2024-11-29/yan/digest.md" ] && [ -s "$T/out/2024-11-29/lab/digest.md" ] ||
  fail "resumed subscribers got nothing: $(ls -R "$T/out/2024-11-29" 2>&1)"

# a stored subscriber the config no longer supports is left out alone, and named
sed 's/^email = .*$//' "$T/pb.conf" >"$T/nomail.conf"
pbn() { "$PAPERBOY" -c "$T/nomail.conf" "$@"; }
pbn check >"$T/check" 2>&1; rc=$?
[ $rc = 78 ] && grep -q "stored subscriber amy is left out: email: email given but email.smtp_url" "$T/check" ||
  fail "check with an unusable stored subscriber: exit $rc, $(cat "$T/check")"
pbn subscriber resume amy >/dev/null 2>&1 || fail "resume amy"
pbn match --feed "$FEED" >"$T/match" 2>"$T/e" ||
  fail "match with an unusable stored subscriber: $(cat "$T/e")"
grep -q "zed" "$T/match" || fail "one unusable stored subscriber cost the others: $(cat "$T/match")"
grep -q "warning: stored subscriber amy is left out" "$T/e" || fail "match did not name amy: $(cat "$T/e")"
pb subscriber pause amy >/dev/null 2>&1

# a name of the file's taken by `subscriber add` once the file no longer has it: a new
# subscriber, active and from the command line, not the old one's paused row
pb subscriber pause lab --reason "gone" >/dev/null 2>&1 || fail "pause lab again"
sed 's/name = "lab"/name = "lab2"/' "$T/pb.conf" >"$T/renamed.conf"
"$PAPERBOY" -c "$T/renamed.conf" subscriber add lab --topic 'x=ti:segmentation' >"$T/o" 2>&1 ||
  fail "add under the file's old name: $(cat "$T/o")"
"$PAPERBOY" -c "$T/renamed.conf" subscriber list >"$T/list" 2>&1
grep -Eq '^lab +stored +active ' "$T/list" || fail "the new lab is not active and stored: $(cat "$T/list")"
"$PAPERBOY" -c "$T/renamed.conf" subscriber export >"$T/e2" 2>&1
grep '"name":"lab"' "$T/e2" | grep -q '"source":"cli"' || fail "the new lab's source: $(cat "$T/e2")"
"$PAPERBOY" -c "$T/renamed.conf" subscriber remove lab >/dev/null 2>&1 || fail "remove the new lab"
pb subscriber resume lab >/dev/null 2>&1

# an active subscriber whose every address is suppressed gets nothing (the file sink's copies
# are no reader's destination): listed "unsubscribed" (by its reader) or "suppressed" (a bounce)
pb subscriber add una --email una@example.org --topic 'x=ti:x' >/dev/null 2>&1 || fail "add una"
pb subscriber add bea --email bea@example.org --email bea2@example.org --topic 'x=ti:x' \
  >/dev/null 2>&1 || fail "add bea"
/usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
for n, a, why in (("una", "una@example.org", "unsubscribed by the recipient (one-click)"),
                  ("bea", "bea@example.org", "550 5.1.1 no such user"),
                  ("bea", "bea2@example.org", "550 5.1.1 no such user")):
    db.execute("INSERT INTO suppressions(subscriber, channel, dest, reason, since)"
               " VALUES (?, ?, ?, ?, ?)", (n, "email", a, why, 1790000000))
db.commit()' "$T/state/paperboy.db" || fail "suppress una, bea"
pb subscriber list >"$T/o" 2>&1
grep -Eq '^una +stored +unsubscribed ' "$T/o" && grep -Eq '^bea +stored +suppressed ' "$T/o" ||
  fail "every address suppressed: $(cat "$T/o")"
pb subscriber remove una >/dev/null 2>&1 && pb subscriber remove bea >/dev/null 2>&1 ||
  fail "remove una, bea"

# export and import: a round trip, amy's address unsubscribed by her (a suppression) included
/usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("INSERT INTO suppressions(subscriber, channel, dest, reason, since)"
           " VALUES (?, ?, ?, ?, ?)", ("amy", "email",
           "amy@example.org", "unsubscribed by the recipient (one-click)", 1790000000))
db.execute("INSERT INTO suppressions VALUES (?, ?, ?, ?, ?, ?)", ("amy", "slack", "webhook",
           "HTTP 404: no_service", 1790000000, "0123456789abcdef"))
db.commit()' "$T/state/paperboy.db" || fail "suppress amy"
pb subscriber export >"$T/export" 2>"$T/e" || fail "export: $(cat "$T/e")"
grep -q '"dest":"webhook","reason":"HTTP 404: no_service","fingerprint":"0123456789abcdef"' \
  "$T/export" || fail "the export lacks the webhook's fingerprint: $(cat "$T/export")"
[ "$(wc -l <"$T/export")" = 3 ] || fail "export has $(wc -l <"$T/export") lines, want 3"
pb subscriber export --all >"$T/export-all"
grep -q '"name":"lab","source":"config"' "$T/export-all" || fail "export --all lacks lab"
for n in yan zed amy; do pb subscriber remove $n >/dev/null 2>&1 || fail "remove $n"; done
[ "$(n_stored)" = 0 ] || fail "remove left rows"
pb subscriber import "$T/export" >"$T/o" 2>&1 || fail "import: $(cat "$T/o")"
pb subscriber show amy >"$T/o" 2>&1
grep -q '^suppressed *email amy@example.org since .*: unsubscribed by the recipient (one-click)$' \
  "$T/o" || fail "the import lost amy's unsubscribed address: $(cat "$T/o")"
pb subscriber export >"$T/export2"
cmp -s "$T/export" "$T/export2" || fail "the round trip changed the store:
$(diff "$T/export" "$T/export2")"
pb subscriber import - <"$T/export-all" >"$T/o" 2>&1 || fail "import from stdin: $(cat "$T/o")"
echo '{"name":"amy","settings":{"topics":[{"name":"x","query":"ti:x"}]},"suppressed":[{"channel":"pigeon","dest":"x"}]}' |
  pb subscriber import - >/dev/null 2>"$T/e"; rc=$?
[ $rc = 65 ] && grep -q 'line 1: "suppressed"' "$T/e" || fail "a suppression of no channel: exit $rc, $(cat "$T/e")"
echo '{"name":"amy","settings":{"topics":[{"name":"x","query":"ti:x"}]},"suppressed":[{"channel":"slack","dest":"webhook","fingerprint":"https://hooks.slack.com/x"}]}' |
  pb subscriber import - >/dev/null 2>"$T/e"; rc=$?
[ $rc = 65 ] && grep -q 'line 1: "suppressed".*16 hex digits' "$T/e" ||
  fail "a fingerprint that is not one: exit $rc, $(cat "$T/e")"

# one bad line: nothing changes, the error names the line
{
  echo '{"name":"new1","settings":{"topics":[{"name":"t","query":"ti:a"}]}}'
  echo
  echo '{"name":"new2","settings":{"topics":[{"name":"t","query":"ti:(a AND"}]}}'
  echo '{"name":"new3","settings":{"topics":[{"name":"t","query":"ti:b"}]}}'
} >"$T/bad.jsonl"
pb subscriber export --all >"$T/before"
pb subscriber import "$T/bad.jsonl" >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "import: line 3: subscriber new2: .*column" "$T/e" ||
  fail "import of a bad line: exit $rc, $(cat "$T/e")"
pb subscriber export --all >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a refused import changed the store"
echo '{"name":"new1"' >"$T/bad2.jsonl"
pb subscriber import "$T/bad2.jsonl" >/dev/null 2>"$T/e"; rc=$?
[ $rc = 65 ] && grep -q "line 1: not a JSON object" "$T/e" ||
  fail "import of broken JSON: exit $rc, $(cat "$T/e")"
echo '{"name":"new1","settings":{"topics":[{"name":"t","query":"ti:a"}]}} {"name":"new2"}' \
  >"$T/bad3.jsonl"
pb subscriber import "$T/bad3.jsonl" >/dev/null 2>"$T/e"; rc=$?
[ $rc = 65 ] && grep -q "line 1: not a JSON object" "$T/e" ||
  fail "import of a line with text after its object: exit $rc, $(cat "$T/e")"
printf '%s\n%s\n' '{"name":"d","settings":{"topics":[{"name":"t","query":"ti:a"}]}}' \
  '{"name":"d","settings":{"topics":[{"name":"t","query":"ti:b"}]}}' >"$T/dup.jsonl"
pb subscriber import "$T/dup.jsonl" >/dev/null 2>"$T/e"; rc=$?
[ $rc != 0 ] && grep -q "line 2: subscriber d is on line 1 too" "$T/e" ||
  fail "a name twice: exit $rc, $(cat "$T/e")"
cmp -s "$T/before" "$(pb subscriber export --all >"$T/after2"; echo "$T/after2")" ||
  fail "a refused import changed the store"
# a name of the file's: refused as `add` refuses it (78); a line whose two names differ: refused
# as a broken line (65), naming both, rather than imported under one of them
echo '{"name":"lab","settings":{"topics":[{"name":"t","query":"ti:a"}]}}' >"$T/lab.jsonl"
pb subscriber import "$T/lab.jsonl" >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "line 1: subscriber lab is declared in $T/pb.conf:6" "$T/e" ||
  fail "import of the file's subscriber lab: exit $rc, $(cat "$T/e")"
printf '%s\n%s\n' '{"name":"new1","settings":{"topics":[{"name":"t","query":"ti:a"}]}}' \
  '{"name":"new4","settings":{"name":"new5","topics":[{"name":"t","query":"ti:a"}]}}' \
  >"$T/names.jsonl"
pb subscriber import "$T/names.jsonl" >/dev/null 2>"$T/e"; rc=$?
[ $rc = 65 ] && grep -q "line 2: \"name\" is \"new4\" but the settings' \"name\" is \"new5\"" "$T/e" ||
  fail "import of a line with two names: exit $rc, $(cat "$T/e")"
cmp -s "$T/before" "$(pb subscriber export --all >"$T/after3"; echo "$T/after3")" ||
  fail "a refused import changed the store"
# a name with a control character (an escape sequence for the terminal) is refused, never
# printed as it is
printf '%s\n' '{"name":"ev\u001b[2Jil","settings":{"topics":[{"name":"t","query":"ti:a"}]}}' \
  >"$T/ctl.jsonl"
pb subscriber import "$T/ctl.jsonl" >/dev/null 2>"$T/e"; rc=$?
[ $rc = 65 ] && grep -q 'line 1: "name" holds a control character' "$T/e" &&
  ! grep -q "$(printf '\033')" "$T/e" ||
  fail "import of a name with an escape: exit $rc, $(od -c "$T/e" | head -3)"

# SIGKILL during a large import, at times spread over its length (reading and checking the
# lines, then one transaction): the store holds all of it or none of it
N=4000
i=0
while [ $i -lt $N ]; do
  echo "{\"name\":\"bulk$i\",\"settings\":{\"topics\":[{\"name\":\"t\",\"query\":\"ti:w$i\"}]}}"
  i=$((i + 1))
done >"$T/bulk.jsonl"
base=$(n_stored)
for delay in 0.02 0.05 0.08 0.11 0.14 0.17 0.2 0.23 0.26 0.3 0.35 0.4 0.5 0.7 1 2 4; do
  # paperboy itself, not a subshell running the function: the kill reaches the import
  "$PAPERBOY" -c "$T/pb.conf" subscriber import "$T/bulk.jsonl" >/dev/null 2>&1 &
  pid=$!
  sleep $delay
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  got=$(n_stored)
  [ "$got" = "$base" ] || [ "$got" = $((base + N)) ] ||
    fail "after SIGKILL at ${delay}s the store holds $got subscribers, want $base or $((base + N))"
  [ "$got" != "$base" ] && break
done
# (a slow build, e.g. under a sanitizer, may never have finished in time: let it)
[ "$(n_stored)" = $((base + N)) ] || pb subscriber import "$T/bulk.jsonl" >/dev/null 2>&1
[ "$(n_stored)" = $((base + N)) ] || fail "the import did not complete after the kills"

# a state of an earlier schema, as after an upgrade before the first run (here the last
# migrations, 18's and 16's columns and 17's table, undone): add does not replace a stored
# subscriber it could not see, and an export does not pass an empty list off as the store
sed "s#$T/state#$T/old#" "$T/pb.conf" >"$T/old.conf"
po() { "$PAPERBOY" -c "$T/old.conf" "$@"; }
{ po subscriber add ann --email ann@example.org --topic 'x=ti:x' &&
  po subscriber pause ann --reason holiday; } >"$T/o" 2>&1 || fail "add and pause ann: $(cat "$T/o")"
v=$(sqlite3 "$T/old/paperboy.db" "SELECT value FROM meta WHERE key = 'schema_version'")
[ "$v" = 18 ] || fail "schema $v: undo its last migrations here"
sqlite3 "$T/old/paperboy.db" "ALTER TABLE sub_generations DROP COLUMN links_since;
  DROP TABLE tg_held;
  ALTER TABLE outbox DROP COLUMN fingerprint;
  UPDATE meta SET value = '$((v - 3))' WHERE key = 'schema_version'"
po subscriber export >"$T/o" 2>"$T/e"; rc=$?
[ $rc = 66 ] && grep -q "schema version $((v - 3))" "$T/e" ||
  fail "export of a store it cannot read: exit $rc, $(cat "$T/o" "$T/e")"
po subscriber add ann --email other@example.org --topic 'y=ti:y' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 78 ] && grep -q "taken by a stored subscriber" "$T/e" ||
  fail "add of a stored name in a store of the previous schema: exit $rc, $(cat "$T/e")"
po subscriber export >"$T/o" 2>&1
grep -q '"name":"ann".*"state":"paused","reason":"holiday".*ann@example.org' "$T/o" ||
  fail "the stored ann was replaced: $(cat "$T/o")"

# A state another process keeps writing past the busy timeout (10 s): add and retry say that
# it is busy and to try again (75), not 73 as for a state that cannot be written; nothing is
# stored, and the same add goes through once the writer is done.
# The holder says when it has the lock (a busy machine may take a while to start it; a
# command of the steps before may still be closing the state, and the shell, which waits for
# no lock by itself, would stop at its first statement), and keeps it past the two 10 s waits
# begun after that.
sqlite3 -cmd ".timeout 20000" "$T/state/paperboy.db" "BEGIN IMMEDIATE; DELETE FROM meta WHERE 0;" \
  ".shell touch '$T/held'" ".shell sleep 14" "COMMIT;" >/dev/null 2>&1 &
holder=$!
i=0
while [ ! -e "$T/held" ]; do
  i=$((i + 1)); [ $i -le 200 ] || { fail "the lock holder did not start"; break; }
  sleep 0.1
done
pb retry >/dev/null 2>"$T/e2" &
retry=$!
pb subscriber add busy1 --topic 'x=ti:x' >/dev/null 2>"$T/e"; rc=$?
[ $rc = 75 ] && grep -q "paperboy.db is busy: another process .* try again later" "$T/e" ||
  fail "add to a busy state: exit $rc, want 75: $(cat "$T/e")"
wait $retry; rc=$?
[ $rc = 75 ] && grep -q "paperboy.db is busy" "$T/e2" ||
  fail "retry on a busy state: exit $rc, want 75: $(cat "$T/e2")"
wait $holder
pb subscriber export | grep -q '"name":"busy1"' && fail "the add to a busy state was stored"
pb subscriber add busy1 --topic 'x=ti:x' >/dev/null 2>"$T/e" ||
  fail "add once the state is free: $(cat "$T/e")"

[ $fails = 0 ] || exit 1
echo "63-subscribers: ok"
