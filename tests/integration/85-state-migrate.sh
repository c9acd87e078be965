#!/bin/sh
# paperboy state migrate --to postgresql: a SQLite state from a real run (digests sent, a
# stored subscriber, the ledger, the corpus) copied into a fresh PostgreSQL database with every
# table's rows counted in both; a second copy refused unless --replace; then run, subscriber
# and status work on PostgreSQL, new rows numbered past the copied ones; a state that another
# paperboy holds, named by --from or not, is refused.
set -u
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
LIB=$(cd "$(dirname "$0")/../lib" && pwd)
T=$(mktemp -d /tmp/pb-85.XXXXXX)
PB_PG_DIR=""
trap 'sh "$LIB/pg.sh" stop "$PB_PG_DIR"; rm -rf "$T"' EXIT INT TERM
fail() { echo "85-state-migrate: $*" >&2; exit 1; }
BIG="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"

env=$(sh "$LIB/pg.sh" start) || fail "cannot start PostgreSQL (tests/lib/pg.sh)"
eval "$env"
q() { psql -X -A -t -q "$PB_PG_CONNINFO" -c "$1"; }

cat >"$T/sqlite.conf" <<EOC
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
file = { dir = "$T/out"; };
subscribers = (
  { name = "amy"; max_papers = 5;
    topics = ( { name = "Depth"; query = "ti:depth OR abs:\"depth estimation\""; } ); },
  { name = "bo"; max_papers = 3; topics = ( { name = "Robots"; query = "cat:cs.RO"; } ); }
);
EOC
# The same machine, its state moved: backend and conninfo added, nothing else changed.
sed 's|^arxiv = |state = { backend = "postgresql"; conninfo = "'"$PB_PG_CONNINFO"'"; };\narxiv = |' \
	"$T/sqlite.conf" >"$T/pg.conf"
sq() { "$PAPERBOY" -c "$T/sqlite.conf" "$@"; }
pg() { "$PAPERBOY" -c "$T/pg.conf" "$@"; }

sq subscriber add zed --topic 'seg=ti:segmentation' --max-papers 2 >/dev/null 2>&1 ||
	fail "subscriber add on SQLite"
sq run --feed "$BIG" >"$T/run1" 2>"$T/log1" || fail "run on SQLite: $(cat "$T/log1")"
n_sq=$(sqlite3 "$T/state/paperboy.db" "SELECT count(*) FROM outbox")
[ "$n_sq" -gt 0 ] || fail "the SQLite run enqueued nothing"

# A --from FILE in a state directory that another paperboy holds (its daemon, a run): refused
# (75, the lock named), nothing copied; as is the configured state directory's.
sed 's|^state_dir = .*|state_dir = "'"$T"'/pgstate";|' "$T/pg.conf" >"$T/pg-elsewhere.conf"
mkdir "$T/pgstate"
/usr/bin/python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' "$T/state/paperboy.lock" &
HOLDER=$!
i=0
until [ "$(flock -n "$T/state/paperboy.lock" echo free 2>/dev/null)" != free ] || [ $i -ge 50 ]; do
	sleep 0.1; i=$((i + 1))
done
"$PAPERBOY" -c "$T/pg-elsewhere.conf" state migrate --to postgresql --from "$T/state/paperboy.db" \
	>"$T/m0" 2>"$T/e0"; rc=$?
[ $rc = 75 ] && grep -q "another paperboy.* holds $T/state/paperboy.lock" "$T/e0" ||
	{ kill "$HOLDER"; fail "--from a state in use: exit $rc, $(cat "$T/e0" "$T/m0")"; }
pg state migrate --to postgresql >"$T/m0" 2>"$T/e0"; rc=$?
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
[ $rc = 75 ] || fail "a state in use: exit $rc, $(cat "$T/e0")"

