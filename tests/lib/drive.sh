# Sourced by the integration scripts that drive delivery (tests/tools/deliver_drive) against
# peers of their own: sets DRIVE, PY (Debian's python3, which has aiosmtpd), LIB (this
# folder) and T, a temporary directory made the working directory and removed at the end with
# every peer whose pid is in pids stopped; fail MESSAGE ends the script; peer NAME ARGS starts
# smtpd.py saving into NAME (its port in NAME.port, its log in NAME.err).
set -eu
: "${BUILD:?BUILD must name the build directory}"
DRIVE="$BUILD/tests/tools/deliver_drive"
PY=/usr/bin/python3
LIB="$(cd "$(dirname "$0")/../lib" && pwd)"
T=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$DRIVE" ] || fail "missing $DRIVE"
cd "$T"

peer() {
	n=$1
	shift
	$PY "$LIB/smtpd.py" --port-file "$n.port" --save-dir "$n" --timeout 60 "$@" \
		2>"$n.err" &
	pids="$pids $!"
	i=0
	while [ ! -s "$n.port" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { cat "$n.err" >&2; fail "the peer $n did not start"; }
		sleep 0.1
	done
}
