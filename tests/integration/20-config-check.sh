#!/bin/sh
# paperboy check: the shipped example passes with a summary and no environment; broken files
# fail with exit 78 and FILE:LINE: KEY: MESSAGE; subscribers in @include files are found; a
# secret never reaches the output.
set -u
: "${PAPERBOY:?}"
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/pb-config-check.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The example, as shipped, with an empty environment.
env -i PATH="$PATH" "$PAPERBOY" -c "$root/conf/paperboy.conf.example" check >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/err" >&2; fail "example: exit $rc, want 0"; }
grep -q '^subscribers: 3$' "$tmp/out" || fail "example: no subscriber count in: $(cat "$tmp/out")"
grep -q '^topics: 5$' "$tmp/out" || fail "example: no topic count"
grep -q '^channels: email 0, slack 0, telegram 0, matrix 0, wecom 0, dingtalk 0, discord 0, ntfy 0, feishu 0, webhook 0, file out$' "$tmp/out" || fail "example: channels: $(grep channels "$tmp/out")"
grep -q '^categories: cs.CV$' "$tmp/out" || fail "example: categories"
grep -q '^model: off$' "$tmp/out" || fail "example: model"
# the holidays known, and a year none are known for (arXiv's would be taken for release days)
PAPERBOY_NOW=2026-06-01T12:00:00Z "$PAPERBOY" -c "$root/conf/paperboy.conf.example" check >"$tmp/out" 2>&1 ||
	fail "example in June 2026: $(cat "$tmp/out")"
grep -qx 'holidays: built in up to 2026' "$tmp/out" || fail "example: holidays: $(grep holidays "$tmp/out")"
PAPERBOY_NOW=2026-12-20T12:00:00Z "$PAPERBOY" -c "$root/conf/paperboy.conf.example" check >"$tmp/out" 2>&1 ||
	fail "example in late December 2026: $(cat "$tmp/out")"
grep -qxF 'holidays: built in up to 2026; none for 2027: add arXiv'"'"'s to `holidays` (https://info.arxiv.org/help/availability.html)' "$tmp/out" ||
	fail "example, late December 2026: holidays: $(grep holidays "$tmp/out")"
{ echo 'holidays = [ "2026-12-29", "2027-01-18" ];'; echo 'arxiv = { categories = ["cs.CV"]; };'
  echo 'subscribers = ( { name = "a"; topics = ( { name = "t"; query = "ti:x"; } ); } );'; } >"$tmp/hol.conf"
PAPERBOY_NOW=2026-12-20T12:00:00Z "$PAPERBOY" -c "$tmp/hol.conf" check >"$tmp/out" 2>&1 ||
	fail "own holidays: $(cat "$tmp/out")"
grep -qx 'holidays: listed up to 2027' "$tmp/out" || fail "own holidays: $(grep holidays "$tmp/out")"

# 2. The same from another working directory and through PAPERBOY_CONFIG.
(cd "$tmp" && PAPERBOY_CONFIG="$root/conf/paperboy.conf.example" "$PAPERBOY" check >/dev/null) ||
	fail "example via PAPERBOY_CONFIG from another directory"

# expect_error NAME WANT: runs check on $tmp/NAME.conf, wants exit 78 and WANT (a grep -F string).
expect_error() {
	"$PAPERBOY" -c "$tmp/$1.conf" check >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 78 ] || fail "$1: exit $rc, want 78 ($(cat "$tmp/err"))"
	grep -qF -- "$2" "$tmp/err" || fail "$1: want \"$2\" in: $(cat "$tmp/err")"
	[ -s "$tmp/out" ] && fail "$1: summary printed on error"
	return 0
}

printf 'arxiv = { categories = ["cs.CV"];\n  page_sze = 10; };\n' >"$tmp/typo.conf"
expect_error typo "$tmp/typo.conf:2: arxiv.page_sze: unknown key; did you mean \"arxiv.page_size\"?"

printf 'arxiv = { categories = ["cs.CV"]; };\nschedule = "8:30";\n' >"$tmp/sched.conf"
expect_error sched "$tmp/sched.conf:2: schedule: \"8:30\" is not a time of day"

printf 'arxiv = { categories = ["cs.CV"]; }\nstate_dir = ;\n' >"$tmp/syntax.conf"
expect_error syntax "$tmp/syntax.conf:2: syntax error"

