#!/bin/sh
# make bench ONLY=stored: every command that serves the subscribers kept in the state (run, the
# daemon's wake-ups, the web endpoint's reloads, `subscriber`) first loads them, each checked
# alone and for a name or address another has. PB_BENCH_STORED subscribers (20,000 by default;
# an address and 3 topics each) are loaded from the state by `paperboy subscriber list`, beside
# the same subscribers written in the configuration file and listed the same way (the
# reference: the file's loader, which reads them all at once). Three rounds alternating the
# two; medians of wall time and peak memory (/usr/bin/time -f %M).
set -eu
: "${PAPERBOY:?}"
N=${PB_BENCH_STORED:-20000}
T=$(mktemp -d /tmp/pb-bench-stored.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

root='arxiv = { categories = ["cs.CV"]; };
email = { smtp_url = "smtp://127.0.0.1:2525"; from = "digest@example.org"; tls = "none"; };'
printf 'state_dir = "%s/stored";\n%s\n' "$T" "$root" >"$T/stored.conf"
"$PAPERBOY" -c "$T/stored.conf" subscriber add seed --email seed@example.org \
  --topic 't=abs:robot' >/dev/null
/usr/bin/python3 - "$T" "$N" "$root" <<'PY'
import json, sqlite3, sys, time
d, n, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
queries = ["cat:cs.CV", "ti:learning", "abs:robot*", 'ti:"language model" OR abs:llm',
           "au:Wang AND cat:cs.LG"]
subs = []
for i in range(n):
    name = "u%06d" % i
    topics = [{"name": "t%d" % k, "query": queries[(i + k) % len(queries)]} for k in range(3)]
    subs.append({"name": name, "email": ["%s@example.org" % name], "topics": topics})
now = int(time.time())
db = sqlite3.connect(d + "/stored/paperboy.db")
db.executemany("INSERT INTO subscribers(name, settings, state, reason, source, created, updated)"
               " VALUES(?, ?, 'active', NULL, 'cli', ?, ?)",
               [(s["name"], json.dumps(s), now, now) for s in subs])
db.commit()
def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
with open(d + "/file.conf", "w") as f:
    f.write('state_dir = "%s/file";\n%s\nsubscribers = (\n' % (d, root))
    f.write(",\n".join('  { name = %s; email = [%s]; topics = ( %s ); }' % (
        q(s["name"]), q(s["email"][0]),
        ", ".join("{ name = %s; query = %s; }" % (q(t["name"]), q(t["query"]))
                  for t in s["topics"])) for s in subs))
    f.write("\n);\n")
PY
echo "stored: $N subscribers in the state; file: the same $N in the configuration file"
stored="$PAPERBOY -c $T/stored.conf subscriber list"
file="$PAPERBOY -c $T/file.conf subscriber list"
for r in 1 2 3; do
  for k in stored file; do
    eval "cmd=\$$k"
    /usr/bin/time -f "%e %M" -o "$T/time" $cmd >"$T/out" 2>&1 || { tail -3 "$T/out"; exit 1; }
    [ "$(grep -c '^u0' "$T/out")" = "$N" ] || { echo "bench_stored: $k listed $(grep -c '^u0' "$T/out") of $N" >&2; exit 1; }
    read -r wall rss <"$T/time"
    echo "$wall $rss" >>"$T/res.$k"
    echo "round $r: $k ${wall} s ${rss} KB"
  done
done
echo
for k in stored file; do
  eval "cmd=\$$k"
  printf '%-6s median %6s s  peak %8s KB   $ %s\n' "$k" "$(awk '{ print $1 }' "$T/res.$k" | median)" \
    "$(awk '{ print $2 }' "$T/res.$k" | median)" "$cmd"
done
