#!/bin/sh
# libcurl, libpq, libmicrohttpd, liblinear and libidn2 are loaded when first used (src/lazy/),
# not at every start:
#  1. paperboy's ELF needs none of them (ldd);
#  2. with each of them unloadable (a file that is no library under its soname, first on
#     LD_LIBRARY_PATH), what does not use it still works: --version, `fetch --json` of a saved
#     feed, `check` of a config;
#  3. what does use it stops with exit 69 and a line naming the library and what needed it:
#     fetching over HTTP (libcurl), a state on PostgreSQL (libpq), `serve` (libmicrohttpd),
#     `check` of an internationalised email domain (libidn2); and the fetch that stopped writes
#     nothing.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"

# 1
ldd "$PAPERBOY" >"$T/ldd" 2>&1 || fail "ldd failed: $(cat "$T/ldd")"
for l in libcurl libpq libmicrohttpd liblinear libidn2; do
  grep -q "$l" "$T/ldd" && fail "paperboy is linked to $l: $(grep "$l" "$T/ldd")"
done

# 2
mkdir "$T/broken"
for s in libcurl.so.4 libpq.so.5 libmicrohttpd.so.12 liblinear.so.4 libidn2.so.0; do
  echo "not a library" >"$T/broken/$s"
done
run() {   # run NAME ARGS...: paperboy with the broken libraries first; exit code in $rc
  n=$1; shift
  LD_LIBRARY_PATH="$T/broken" "$PAPERBOY" "$@" >"$T/$n.out" 2>"$T/$n.err"
  rc=$?
}
export PAPERBOY_CONFIG="$T/none.conf"
run version --version
[ "$rc" = 0 ] || fail "--version: exit $rc: $(cat "$T/version.err")"
run feed fetch --json --feed "$FEED"
[ "$rc" = 0 ] || fail "fetch --json --feed: exit $rc: $(tail -3 "$T/feed.err")"
[ "$(wc -l <"$T/feed.out")" = 1504 ] || fail "fetch --json --feed: $(wc -l <"$T/feed.out") lines, want 1504"

cat >"$T/pb.conf" <<CONF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; rss_url = "http://127.0.0.1:9/rss"; };
file = { enabled = false; };
email = { smtp_url = "smtp://127.0.0.1:9"; tls = "none"; from = "digest@example.org"; };
subscribers = ( { name = "ann"; email = "ann@example.org";
                  topics = ( { name = "Vision"; query = "cat:cs.CV"; } ); } );
CONF
run check -c "$T/pb.conf" check
[ "$rc" = 0 ] || fail "check: exit $rc: $(tail -3 "$T/check.err")"

# 3
want() {   # want NAME SONAME: exit 69 and the line naming SONAME
  [ "$rc" = 69 ] || fail "$1: exit $rc, want 69: $(tail -3 "$T/$1.err")"
  grep -q "event=library.missing library=$2 needed_for=" "$T/$1.err" ||
    fail "$1: no library.missing line for $2: $(tail -3 "$T/$1.err")"
}
run http -c "$T/pb.conf" fetch --json
want http libcurl.so.4
[ -s "$T/http.out" ] && fail "fetch that stopped wrote: $(head -c 200 "$T/http.out")"

sed 's|^state_dir = .*|&\nstate = { backend = "postgresql"; conninfo = "host=127.0.0.1 port=9 dbname=pb"; };|' \
  "$T/pb.conf" >"$T/pg.conf"
run pg -c "$T/pg.conf" status
want pg libpq.so.5

sed "s|ann@example.org|$(printf 'ann@b\303\274cher.example')|" "$T/pb.conf" >"$T/idn.conf"
run idn -c "$T/idn.conf" check
want idn libidn2.so.0

PORT=$(/usr/bin/python3 "$PB_TESTS/lib/free_port.py")
printf 'web = { listen = "127.0.0.1:%s"; base_url = "http://127.0.0.1:%s"; };\n' "$PORT" "$PORT" >>"$T/pb.conf"
run serve -c "$T/pb.conf" serve
want serve libmicrohttpd.so.12

[ "$fails" -eq 0 ] && echo "lazy-libs: ok"
exit $((fails > 0))
