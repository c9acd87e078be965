#!/bin/sh
# The command line: `paperboy --help` lists every command with a line saying what it does,
# `paperboy COMMAND --help` prints that command's usage and exits 0, the global options (-c, -v,
# --help) work after the command too without eating a command option's value, every usage line
# is the same in --help, paperboy(1)'s SYNOPSIS and README's Commands, every option of a usage
# line is described in paperboy(1) and accepted by its command, the commands of --help are
# paperboy(1)'s, its global options have an item in OPTIONS and are named in README, every exit
# code the sources return is in EXIT STATUS and README, --date refuses a day that
# does not exist, and a mistake on the command line is named (not the usage line alone), a
# mistyped command or subscriber action with the nearest one.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}" "${PB_TESTS:?}"
ROOT=$(cd "$PB_TESTS/.." && pwd)
T=$(mktemp -d /tmp/pb-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "06-cli: FAIL: $*" >&2; fails=$((fails + 1)); }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
cat >"$T/pb.conf" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; rss_url = "http://127.0.0.1:9/rss";
          api_url = "http://127.0.0.1:9/api/query"; max_retries = 0; timeout = 5; };
file = { dir = "$T/out"; };
subscribers = ( { name = "lab"; topics = ( { name = "3D"; query = "abs:nerf"; } ); } );
EOF
COMMANDS="run daemon fetch match preview check status retry subscriber serve state"

# paperboy --help: exit 0, every command with a description
"$PAPERBOY" --help >"$T/help" 2>&1 || fail "paperboy --help exits $?"
for c in $COMMANDS; do
  grep -Eq "^  $c +[a-z].{20,}" "$T/help" || fail "--help has no description line for $c"
done
"$PAPERBOY" >/dev/null 2>&1; rc=$?
[ $rc = 64 ] || fail "paperboy without a command exits $rc, want 64"

# help and version that cannot be written: exit 74, as any output that fails
for a in --help --version "check --help"; do
  "$PAPERBOY" $a >/dev/full 2>"$T/e"; rc=$?
  [ $rc = 74 ] || fail "paperboy $a >/dev/full exits $rc, want 74: $(cat "$T/e")"
done

# COMMAND --help and COMMAND -h: that command's usage on stdout, exit 0, nothing run
: >"$T/help-lines"
for c in $COMMANDS; do
  for h in --help -h; do
    "$PAPERBOY" -c "$T/pb.conf" "$c" "$h" >"$T/$c.help" 2>"$T/$c.err"; rc=$?
    [ $rc = 0 ] || fail "paperboy $c $h exits $rc, want 0: $(cat "$T/$c.err")"
    head -n 1 "$T/$c.help" | grep -q "^usage: paperboy \[-c FILE\] \[-v\] $c\b" ||
      fail "paperboy $c $h does not print $c's usage: $(head -n 1 "$T/$c.help")"
  done
  head -n 1 "$T/$c.help" | sed 's/^usage: paperboy \[-c FILE\] \[-v\] //' >>"$T/help-lines"
done
[ ! -e "$T/state" ] && [ ! -e "$T/out" ] || fail "a --help ran its command"

# the same usage lines in --help, paperboy(1) and README
/usr/bin/python3 "$PB_TESTS/lib/synopsis.py" man "$ROOT/man/paperboy.1" >"$T/man-lines"
/usr/bin/python3 "$PB_TESTS/lib/synopsis.py" readme "$ROOT/README.md" >"$T/readme-lines"
diff -u "$T/help-lines" "$T/man-lines" >"$T/d1" || fail "paperboy(1) SYNOPSIS and --help differ:
$(cat "$T/d1")"
diff -u "$T/help-lines" "$T/readme-lines" >"$T/d2" || fail "README's Commands and --help differ:
$(cat "$T/d2")"
# the commands --help lists are the ones tested here and paperboy(1)'s COMMANDS sections
words() { tr ' ' '\n' | grep . | sort | tr '\n' ' '; }
sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' "$T/help" | words >"$T/help-cmds"
[ "$(cat "$T/help-cmds")" = "$(echo $COMMANDS | words)" ] ||
  fail "--help lists $(cat "$T/help-cmds"), not $COMMANDS"
sed -n 's/^\.SS //p' "$ROOT/man/paperboy.1" | words >"$T/man-cmds"
[ "$(cat "$T/man-cmds")" = "$(cat "$T/help-cmds")" ] ||
  fail "paperboy(1)'s COMMANDS are $(cat "$T/man-cmds"), --help's $(cat "$T/help-cmds")"
