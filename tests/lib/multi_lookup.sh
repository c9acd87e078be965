# The start of the tests of the day's lookups of liked papers on several machines (sourced
# after multi_frame.sh and multi.sh; POSIX sh):
#   lookup_start STALL    the arXiv stand-in holding every API answer STALL seconds (SRV), the
#                         mail server (SMTP), the shared state with a lease of 5 s, N
#                         subscribers of whom u000 and u001 like two papers of the API pool
#                         that the day's listing lacks (one id_list request), T/a.conf (alpha)
#                         and T/b.conf (beta); then starts alpha's run (A, log T/a.log) and
#                         returns once alpha has fetched the listing and holds the claim of the
#                         lookups.
lookup_start() {
  multi_peers "/api/query|$1"
  echo "   backend=$MULTI_BACKEND subscribers=$N lookup held $1 s, lease 5 s"
  MULTI_LEASE=5
  MULTI_SUBS="$T/subs"
  i=0
  while [ "$i" -lt "$N" ]; do
    sep=","; [ "$i" -eq $((N - 1)) ] && sep=""
    likes=""
    [ "$i" -lt 2 ] && likes='like = ["2202.12139", "2405.13786"];'
    printf '  { name = "u%03d"; email = ["u%03d@example.org"]; %s topics = ( { name = "ML";\n' \
      "$i" "$i" "$likes"
    printf '      query = "cat:cs.LG OR cat:cs.AI OR cat:cs.CL OR cat:stat.ML"; } ); }%s\n' "$sep"
    i=$((i + 1))
  done >"$MULTI_SUBS"
  echo ");" >>"$MULTI_SUBS"
  multi_confs

  "$PAPERBOY" -c "$T/a.conf" run >"$T/a.out" 2>"$T/a.log" &
  A=$!
  # The claim of the listing ends as fetch.claimed is logged; the next one is the lookups'.
  i=0
  until grep -q 'event=fetch.claimed' "$T/a.log" 2>/dev/null && sleep 0.3 &&
    "$PAPERBOY" -c "$T/b.conf" status 2>/dev/null | grep -Eq "^  alpha .* 1 fetch  "; do
    i=$((i + 1)); [ $i -le 100 ] || die "alpha did not claim the lookups within 10 s"
    sleep 0.1
  done
}