mkdir -p "$tmp/conf.d"
cat >"$tmp/conf.d/alice.conf" <<'EOC'
{ name = "alice";
  topics = ( { name = "3D"; query = "ti:nerf"; } ); }
EOC
cat >"$tmp/conf.d/bob.conf" <<'EOC'
{ name = "bob";
  max_papers = 0;
  topics = ( { name = "VLM"; query = "ti:VLM"; } ); }
EOC
cat >"$tmp/inc.conf" <<'EOC'
arxiv = { categories = ["cs.CV"]; };
subscribers = (
  @include "conf.d/alice.conf"
  ,
  @include "conf.d/bob.conf"
);
EOC
expect_error inc "$tmp/conf.d/bob.conf:2: subscribers.[1].max_papers: subscriber bob: 0 is out of range (1 to 1000)"
sed -i 's/max_papers = 0/max_papers = 3/' "$tmp/conf.d/bob.conf"
"$PAPERBOY" -c "$tmp/inc.conf" check >"$tmp/out" 2>"$tmp/err" || fail "inc: $(cat "$tmp/err")"
grep -q '^subscribers: 2$' "$tmp/out" || fail "inc: want 2 subscribers"

printf 'arxiv = { categories = ["cs.CV"]; };\nsubscribers = (\n@include "conf.d/none.conf"\n);\n' \
	>"$tmp/noinc.conf"
expect_error noinc "$tmp/noinc.conf:3: cannot open include file \"conf.d/none.conf\""
# libconfig puts the config's directory before an absolute @include path too: the file is
# there, and the error says how to write its path so that it is found (which then loads)
printf 'arxiv = { categories = ["cs.CV"]; };\nsubscribers = (\n@include "%s/conf.d/bob.conf"\n);\n' \
	"$tmp" >"$tmp/absinc.conf"
expect_error absinc "$tmp/absinc.conf:3: cannot open include file \"$tmp/conf.d/bob.conf\": an @include path is taken relative to the directory of the main config file ($(cd "$tmp" && pwd -P)), one starting with / too; write \"../"
rel=$(sed -n 's/.*; write "\(.*\)"$/\1/p' "$tmp/err")
sed "s|@include \".*\"|@include \"$rel\"|" "$tmp/absinc.conf" >"$tmp/relinc.conf"
"$PAPERBOY" -c "$tmp/relinc.conf" check >"$tmp/out" 2>"$tmp/err" && grep -q '^subscribers: 1$' "$tmp/out" ||
	fail "the path the error suggests ($rel) does not load: $(cat "$tmp/err")"

# 3. Topic rules are compiled: a bad query names its line, key, column and shows a caret.
cat >"$tmp/rule.conf" <<'EOC'
arxiv = { categories = ["cs.CV"]; };
subscribers = ( { name = "a";
  topics = ( { name = "ok"; query = "ti:nerf"; },
             { name = "broken";
               query = "ti:(nerf OR"; } ); } );
EOC
expect_error rule "$tmp/rule.conf:5: subscribers.[0].topics.[1].query: subscriber a, topic broken, column"
grep -q '^ *^$' "$tmp/err" || fail "rule: no caret line in: $(cat "$tmp/err")"
grep -qx 'ti:(nerf OR' "$tmp/err" || fail "rule: the query is not shown"

# 4. Secrets: a group-readable file is refused; the value appears nowhere.
secret="hunter2-very-secret-token"
printf '%s\n' "$secret" >"$tmp/token"
chmod 644 "$tmp/token"
cat >"$tmp/tg.conf" <<'EOC'
arxiv = { categories = ["cs.CV"]; };
telegram = { token_file = "token"; };
subscribers = ( { name = "a"; telegram_chat = "@some_channel";
                  topics = ( { name = "t"; query = "ti:x"; } ); } );
EOC
expect_error tg "$tmp/tg.conf:2: telegram.token_file: secret file $tmp/token has mode 0644"
chmod 600 "$tmp/token"
"$PAPERBOY" -c "$tmp/tg.conf" check >"$tmp/out" 2>"$tmp/err" || fail "tg: $(cat "$tmp/err")"
grep -q '^channels: email 0, slack 0, telegram 1' "$tmp/out" || fail "tg: telegram channel"
grep -qF "$secret" "$tmp/out" "$tmp/err" && fail "tg: the secret was printed"

