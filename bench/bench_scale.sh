#!/bin/sh
# The whole `paperboy run` at scale, beside Postfix's smtp-source sending as many messages of
# the same mean size. For each subscriber count (PB_BENCH_SCALE, default "2000 20000"): the
# 1,504-item announcement from the local arXiv stand-in, 3 topics per subscriber, at most 10
# papers each, one email address each, delivered to Postfix's smtp-sink with 8 sessions and
# tls = "none" (smtp-source speaks no TLS). A (paperboy, a fresh state each time) and B
# (smtp-source -s 8 -m N -l SIZE to the same sink) alternate A B A B A B; each figure is the
# median of the three. SIZE is the mean size of paperboy's messages, measured with `paperboy
# preview --format email` over one full cycle of gen_config.py's query patterns (the
# subscribers' digests repeat with period 6). Printed: messages/s of both and their ratio
# (goal >= 0.6x), and run.done's build_ms beside deliver_ms (goal: building <= 10% of
# delivery at 20,000), and of build_ms the render_ms (summarizing, rendering, MIME) apart from
# the state's writes, and the run's minor page faults (memory given back to the system and
# taken again shows there first). Delivery starts with the build (src/run.c), so deliver_ms,
# from its start to its end, overlaps build_ms. smtp-sink offers PIPELINING, which paperboy uses and
# smtp-source cannot.
set -eu
. "$(dirname "$0")/lib_sinks.sh"
bench_init bench_scale
: "${PAPERBOY:?}" "${PB_FIXTURES:?}"
TESTS="$(cd "$(dirname "$0")/../tests" && pwd)"
SCALE=${PB_BENCH_SCALE:-"2000 20000"}
REPS=${PB_BENCH_REPS:-3}
SESSIONS=8
FEED=rss2-all-archives-2024-11-28-1504items.xml
start_sinks

for N in $SCALE; do
  D="$T/n$N"
  mkdir -p "$D"
  $PY "$TESTS/lib/gen_config.py" --dir "$D" --subscribers "$N" --smtp-port "$SMTP_PORT" \
    --chat-port 9 --topics 3 --max-papers 10 --email-only --max-total "$SESSIONS" \
    --rss-url "http://127.0.0.1:$AP/rss" --api-url "http://127.0.0.1:$AP/api/query"
  # The mean message size: one cycle of the query patterns, from a scratch state.
  sed "s|^state_dir = .*|state_dir = \"$D/size-state\";|" "$D/paperboy.conf" >"$D/size.conf"
  total=0; k=0
  while [ $k -lt 6 ] && [ $k -lt "$N" ]; do
    name=$(printf 'u%04d' "$k")
    "$PAPERBOY" -c "$D/size.conf" preview --subscriber "$name" --format email \
      --feed "$PB_FIXTURES/$FEED" >"$D/sample.eml" 2>"$D/size.log" || { tail -3 "$D/size.log"; fail "preview failed"; }
    total=$((total + $(wc -c <"$D/sample.eml")))
    k=$((k + 1))
  done
  SIZE=$((total / k))

  PB_CMD="$PAPERBOY -c $D/paperboy.conf run --wait 600"
  SRC_CMD="/usr/sbin/smtp-source -s $SESSIONS -m $N -l $SIZE 127.0.0.1:$SMTP_PORT"
  a_rates=""; b_rates=""; builds=""; renders=""; delivers=""; walls=""; matches=""; faults=""; r=0
  while [ $r -lt "$REPS" ]; do
    r=$((r + 1))
    # A: paperboy, the whole run from a fresh state
    rm -rf "$D/state"
    t0=$(now)
    # shellcheck disable=SC2086
    /usr/bin/time -f '%R' -o "$D/faults" $PB_CMD >"$D/out" 2>"$D/log" || { tail -5 "$D/log"; fail "run failed"; }
    t1=$(now)
    line=$(grep 'event=run.done' "$D/log" | tail -1)
    get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    sent=$(get sent)
    [ "$sent" = "$N" ] || fail "paperboy sent ${sent:-?} of $N"
    a_rates="$a_rates $(echo "$sent $t0 $t1" | awk '{printf "%.1f", $1 / ($3 - $2)}')"
    walls="$walls $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')"
    builds="$builds $(get build_ms)"; delivers="$delivers $(get deliver_ms)"
    renders="$renders $(get render_ms)"
    matches="$matches $(get match_ms)"
    faults="$faults $(tail -1 "$D/faults")"
    # B: smtp-source, as many messages of the mean size, to the same sink
    t0=$(now)
    # shellcheck disable=SC2086
    $SRC_CMD >"$D/src.out" 2>&1 || { cat "$D/src.out"; fail "smtp-source failed"; }
    t1=$(now)
    b_rates="$b_rates $(echo "$N $t0 $t1" | awk '{printf "%.1f", $1 / ($3 - $2)}')"
  done
  A=$(echo "$a_rates" | median); B=$(echo "$b_rates" | median)
  BUILD=$(echo "$builds" | median); DELIV=$(echo "$delivers" | median)
  echo "subscribers $N: mean message size $SIZE bytes, median of $REPS alternating runs (A B A B ...)"
  echo "  A: $PB_CMD   (fresh state each run)"
  echo "  B: $SRC_CMD"
  printf '  paperboy run     %8.1f msg/s   (runs:%s; wall s:%s)\n' "$A" "$a_rates" "$walls"
  printf '  smtp-source      %8.1f msg/s   (runs:%s)\n' "$B" "$b_rates"
  printf '  ratio            %8.2fx        (goal >= 0.6x)\n' "$(echo "$A $B" | awk '{print $1 / $2}')"
  printf '  build_ms         %8s        (runs:%s)\n' "$BUILD" "$builds"
  printf '    of it render_ms %6s        (summarize, render, MIME; the rest is the state'"'"'s writes; runs:%s)\n' \
    "$(echo "$renders" | median)" "$renders"
  printf '  deliver_ms       %8s        (from the start of the build; runs:%s)\n' "$DELIV" "$delivers"
  printf '  match_ms         %8s        (runs:%s)\n' "$(echo "$matches" | median)" "$matches"
  printf '  page faults      %8s        (minor, /usr/bin/time %%R; runs:%s)\n' "$(echo "$faults" | median)" "$faults"
  printf '  build/deliver    %8.1f%%        (goal <= 10%% at 20,000)\n' \
    "$(echo "$BUILD $DELIV" | awk '{print 100 * $1 / $2}')"
  printf '  render/deliver   %8.1f%%\n' \
    "$(echo "$(echo "$renders" | median) $DELIV" | awk '{print 100 * $1 / $2}')"
  rm -rf "$D"
done
