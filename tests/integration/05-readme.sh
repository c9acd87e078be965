#!/bin/sh
# Every command in README.md's ```sh blocks, run exactly as written, in order, in a fresh copy
# of the tree with the saved arXiv responses (PB_FIXTURES) at ../shared/fixtures/arxiv as the
# README says, in a clean
# environment (no BUILD, MAKEFLAGS, CFLAGS... of the make that runs this test):
#   - `make test` and `make asan` are what CI runs (.ci/run, checked here); this test is part
#     of `make test` and does not run it again.
#   - `make run` fetches from tests/lib/arxiv_server.py, named by PAPERBOY_ARXIV_RSS_URL and
#     PAPERBOY_ARXIV_API_URL (paperboy(1)); `make fuzz` runs with FUZZ_SECONDS=1, `make bench`
#     with ONLY=render PB_BENCH_DIGESTS=200, to keep make test short.
#   - the whole sequence runs as root in a private mount namespace whose /usr, /etc and /var are
#     overlays, so `sudo make install PREFIX=/usr` and `sudo systemctl enable paperboy` install
#     for real there and nothing reaches the machine; `sudo` is root's own (a stand-in that runs
#     the command when sudo is not installed). Without such a namespace (not root) the sudo
#     commands are reported as not run.
# Also: no line outside a ```sh block looks like a command; make run installs only the run-time
# packages, make test the test ones.
set -u
: "${PB_TESTS:?}" "${PB_FIXTURES:?}"
if [ -n "${PB_README_RUN:-}" ]; then
  echo "05-readme: inside a README command: not run again"; exit 0
fi
if [ "${PB_SANITIZED:-}" = 1 ]; then
  echo "05-readme: run by make test; the README's commands build their own tree, the sanitizers change nothing here"
  exit 0
fi
ROOT=$(cd "$PB_TESTS/.." && pwd)
T=$(mktemp -d /tmp/pb-readme.XXXXXX)
SRV=
cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "05-readme: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "05-readme: FAIL: $*" >&2; exit 1; }

# The commands
/usr/bin/python3 "$PB_TESTS/lib/readme_commands.py" "$ROOT/README.md" >"$T/commands" ||
  die "README.md: see above"
grep -qx 'make test' "$ROOT/.ci/run" && grep -qx 'make asan' "$ROOT/.ci/run" ||
  fail ".ci/run does not run make test and make asan: $(cat "$ROOT/.ci/run")"

# What make run and make test install
sh "$ROOT/contrib/install-deps.sh" --list >"$T/deps-run" || fail "install-deps.sh --list failed"
sh "$ROOT/contrib/install-deps.sh" --test --list >"$T/deps-test" || fail "install-deps.sh --test --list failed"
for p in clang postfix python3-aiosmtpd chromium nodejs; do
  grep -qx "$p" "$T/deps-run" && fail "make run would install $p, which only the tests need"
  grep -qx "$p" "$T/deps-test" || fail "install-deps.sh --test does not install $p"
done
for p in libcurl4-openssl-dev libxml2-dev libcjson-dev libconfig-dev libsqlite3-dev libutf8proc-dev; do
  grep -qx "$p" "$T/deps-run" || fail "install-deps.sh does not install $p"
done
make -C "$ROOT" -n run 2>/dev/null | grep -q 'install-deps.sh$' || fail "make run does not run install-deps.sh without --test"
for t in test asan fuzz bench; do
  make -C "$ROOT" -n "$t" 2>/dev/null | grep -q 'install-deps.sh --test' ||
    fail "make $t does not run install-deps.sh --test"
done

# A fresh copy of the tree, ../shared beside it
mkdir -p "$T/x/paperboy" "$T/x/shared/fixtures"
ln -s "$PB_FIXTURES" "$T/x/shared/fixtures/arxiv"
W="$T/x/paperboy"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files --cached --others --exclude-standard -z |
    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh |
    tar -cf - -T -) | tar -xf - -C "$W" || die "cannot copy the tree"
else
  (cd "$ROOT" && tar -cf - --exclude='./build*' --exclude=./paperboy --exclude=./state \
    --exclude=./out .) | tar -xf - -C "$W"
fi

# The arXiv stand-in for make run
/usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/port" --log "$T/arxiv.log" \
  --fixtures "$PB_FIXTURES" 2>"$T/server.err" &
