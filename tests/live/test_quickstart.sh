#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's first command: scripts/quickstart (a dark launch in the lab)
# runs and its report holds what it promises: every client request answered,
# mirrored pairs compared, the allowlist at work, the accounting ok; and
# --offline runs the bundled captures.
# usage: tests/live/test_quickstart.sh  (prints 'N passed, N failed[, N skipped]')
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
# line_check NAME REGEX: a line of the report ($r) matches, or say which did not
line_check() {
  if grep -qE "$2" "$r"; then ok "$1"; else ko "$1" "$(grep -E "^${2:1:12}" "$r" | head -n 2)"; fi
}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skip: needs root and ip netns"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
W=$(mktemp -d /tmp/umb-quick.XXXXXX)
trap 'rm -rf "$W"' EXIT

UMB_OUT=$W/live timeout 300 "$ROOT/scripts/quickstart" --share 100 --requests 90 >"$W/live.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "quickstart exits 0"; else ko "quickstart" "exit $rc: $(tail -n 5 "$W/live.out")"; fi
r=$W/live.out
line_check "every client request answered by production" \
  '^production: 90 client requests answered .*, 0 connection errors$'
# Share 100%: every exchange went to the shadow, or was a POST the method
# allowlist kept from it (suppressed). Requests after a POST on the same
# connection go on a new shadow connection: none is left not_mirrored.
mir=$(sed -nE 's/^exchanges seen: 90; mirrored to the shadow: ([0-9]+);.*/\1/p' "$r")
nm=$(sed -nE 's/^outcomes: .*not_mirrored ([0-9]+).*/\1/p' "$r")
sp=$(sed -nE 's/^outcomes: .*suppressed ([0-9]+).*/\1/p' "$r")
if [ -n "$mir" ] && [ $((mir + ${sp:-0})) -eq 90 ] && [ "${nm:-0}" -eq 0 ]; then
  ok "90 exchanges at share 100%: $mir mirrored, ${sp:-0} suppressed, 0 not_mirrored"
else
  ko "90 exchanges, mirrored or saying why" "$(grep -E '^(exchanges seen|outcomes):' "$r" | tr '\n' ';')"
fi
pairs=$(sed -nE 's/^compared pairs: ([0-9]+);.*/\1/p' "$r")
sup=$(sed -nE 's/^outcomes: .*suppressed ([0-9]+).*/\1/p' "$r")
if [ "${pairs:-0}" -gt 30 ] && [ "${sup:-0}" -gt 0 ] &&
  grep -qE '^GET /same/\{id\} +[0-9]+ +[0-9]+ +0% ' "$r" &&
  grep -qE 'by the method allowlist \(outcome suppressed\): [0-9]+ requests \(POST\)' "$r"; then
  ok "report: $pairs pairs compared by umbra, $sup suppressed by the allowlist"
else
  ko "report" "$(sed -n '/=== umbra/,$p' "$r" | head -n 30 | tr '\n' ';')"
fi
if grep -qE '^GET /cmp/rename/\{id\} +[0-9]+ +[0-9]+ +100% ' "$r" &&
  grep -qE '^ +(added|removed) +\$\.(title|name) ' "$r"; then
  ok "report: the renamed field shows on its route and path"
else
  ko "report /cmp/rename" "$(grep -A3 -E '^GET /cmp/rename' "$r" | tr '\n' ';')"
fi
if grep -qE '^GET /api/items/\{id\} +[0-9]+ +[0-9]+ +100% ' "$r" &&
  grep -qE '^ +changed +\$\.version ' "$r"; then
  ok "report: version 1 vs 2 differ on /api/items at \$.version"
else
  ko "report /api/items" "$(grep -A3 -E '^GET /api/items/' "$r" | tr '\n' ';')"
fi
line_check "accounting ok" '^accounting \(every request ended in one outcome\): ok$'
if ! ip netns list 2>/dev/null | grep -q '^umb-'; then
  ok "the lab is down afterwards"
else
  ko "lab left" "$(ip netns list | grep '^umb-' | tr '\n' ' ')"
fi
# The default: the launch steered 10% -> 50% -> 100% with umbractl through
# Redis while the traffic runs; umbractl's status beside the report.
UMB_OUT=$W/steps timeout 300 "$ROOT/scripts/quickstart" --requests 120 >"$W/steps.out" 2>&1
rc=$?
st=$W/steps.out
if [ $rc -eq 0 ] && grep -qE '^  state +active$' "$st" && grep -qE '^  share +100% \(applied 100%\)$' "$st" &&
  grep -qE 'start 10: none -> active$' "$st" && grep -qE 'share 50: active -> active$' "$st" &&
  grep -qE 'share 100: active -> active$' "$st" && grep -qE '^  appliances +1( \(1 reporting, 0 silent.*)?$' "$st"; then
  ok "quickstart (default): launch started at 10%, raised to 50% and 100% with umbractl; its status printed"
else
  ko "quickstart (default)" "exit $rc: $(sed -n '/launch status:/,$p' "$st" | head -n 20 | tr '\n' ';')"
fi
if [ $rc -eq 0 ] && grep -qE '^accounting \(every request ended in one outcome\): ok$' "$st" &&
  grep -qE '^production: 120 client requests answered .*, 0 connection errors$' "$st"; then
  ok "quickstart (default): production answered all 120 requests; accounting ok"
else
  ko "quickstart (default) report" "$(grep -E '^(production|accounting|outcomes)' "$st" | tr '\n' ';')"
fi
UMB_OUT=$W/off timeout 300 "$ROOT/scripts/quickstart" --offline >"$W/off.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -qE '^\.\.\. [0-9]+ exchanges in all$' "$W/off.out"; then
  ok "quickstart --offline: $(tail -n 1 "$W/off.out")"
else
  ko "quickstart --offline" "exit $rc: $(tail -n 3 "$W/off.out")"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