sed 's/token_file = "token"/token_env = "PB_IT_TOKEN"/' "$tmp/tg.conf" >"$tmp/tgenv.conf"
expect_error tgenv "$tmp/tgenv.conf:2: telegram.token_env: environment variable PB_IT_TOKEN is not set"
PB_IT_TOKEN="$secret" "$PAPERBOY" -c "$tmp/tgenv.conf" check >"$tmp/out" 2>"$tmp/err" ||
	fail "tgenv: $(cat "$tmp/err")"
grep -qF "$secret" "$tmp/out" "$tmp/err" && fail "tgenv: the secret was printed"

# An integer beyond 32 bits without the L suffix (libconfig cuts it without a word): refused
# when its value is on the line after its name, and when a key of the same name on the same
# line has the value libconfig cut it to.
printf 'arxiv = { categories = ["cs.CV"];\n  max_retries =\n   4294967301; };\n' >"$tmp/cutnext.conf"
expect_error cutnext "$tmp/cutnext.conf:2: arxiv.max_retries: 4294967301 is out of range (0 to 50)"
printf 'arxiv = { categories = ["cs.CV"]; timeout = 60; }; summary = { timeout = 4294967356; };\n' >"$tmp/cutsame.conf"
expect_error cutsame "$tmp/cutsame.conf:1: summary.timeout: 4294967356 is out of range (1 to 3600)"

# A file under zoneinfo that is no zone (the C library would take it for UTC): refused.
printf 'arxiv = { categories = ["cs.CV"]; };\ntimezone = "leapseconds";\n' >"$tmp/leap.conf"
expect_error leap "$tmp/leap.conf:2: timezone: \"leapseconds\" is not a time zone"

# More schedule times than the daemon keeps: refused with the line, as check says.
{ printf 'arxiv = { categories = ["cs.CV"]; };\nschedule = ['
  for h in $(seq 0 23); do for m in 00 20 40; do printf '"%02d:%s", ' "$h" "$m"; done; done
  printf '"23:59"];\n'; } >"$tmp/s73.conf"
expect_error s73 "$tmp/s73.conf:2: schedule: 73 elements; 1 to 64 are allowed"

# An empty string for a key that has a default is that default, as when the key is left out
# (the state's back end, the zone, arXiv's addresses, a subscriber's language): check and a
# match pass (it used to leave them unset: check crashed on the back end, fetch on the URL).
cat >"$tmp/empty.conf" <<EOF
state_dir = "$tmp/empty-state";
state = { backend = ""; };
timezone = "";
arxiv = { categories = ["cs.CV"]; rss_url = ""; api_url = ""; };
file = { enabled = true; dir = "$tmp/empty-out"; };
subscribers = ( { name = "a"; language = "";
  topics = ( { name = "t"; query = "cat:cs.CV"; } ); } );
EOF
"$PAPERBOY" -c "$tmp/empty.conf" check >"$tmp/out" 2>"$tmp/err" ||
	fail "empty strings: check exit $? ($(cat "$tmp/err"))"
grep -q '^schedule: 02:00 (UTC)$' "$tmp/out" || fail "empty strings: the zone's default: $(cat "$tmp/out")"
fixtures=${PB_FIXTURES:-$root/../shared/fixtures/arxiv}
"$PAPERBOY" -c "$tmp/empty.conf" match --feed "$fixtures/rss2-all-archives-2024-11-28-1504items.xml" \
	>"$tmp/out" 2>"$tmp/err" || fail "empty strings: match exit $? ($(cat "$tmp/err"))"

# A state that cannot be read (here not a database at all): check goes on with the file's
# subscribers and says the stored ones are left out, naming the file (it said nothing).
mkdir -p "$tmp/empty-state"
echo "not a database" >"$tmp/empty-state/paperboy.db"
"$PAPERBOY" -c "$tmp/empty.conf" check >"$tmp/out" 2>"$tmp/err" ||
	fail "unreadable state: check exit $? ($(cat "$tmp/err"))"
grep -q "level=warn event=subscriber.load state=$tmp/empty-state/paperboy.db error=.*(its stored subscribers are left out)" "$tmp/err" ||
	fail "unreadable state: not said: $(cat "$tmp/err")"
rm -f "$tmp/empty-state/paperboy.db"

# 5. No file at all.
"$PAPERBOY" -c "$tmp/absent.conf" check >/dev/null 2>"$tmp/err"
[ $? -eq 78 ] || fail "absent: want exit 78"
grep -qF "$tmp/absent.conf" "$tmp/err" || fail "absent: file not named"
exit 0
