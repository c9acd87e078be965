#!/bin/sh
# A throwaway PostgreSQL for tests: initdb and pg_ctl in a temporary directory, as an
# unprivileged user (postgres when run as root), listening on a Unix socket in that directory
# (and on a free 127.0.0.1 port with PB_PG_TCP=1). Nothing is left behind after `stop`.
#
#   eval "$(sh tests/lib/pg.sh start)"      sets PB_PG_DIR and PB_PG_CONNINFO
#   trap 'sh tests/lib/pg.sh stop "$PB_PG_DIR"' EXIT
#   sh tests/lib/pg.sh halt "$PB_PG_DIR"     stops the server, keeps the data (a lost server)
#   sh tests/lib/pg.sh resume "$PB_PG_DIR"   starts it again
#
# The server runs with fsync off (tests never lose power) and C collation. Every wait is
# bounded (PB_PG_WAIT seconds, default 30).
set -u

WAIT=${PB_PG_WAIT:-30}
if [ -z "${PG_BIN:-}" ]; then
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && PG_BIN=$d
	done
fi
if [ -z "${PG_BIN:-}" ] || [ ! -x "$PG_BIN/initdb" ]; then
	echo "pg.sh: no PostgreSQL server binaries (Debian package postgresql)" >&2
	exit 2
fi

# Runs a server binary as the unprivileged owner of the directory.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		if command -v runuser >/dev/null 2>&1; then
			runuser -u postgres -- "$@"
		else
			su postgres -s /bin/sh -c '"$0" "$@"' -- "$@"
		fi
	else
		"$@"
	fi
}

free_port() {
	/usr/bin/python3 "$(dirname "$0")/free_port.py"
}

server_start() {
	d=$1
	port=$(cat "$d/port")
	listen="''"
	[ -f "$d/tcp" ] && listen=127.0.0.1
	as_owner "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/log" -w -t "$WAIT" \
		-o "-k $d -p $port -c listen_addresses=$listen -F -c max_connections=50" \
		start >/dev/null || { cat "$d/log" >&2; return 1; }
}

case "${1:-}" in
start)
	d=$(mktemp -d /tmp/pb-pg.XXXXXX) || exit 1
	chmod 0755 "$d"
	[ "$(id -u)" = 0 ] && chown postgres "$d"
	port=5432
	if [ "${PB_PG_TCP:-0}" = 1 ]; then
		port=$(free_port) || exit 1
		: >"$d/tcp"
	fi
	echo "$port" >"$d/port"
	if ! as_owner "$PG_BIN/initdb" -D "$d/data" -U paperboy --auth=trust --locale=C \
		--encoding=UTF8 -N >"$d/initdb.log" 2>&1; then
		cat "$d/initdb.log" >&2
		rm -rf "$d"
		exit 1
	fi
	if ! server_start "$d" || ! as_owner "$PG_BIN/createdb" -h "$d" -p "$port" -U paperboy \
		paperboy; then
		as_owner "$PG_BIN/pg_ctl" -D "$d/data" stop -m immediate -w -t "$WAIT" >/dev/null 2>&1
		rm -rf "$d"
		exit 1
	fi
	host=$d
	[ -f "$d/tcp" ] && host=127.0.0.1
	echo "PB_PG_DIR='$d'"
	echo "PB_PG_CONNINFO='host=$host port=$port dbname=paperboy user=paperboy'"
	;;
halt)
	d=${2:?directory}
	as_owner "$PG_BIN/pg_ctl" -D "$d/data" stop -m immediate -w -t "$WAIT" >/dev/null
	;;
resume)
	d=${2:?directory}
	server_start "$d"
	;;
stop)
	d=${2:-}
	case "$d" in
	/tmp/pb-pg.*) ;;
	*) exit 0 ;;   # never started (or not ours): nothing to do
	esac
	[ -d "$d/data" ] && as_owner "$PG_BIN/pg_ctl" -D "$d/data" stop -m immediate -w \
		-t "$WAIT" >/dev/null 2>&1
	rm -rf "$d"
	;;
*)
	echo "usage: pg.sh start | halt DIR | resume DIR | stop DIR" >&2
	exit 64
	;;
esac