# The copy prints every table with both counts, all equal.
pg state migrate --to postgresql >"$T/m1" 2>"$T/e1" || fail "migrate: $(cat "$T/e1")"
grep -q 'every count verified' "$T/m1" || fail "no verification line: $(cat "$T/m1")"
# An empty target is what migrate fills: no warning that it lacks the schema, nor advice to
# run there first (a run's rows would make the copy refused).
grep -q 'subscriber.load\|paperboy run' "$T/e1" && fail "migrate warns of the empty target: $(cat "$T/e1")"
for t in $(sqlite3 "$T/state/paperboy.db" \
	"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"); do
	if [ "$t" = meta ]; then w="WHERE key <> 'schema_version'"; else w=""; fi
	a=$(sqlite3 "$T/state/paperboy.db" "SELECT count(*) FROM $t $w")
	b=$(q "SELECT count(*) FROM $t $w")
	[ "$a" = "$b" ] || fail "table $t: $a rows in SQLite, $b in PostgreSQL"
	grep -Eq "^$t +$a +$a\$" "$T/m1" || fail "table $t not printed as $a $a: $(cat "$T/m1")"
done
[ "$(q 'SELECT count(*) FROM outbox')" = "$n_sq" ] || fail "outbox rows differ"
# Payloads are byte for byte the same.
a=$(sqlite3 "$T/state/paperboy.db" "SELECT group_concat(hex(payload), '') FROM (SELECT payload FROM outbox_payload ORDER BY id)" | md5sum)
b=$(q "SELECT string_agg(upper(encode(payload, 'hex')), '' ORDER BY id) FROM outbox_payload" | md5sum)
[ "$a" = "$b" ] || fail "payloads differ after the copy"

# Again: refused, nothing changed; with --replace: the same counts.
before=$(q "SELECT count(*) FROM runs")
pg state migrate --to postgresql >"$T/m2" 2>"$T/e2"; rc=$?
[ $rc = 73 ] && grep -q 'already holds' "$T/e2" || fail "a second copy: exit $rc, $(cat "$T/e2")"
[ "$(q "SELECT count(*) FROM runs")" = "$before" ] || fail "a refused copy changed the runs"
pg state migrate --to postgresql --replace >"$T/m3" 2>"$T/e3" || fail "--replace: $(cat "$T/e3")"
[ "$(q 'SELECT count(*) FROM outbox')" = "$n_sq" ] || fail "--replace doubled the outbox"

# PostgreSQL is the state now: the day is done there, a new run row is numbered past the
# copied ones, stored subscribers are seen and added, status reads it.
maxid=$(q "SELECT max(id) FROM runs")
pg run --feed "$BIG" >"$T/run2" 2>"$T/log2" || fail "run on PostgreSQL: $(cat "$T/log2")"
grep -q '0 messages enqueued' "$T/run2" || fail "the copied day was sent again: $(cat "$T/run2")"
pg run --feed "$BIG" --only zed >"$T/run3" 2>"$T/log3" || fail "run --only: $(cat "$T/log3")"
[ "$(q "SELECT max(id) FROM runs")" -gt "$maxid" ] || fail "no new run row after the copy"
pg subscriber list 2>&1 | grep -q zed || fail "the stored subscriber did not come over"
pg subscriber add yan --topic 'x=ti:x' >/dev/null 2>"$T/e4" || fail "subscriber add: $(cat "$T/e4")"
[ "$(q "SELECT count(*) FROM subscribers WHERE name = 'yan'")" = 1 ] || fail "yan not stored"
pg status >"$T/st" 2>&1 || fail "status on PostgreSQL: $(cat "$T/st")"
grep -q '^state: PostgreSQL at ' "$T/st" || fail "status does not say where: $(head -3 "$T/st")"
grep -q '2024-11-28' "$T/st" || fail "status does not list the copied run"
# The outbox's ids go on past the copied ones.
q "INSERT INTO outbox(msg_id, subscriber, channel, dest, digest_date, part, n_parts, created)
   VALUES('t/x', 'x', 'file', 'x', '2024-11-29', 1, 1, 0)" >/dev/null 2>"$T/e5" ||
	fail "a new outbox row collides with a copied id: $(cat "$T/e5")"
echo "   $(grep -c '' "$T/m1") lines of counts, all equal; PostgreSQL serves run, subscriber, status"
