#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run every libFuzzer target for SECONDS each on its seed corpus (a copy, so
# the committed corpus only changes on purpose). A longer run is the same
# command with more seconds:  tests/fuzz/run.sh build-fuzz 3600
set -uo pipefail
BUILD=${1:-build-fuzz}
SECONDS_EACH=${2:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
for t in decode reasm http neigh peer_conn config compare decode_body compare_rules; do
  exe=$BUILD/tests/fuzz/fuzz_$t
  if [ ! -x "$exe" ]; then echo "FAIL fuzz_$t: $exe not built"; fail=$((fail + 1)); continue; fi
  work=$(mktemp -d)
  mkdir -p "$BUILD/fuzz-artifacts"
  cp -r "$HERE/corpus/$t/." "$work/" 2>/dev/null || true
  if ASAN_OPTIONS=detect_leaks=1 "$exe" -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 \
       -artifact_prefix="$BUILD/fuzz-artifacts/fuzz_$t-" "$work" >"$work/log" 2>&1; then
    echo "ok fuzz_$t ($(grep -Eo 'exec/s: [0-9]+' "$work/log" | tail -n 1))"
    pass=$((pass + 1))
  else
    # The FAIL lines carry the cause and the input (scripts/test shows
    # only those), so a failure on a CI machine can be replayed here:
    #   base64 -d > crash; build-fuzz/tests/fuzz/fuzz_NAME crash
    why=$(grep -m 1 -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|deadly signal|out-of-memory|timeout after|Test unit written|^ERROR|EAL:' "$work/log")
    echo "FAIL fuzz_$t: ${why:-$(tail -n 1 "$work/log")}"
    art=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$work/log" | tail -n 1)
    if [ -n "$art" ] && [ -f "$art" ]; then
      echo "FAIL fuzz_$t: input $art ($(stat -c %s "$art") bytes), base64: $(head -c 3000 "$art" | base64 -w 0)"
    fi
    tail -n 30 "$work/log"
    fail=$((fail + 1))
  fi
  rm -rf "$work"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
