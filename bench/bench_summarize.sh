#!/bin/sh
# Summarize stage without a model: key findings of every paper in the 1504-item feed, then
# 10,000 personalised digests of 10 papers (title, findings, built-in executive summary).
# Peak memory with /usr/bin/time -f %M (KB). No reference tool: nothing else builds these.
set -u
: "${BUILD:?}" "${PB_FIXTURES:?}"
B="$BUILD/bench/summarize_bench"
FEED="$PB_FIXTURES/rss2-all-archives-2024-11-28-1504items.xml"
[ -x "$B" ] || { echo "missing $B" >&2; exit 1; }
echo "command: /usr/bin/time -f %M $B $FEED 10000 10"
/usr/bin/time -f "peak memory: %M KB" "$B" "$FEED" 10000 10