SRV=$!
i=0
while [ ! -s "$T/port" ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && { cat "$T/server.err" >&2; die "arxiv stand-in did not start"; }
  sleep 0.1
done
PORT=$(cat "$T/port")

# sudo: root's own, or a stand-in that runs the command (what sudo does for root)
mkdir "$T/bin"
if ! command -v sudo >/dev/null; then
  printf '#!/bin/sh\nexec "$@"\n' >"$T/bin/sudo"
  chmod 755 "$T/bin/sudo"
fi
ns=no
[ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null && ns=yes

# The runner: each command with sh -c, exactly as written, from the top of the copy.
cat >"$T/inner.sh" <<EOF
if [ $ns = yes ]; then
  for d in usr etc var; do
    mkdir -p "$T/ov/\$d.up" "$T/ov/\$d.work"
    mount -t overlay overlay -o "lowerdir=/\$d,upperdir=$T/ov/\$d.up,workdir=$T/ov/\$d.work" "/\$d" || exit 9
  done
fi
i=0
while IFS= read -r cmd; do
  i=\$((i + 1))
  case "\$cmd" in
  "make test"|"make test "*|"make asan"|"make asan "*) echo ci >"$T/rc.\$i"; continue ;;
  sudo*) [ $ns = yes ] || { echo notrun >"$T/rc.\$i"; continue; } ;;
  esac
  extra=""
  case "\$cmd" in "make bench"*) extra="ONLY=render PB_BENCH_DIGESTS=200" ;; esac
  t0=\$(date +%s)
  (cd "$W" && env -i PATH="$T/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
     HOME="\${HOME:-/root}" LANG=C.UTF-8 PB_README_RUN=1 FUZZ_SECONDS=1 \
     PAPERBOY_ARXIV_RSS_URL="http://127.0.0.1:$PORT/rss" \
     PAPERBOY_ARXIV_API_URL="http://127.0.0.1:$PORT/api/query" \$extra \
     timeout 900 sh -c "\$cmd" </dev/null >"$T/out.\$i" 2>&1)
  echo \$? >"$T/rc.\$i"
  echo \$((\$(date +%s) - t0)) >"$T/time.\$i"
  # what only the namespace shows
  case "\$cmd" in
  "sudo make install"*) [ -x /usr/bin/paperboy ] && echo installed >"$T/seen.\$i" ;;
  "sudo systemctl enable"*) [ -L /etc/systemd/system/multi-user.target.wants/paperboy.service ] &&
      echo enabled >"$T/seen.\$i" ;;
  esac
done <"$T/commands"
EOF
if [ $ns = yes ]; then
  unshare -m sh "$T/inner.sh" || die "the mount namespace could not be set up (exit $?)"
else
  sh "$T/inner.sh"
fi

# What each command did
i=0
while IFS= read -r cmd; do
  i=$((i + 1))
  rc=$(cat "$T/rc.$i" 2>/dev/null || echo missing)
  case "$rc" in
  ci) echo "   README: $cmd: run by CI (.ci/run)"; continue ;;
  notrun) echo "   README: $cmd: NOT RUN (no private mount namespace here; needs root)"; continue ;;
  0) echo "   README: $cmd: ok ($(cat "$T/time.$i" 2>/dev/null) s)" ;;
  *) fail "README command failed (exit $rc): $cmd
$(tail -n 25 "$T/out.$i")"; continue ;;
  esac
  case "$cmd" in
  "make run")
    [ -x "$W/paperboy" ] || fail "make run did not build ./paperboy"
    grep -q '"/rss/cs.CV' "$T/arxiv.log" || fail "make run did not fetch cs.CV from the stand-in: $(cat "$T/arxiv.log")"
    [ -f "$W/state/paperboy.db" ] || fail "make run left no state/paperboy.db" ;;
  "./paperboy"*" run --feed "*)
    n=$(ls "$W"/out/2024-11-28/*/digest.md 2>/dev/null | wc -l)
    [ "$n" -ge 1 ] || fail "$cmd wrote no digest under out/2024-11-28/" ;;
  "./paperboy"*" preview "*)
    grep -q '^# ' "$T/out.$i" || fail "$cmd printed no Markdown digest: $(head -c 300 "$T/out.$i")" ;;
  "sudo make install"*)
    [ -f "$T/seen.$i" ] || fail "$cmd did not install /usr/bin/paperboy" ;;
  "sudo paperboy check")
    grep -q '^config: /etc/paperboy/paperboy.conf ok' "$T/out.$i" ||
      fail "$cmd did not check /etc/paperboy/paperboy.conf: $(head -n 3 "$T/out.$i")" ;;
  "sudo systemctl enable"*)
    [ -f "$T/seen.$i" ] || fail "$cmd did not enable paperboy.service" ;;
  "make install"*"DESTDIR=stage"*)
    [ -x "$W/stage/usr/bin/paperboy" ] && [ -f "$W/stage/etc/paperboy/paperboy.conf" ] ||
      fail "$cmd laid out no stage/usr/bin/paperboy and stage/etc/paperboy/paperboy.conf"
    [ -f "$W/stage/usr/lib/paperboy/paperboy-pdf.so" ] ||
      fail "$cmd laid out no stage/usr/lib/paperboy/paperboy-pdf.so (the PDF module)" ;;
  "make"|"make PREFIX="*|"make "*"# builds"*)
    [ -x "$W/paperboy" ] || fail "$cmd did not build ./paperboy" ;;
  esac
done <"$T/commands"
if [ $ns = yes ]; then
  [ ! -e "$T/ov/usr.up/bin/paperboy" ] && fail "the install did not land in the namespace's overlay"
fi

[ $fails = 0 ] || exit 1
echo "05-readme: ok"