# the global options --help names have an item in paperboy(1)'s OPTIONS and are in README's
# Commands
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$ROOT/man/paperboy.1" | sed 's/\\-/-/g' >"$T/man-options"
sed -n '/^## Commands/,/^## Configuration/p' "$ROOT/README.md" >"$T/readme-commands"
sed -n '/^options/,/^$/p; /^usage:/,/^$/p' "$T/help" >"$T/help-options"
for o in $(grep -oE -- '(^|[ [,])--?[a-z][a-z-]*' "$T/help-options" | grep -oE -- '--?[a-z-]+' |
           sort -u); do
  grep -A1 '^\.TP' "$T/man-options" | grep -q -- "$o\b" ||
    fail "paperboy(1) OPTIONS has no item for $o"
  grep -q -- "\`[^\`]*$o\b[^\`]*\`" "$T/readme-commands" || fail "README's Commands do not name $o"
done
# every exit code the sources return (a sysexits.h name) has an item in paperboy(1)'s EXIT
# STATUS and is in README's list of them
sed -n '/^\.SH EXIT STATUS/,/^\.SH SIGNALS/p' "$ROOT/man/paperboy.1" >"$T/man-exit"
for x in $(grep -rhoE '\bEX_[A-Z]+\b' "$ROOT/src" | sort -u); do
  n=$(sed -n "s/^#define $x[[:space:]]*\([0-9]*\).*/\1/p" /usr/include/sysexits.h)
  [ -n "$n" ] || { fail "$x is not in sysexits.h"; continue; }
  grep -A1 '^\.TP' "$T/man-exit" | grep -q "^\.B $n\$" ||
    fail "paperboy(1) EXIT STATUS has no item for $n ($x)"
  [ "$n" = 0 ] || awk '/sysexits/ { p = 1 } p && /^$/ { exit } p' "$T/readme-commands" |
    grep -qE "(^|[ /])$n([ /]|\$)" ||
    fail "README's exit codes do not give $n ($x)"
done

# every option of a usage line is described in the command's section of paperboy(1)
/usr/bin/python3 "$PB_TESTS/lib/synopsis.py" options "$ROOT/man/paperboy.1" >"$T/man-opts"
while read -r c args; do
  for o in $(echo "$args" | grep -o -- '--[a-z][a-z-]*'); do
    grep "^$c " "$T/man-opts" | grep -q -- " $o\b" ||
      fail "paperboy(1) does not describe $c's $o"
  done
done <"$T/help-lines"

# global options after the command: `check -c FILE`, `-v` anywhere
"$PAPERBOY" check -c "$T/pb.conf" >"$T/c1" 2>&1 || fail "check -c FILE exits $?: $(cat "$T/c1")"
grep -q "^config: $T/pb.conf ok" "$T/c1" || fail "check -c FILE did not read FILE: $(cat "$T/c1")"
(cd "$T" && PAPERBOY_CONFIG=/nonexistent "$PAPERBOY" check -v -c pb.conf >c2 2>&1) ||
  fail "check -v -c FILE exits non-zero: $(cat "$T/c2")"
"$PAPERBOY" check -c >/dev/null 2>"$T/c3"; rc=$?
[ $rc = 64 ] && grep -q -- '-c needs a FILE' "$T/c3" || fail "check -c without FILE: exit $rc, $(cat "$T/c3")"
"$PAPERBOY" -c "$T/pb.conf" check extra >/dev/null 2>"$T/c4"; rc=$?
[ $rc = 64 ] || fail "check with an argument exits $rc, want 64"
grep -q "usage: paperboy \[-c FILE\] \[-v\] check" "$T/c4" || fail "check's error shows no usage"
"$PAPERBOY" -c "$T/pb.conf" run --bogus >/dev/null 2>"$T/c5"; rc=$?
[ $rc = 64 ] && grep -q "usage: paperboy \[-c FILE\] \[-v\] run " "$T/c5" ||
  fail "run --bogus: exit $rc, $(cat "$T/c5")"
# a command option's value that looks like a global option stays that option's value
"$PAPERBOY" -c "$T/pb.conf" match --subscriber -v --feed "$FEED" >/dev/null 2>"$T/c6"; rc=$?
[ $rc != 0 ] && grep -q -- "-v" "$T/c6" ||
  fail "match --subscriber -v: -v was not taken as the subscriber (exit $rc): $(cat "$T/c6")"

# --date takes a day that exists: run, fetch and preview say that anything else is not a date
# and exit 64 before any work (no state, no request: the config's arXiv is unreachable)
for d in 2025-02-30 2024-02-30 2025-13-01 2025-2-3 1990-12-31; do
  for c in "run --dry-run" "fetch" "preview --subscriber lab"; do
    # shellcheck disable=SC2086
    "$PAPERBOY" -c "$T/pb.conf" $c --date "$d" >/dev/null 2>"$T/d.err"; rc=$?
    [ $rc = 64 ] && grep -q -- "--date $d is not a date" "$T/d.err" ||
      fail "$c --date $d: exit $rc, want 64 and 'is not a date': $(cat "$T/d.err")"
  done
