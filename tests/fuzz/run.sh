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
    echo "FAIL fuzz_$t:"; tail -n 30 "$work/log"
    ls "$BUILD/fuzz-artifacts/" 2>/dev/null
    fail=$((fail + 1))
  fi
  rm -rf "$work"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
