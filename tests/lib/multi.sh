# Helpers for the tests of several machines on one state (sourced; POSIX sh).
#
#   multi_state DIR       a shared state: PostgreSQL through tests/lib/pg.sh when this build
#                         has the backend and the server is installed, else one SQLite file
#                         (DIR/shared/paperboy.db) that every machine's state_dir links to.
#                         PB_MULTI_BACKEND=sqlite|postgresql forces one. Sets MULTI_BACKEND,
#                         and PGDIR (for pg.sh stop) with PostgreSQL.
#   multi_conf DIR NAME ARXIV_PORT SMTP_PORT N [EXTRA]
#                         prints the config of machine NAME: state_dir DIR/state-NAME,
#                         state.machine NAME, N email subscribers u000.. (every paper of the
#                         stand-in's feed matches), EXTRA appended at the top level;
#                         MULTI_SUBS names a file holding the subscriber list instead.
#   multi_peers STALL     in $T: the arXiv stand-in holding the answers to STALL ("PATH|S",
#                         its --stall) (SRV), the mail server (SMTP, saving into $T/mail) and
#                         the shared state (multi_state); dies (multi_frame.sh) when one fails.
#   multi_confs           $T/a.conf (alpha) and $T/b.conf (beta) for those peers, N subscribers.
#   multi_alpha_claims    starts alpha's run (A, log $T/a.log) and returns once status shows it
#                         holding the fetch's claim (dies after 10 s).
#   multi_midway DIR      asks status (DIR/b.conf) midway through alpha's long claim: dies
#                         unless alpha and beta heartbeat within the lease (5 s) and alpha
#                         holds one live claim (a fetch or the lookups).
#   multi_delivered_once MAIL N
#                         1 (with the reason on stderr) unless the mail server's index MAIL
#                         holds N digests accepted, none of them twice.
# MULTI_LEASE (state.lease_s, default 60) and MULTI_SESSIONS (delivery.max_per_host and
# max_total, default 2) tune them.

multi_has_pg() {
  [ -f "$PB_TESTS/lib/pg.sh" ] || return 1
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || return 1
  printf 'state = { backend = "postgresql"; conninfo = "host=/nonexistent"; };\n' >"$1/probe.conf"
  "$PAPERBOY" -c "$1/probe.conf" check 2>&1 | grep -q 'unknown key' && return 1
  return 0
}

multi_state() {
  MULTI_BACKEND=${PB_MULTI_BACKEND:-}
  if [ -z "$MULTI_BACKEND" ]; then
    if multi_has_pg "$1"; then MULTI_BACKEND=postgresql; else MULTI_BACKEND=sqlite; fi
  fi
  if [ "$MULTI_BACKEND" = postgresql ]; then
    eval "$(sh "$PB_TESTS/lib/pg.sh" start)" || return 1
    PGDIR=$PB_PG_DIR
  else
    mkdir -p "$1/shared" || return 1
  fi
  return 0
}

multi_conf() {
  d=$1 name=$2 aport=$3 sport=$4 n=$5
  mkdir -p "$d/state-$name"
  if [ "$MULTI_BACKEND" = postgresql ]; then
    st="backend = \"postgresql\"; conninfo = \"$PB_PG_CONNINFO\"; "
  else
    st=""
    [ -e "$d/state-$name/paperboy.db" ] || ln -s "$d/shared/paperboy.db" "$d/state-$name/paperboy.db"
  fi
  s=${MULTI_SESSIONS:-2}
  cat <<CONF
state_dir = "$d/state-$name";
state = { ${st}machine = "$name"; lease_s = ${MULTI_LEASE:-60}; };
user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";
arxiv = { categories = ["cs.LG"]; rss_url = "http://127.0.0.1:$aport/rss";
          api_url = "http://127.0.0.1:$aport/api/query"; request_interval_ms = 0;
          max_retries = 0; fill_metadata = false; };
email = { smtp_url = "smtp://127.0.0.1:$sport"; tls = "none";
          from = "arXiv digest <digest@example.org>"; };
file = { enabled = false; };
delivery = { max_total = $s; max_per_host = $s; retry_base_s = 1; ${MULTI_DELIVERY:-} };
${6:-}
subscribers = (
CONF
  if [ -n "${MULTI_SUBS:-}" ]; then
    cat "$MULTI_SUBS"
    return 0
  fi
  i=0
  while [ "$i" -lt "$n" ]; do
    sep=","; [ "$i" -eq $((n - 1)) ] && sep=""
    u=$(printf 'u%03d' "$i")
    printf '  { name = "%s"; email = ["%s@example.org"]; topics = ( { name = "ML";\n' "$u" "$u"
    printf '      query = "cat:cs.LG OR cat:cs.AI OR cat:cs.CL OR cat:stat.ML"; } ); }%s\n' "$sep"
    i=$((i + 1))
  done
  echo ");"
}

multi_delivered_once() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = [r for r in rows if str(r.get("status", "")).startswith("250")]
ids = collections.Counter(r.get("message_id") for r in ok)
twice = [k for k, v in ids.items() if v > 1]
if twice:
    sys.exit("delivered more than once: %s" % twice[:5])
if len(ids) != int(sys.argv[2]):
    sys.exit("%d digests delivered, want %s" % (len(ids), sys.argv[2]))
PY
}

multi_peers() {
  /usr/bin/python3 "$PB_TESTS/lib/arxiv_server.py" --port-file "$T/arxiv.port" \
    --log "$T/requests.json" --fixtures "$PB_FIXTURES" --stall "$1" 2>"$T/arxiv.err" &
  SRV=$!
  mkdir -p "$T/mail"
  /usr/bin/python3 "$PB_TESTS/lib/smtpd.py" --port-file "$T/smtp.port" --save-dir "$T/mail" \
    --timeout 300 2>"$T/smtpd.err" &
  SMTP=$!
  wait_file "$T/arxiv.port" 30
  wait_file "$T/smtp.port" 30
  multi_state "$T" || die "no shared state"
}

multi_confs() {
  multi_conf "$T" alpha "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" "$N" >"$T/a.conf"
  multi_conf "$T" beta "$(cat "$T/arxiv.port")" "$(cat "$T/smtp.port")" "$N" >"$T/b.conf"
}

multi_alpha_claims() {
  "$PAPERBOY" -c "$T/a.conf" run >"$T/a.out" 2>"$T/a.log" &
  A=$!
  # (the stand-in logs a request only once it has answered: status tells)
  i=0
  until "$PAPERBOY" -c "$T/b.conf" status 2>/dev/null | grep -Eq "^  alpha .* 1 fetch  "; do
    i=$((i + 1)); [ $i -le 100 ] || die "alpha did not claim the fetch within 10 s"
    sleep 0.1
  done
}

multi_midway() {
  "$PAPERBOY" -c "$1/b.conf" status >"$1/status.out" 2>"$1/status.err" || die "status failed"
  for m in alpha beta; do
    age=$(sed -n "s/^  $m .* heartbeat .* (\([0-9]*\)s ago).*/\1/p" "$1/status.out")
    [ -n "$age" ] || die "status does not list $m: $(cat "$1/status.out")"
    echo "   midway: $m heartbeat ${age}s ago"
    [ "$age" -le 5 ] ||
      die "$m looks dead midway (heartbeat ${age}s ago, lease 5 s): $(cat "$1/status.out")"
  done
  grep -Eq "^  alpha .* 1 fetch  " "$1/status.out" ||
    die "status does not show alpha's live claim: $(cat "$1/status.out")"
}
