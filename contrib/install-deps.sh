#!/bin/sh
# Installs the Debian packages paperboy builds, tests and benchmarks with, when any is missing.
# Debian packages only; runs apt-get only if something is absent.
set -eu
PKGS="build-essential pkg-config clang libcurl4-openssl-dev libxml2-dev libxml2-utils libcjson-dev
libconfig-dev libsqlite3-dev sqlite3 libutf8proc-dev python3 python3-aiosmtpd postfix openssl
ca-certificates time"
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
