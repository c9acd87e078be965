#!/bin/sh
# Installs the Debian packages paperboy needs, when any is missing; apt-get runs only if
# something is absent (through sudo when not root).
#   install-deps.sh          what paperboy builds and runs with (make, make run)
#   install-deps.sh --test   that, and what the tests, fuzzers and benchmarks use (make test,
#                            make asan, make fuzz, make bench)
#   --list                   print the packages instead of installing them
set -eu
RUN="build-essential pkg-config libcurl4-openssl-dev libxml2-dev libcjson-dev libconfig-dev
libsqlite3-dev libpq-dev libutf8proc-dev libssl-dev libmicrohttpd-dev liblinear-dev
libpoppler-glib-dev libdeflate-dev libidn2-dev ca-certificates"
# clang: make fuzz; Postfix (smtp-sink) and aiosmtpd: the SMTP peers; xmllint, sqlite3, time:
# tests and benchmarks; feedparser: reading back the archive's Atom feed; systemd and man-db:
# systemd-analyze verify of the installed units; chromium and nodejs: the browser test of the
# HTML email (tests/integration/55-html-browser.sh, which installs its pinned npm packages
# itself, no browser among them); scikit-learn: the ranking benchmark's reference; poppler-utils
# (pdftotext) and reportlab: the PDF benchmark's reference and the generated PDFs of the tests;
# postgresql (initdb, pg_ctl, psql): the throwaway server of tests/lib/pg.sh; strace: the file
# sink's syncs counted (tests/integration/93-file-groups.sh).
TEST="clang libxml2-utils sqlite3 python3 python3-aiosmtpd python3-feedparser postfix openssl
time systemd man-db chromium nodejs python3-sklearn poppler-utils python3-reportlab postgresql
strace"
PKGS=$RUN
list=0
test=0
for a in "$@"; do
  case "$a" in
  --test) PKGS="$RUN $TEST"; test=1 ;;
  --list) list=1 ;;
  *) echo "usage: install-deps.sh [--test] [--list]" >&2; exit 64 ;;
  esac
done
# npm: Debian's package, unless the installed nodejs carries its own npm.
if [ $test = 1 ] && ! command -v npm >/dev/null 2>&1; then
  PKGS="$PKGS npm"
fi
if [ $list = 1 ]; then
  printf '%s\n' $PKGS
  exit 0
fi
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
# postfix asks questions on install; the local peers in the tests need only its smtp-sink/source.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
