#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run umbra over the capture cases and check its output.
#
# usage: tests/cases/run.sh UMBRA_BINARY [CASE...]
#   CASE is a folder name under tests/cases/ (default: every folder holding
#   an expected.json). Prints "ok <case>" or "FAIL <case>: <reason>" plus an
#   indented diff per case, then "N passed, N failed". Exit status 0 when all
#   passed, 1 when one failed, 2 on a usage error. One case per call is how
#   meson / scripts/test can register each case as its own test.
# Environment:
#   UMBRA_ARGS     extra arguments for umbra (word-split), e.g. EAL options
#   UMBRA_TIMEOUT  seconds per case before umbra is killed (default 120)
#   UMB_KEEP=1     keep each case's output dir and print its path
#
# A case folder may list its pcaps in expected.json "pcaps" (default
# ["capture.pcap"]) and extra umbra arguments in "umbra_args".

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ $# -lt 1 ]; then
	sed -n '3,16p' "$0" >&2
	exit 2
fi
bin=$1
shift
if [ ! -x "$bin" ]; then
	echo "run.sh: $bin is not an executable" >&2
	exit 2
fi
case "$bin" in
/*) ;;
*) bin="$PWD/$bin" ;;
esac

cases=()
if [ $# -gt 0 ]; then
	for c in "$@"; do
		c=${c%/}
		cases+=("${c##*/}")
	done
else
	for d in "$here"/*/; do
		[ -f "$d/expected.json" ] && cases+=("$(basename "$d")")
	done
fi
[ ${#cases[@]} -gt 0 ] || { echo "run.sh: no cases" >&2; exit 2; }

python=$(command -v python3)
timeout_s=${UMBRA_TIMEOUT:-120}
read -r -a extra <<<"${UMBRA_ARGS:-}"
passed=0
failed=0

# case_args DIR: print the umbra arguments of a case, one per line.
case_args()
{
	"$python" - "$1" <<'EOF'
import json, os, sys
d = sys.argv[1]
e = json.load(open(os.path.join(d, "expected.json")))
for p in e.get("pcaps", ["capture.pcap"]):
    print("--pcap")
    print(os.path.join(d, p))
for a in e.get("umbra_args", []):
    print(a)
EOF
}

# run_case NAME: run and check one case; prints its result line(s).
run_case()
{
	local name=$1 dir="$here/$1" out rc reason args=()
	if [ ! -f "$dir/expected.json" ]; then
		echo "FAIL $name: no $dir/expected.json"
		return 1
	fi
	out=$(mktemp -d "/tmp/umb-run-$name.XXXXXX")
	if ! mapfile -t args < <(case_args "$dir") || [ ${#args[@]} -eq 0 ]; then
		echo "FAIL $name: expected.json unreadable"
		rm -rf "$out"
		return 1
	fi
	rc=0
	timeout -k 5 "$timeout_s" "$bin" "${extra[@]}" "${args[@]}" \
		--exchanges "$out/exchanges.jsonl" \
		--summary-json "$out/summary.json" \
		>"$out/umbra.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -eq 124 ]; then
			reason="umbra timed out after ${timeout_s}s"
		else
			reason="umbra exited with status $rc"
		fi
		echo "FAIL $name: $reason"
		tail -n 15 "$out/umbra.log" | sed 's/^/  | /'
	elif reason=$("$python" "$here/check.py" "$dir/expected.json" \
			"$out/exchanges.jsonl" "$out/summary.json" 2>&1); then
		echo "ok $name"
		rc=0
	else
		rc=1
		echo "FAIL $name: $(head -n 1 <<<"$reason")"
		tail -n +2 <<<"$reason"
	fi
	if [ -n "${UMB_KEEP:-}" ]; then
		echo "  output kept in $out"
	else
		rm -rf "$out"
	fi
	return $((rc != 0))
}

for c in "${cases[@]}"; do
	if run_case "$c"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