done
[ ! -e "$T/state" ] || fail "a --date that is not a date ran its command"
# a leap day is a date (a saved feed: no network)
"$PAPERBOY" -c "$T/pb.conf" run --dry-run --date 2024-02-29 --feed "$FEED" >/dev/null \
  2>"$T/leap.err"; rc=$?
[ $rc != 64 ] || fail "run --date 2024-02-29 is a usage error: $(cat "$T/leap.err")"

# a count that is not one is named, with what status takes
for v in x -1 10001; do
  "$PAPERBOY" -c "$T/pb.conf" status --runs "$v" >/dev/null 2>"$T/st.err"; rc=$?
  [ $rc = 64 ] && grep -q -- "--runs $v: give a count from 0 to 10000" "$T/st.err" ||
    fail "status --runs $v: exit $rc, $(cat "$T/st.err")"
done
"$PAPERBOY" -c "$T/pb.conf" status --errors 1e3 >/dev/null 2>"$T/st.err"; rc=$?
[ $rc = 64 ] && grep -q -- "--errors 1e3: give a count" "$T/st.err" ||
  fail "status --errors 1e3: exit $rc, $(cat "$T/st.err")"

# every option of every usage line is accepted (exit not 64); daemon's would start a daemon
# and are covered by 60-daemon.sh
pbx() {
  "$PAPERBOY" "$@" >"$T/x.out" 2>"$T/x.err"; rc=$?
  [ $rc != 64 ] || fail "paperboy $* is a usage error: $(cat "$T/x.err")"
}
pbx check -c "$T/pb.conf"
pbx -c "$T/pb.conf" run --dry-run --feed "$FEED" --only lab --wait 1
pbx -c "$T/pb.conf" run --date 2024-11-28 --feed "$FEED" --dry-run
pbx -c "$T/pb.conf" fetch --feed "$FEED" --category cs.CV --json
pbx -c "$T/pb.conf" fetch --date 2024-11-28
pbx -c "$T/pb.conf" match --feed "$FEED" --subscriber lab
pbx -c "$T/pb.conf" preview --subscriber lab --format html --feed "$FEED"
pbx -c "$T/pb.conf" preview --subscriber lab --date 2024-11-28
pbx -c "$T/pb.conf" status --runs 1 --errors 1
pbx -c "$T/pb.conf" retry --subscriber lab

# a mistake on the command line is named, not answered with the usage line alone: an option
# the command does not take or given without its value, an argument too many, a subscriber
# action that does not exist, an option the action would ignore
pbe() {  # pbe WANT ARGS...: exit 64 and WANT on stderr, with the usage
  want=$1; shift
  "$PAPERBOY" -c "$T/pb.conf" "$@" >"$T/e.out" 2>"$T/e.err"; rc=$?
  [ $rc = 64 ] && grep -qF -- "$want" "$T/e.err" && grep -q '^usage: paperboy' "$T/e.err" ||
    fail "paperboy $*: exit $rc, want 64 and \"$want\": $(cat "$T/e.err")"
}
for c in run daemon fetch match preview status retry; do
  pbe "paperboy: $c: unknown option or missing value: --bogus" $c --bogus
done
pbe "paperboy: state: unknown option or missing value: --bogus" state migrate --to postgresql --bogus
pbe "paperboy: subscriber: unknown option or missing value: --emial" subscriber add x --emial x@example.org
pbe "paperboy: run: unknown option or missing value: --only" run --dry-run --only
pbe "paperboy: retry: unknown option or missing value: --subscriber" retry --subscriber
pbe "paperboy: subscriber: unknown option or missing value: --email" subscriber add x --email
pbe "paperboy: retry: unexpected argument: lab" retry lab
pbe "paperboy: serve: unexpected argument: now" serve now
pbe "paperboy: subscriber: unexpected argument: b" subscriber show a b
pbe "paperboy: preview: give the subscriber: --subscriber NAME" preview --format md
pbe "paperboy: subscriber: unknown action frob" subscriber frob lab
pbe "paperboy: subscriber: unknown action frob" subscriber frob
# a mistyped command or action is answered with the nearest one, as a mistyped name is
pbe 'paperboy: unknown command stauts; did you mean "status"?' stauts
pbe 'paperboy: unknown command Run; did you mean "run"?' Run --dry-run
pbe 'paperboy: subscriber: unknown action lsit; did you mean "list"?' subscriber lsit
pbe 'paperboy: subscriber: unknown action pasue; did you mean "pause"?' subscriber pasue lab
pbe "paperboy: subscriber: give an action" subscriber
pbe "paperboy: subscriber: --all is given to export only" subscriber list --all
pbe "paperboy: subscriber: --reason is given to pause only" subscriber remove lab --reason gone

[ $fails = 0 ] || exit 1
echo "06-cli: ok"
