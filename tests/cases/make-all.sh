#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerate the captures and expectations of the capture cases.
# usage: tests/cases/make-all.sh [CASE...]   (root: network namespaces,
# tcpdump). Each case's make.sh records real traffic on a private loopback,
# checks it with tshark and only then replaces capture.pcap/expected.json.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
	for d in "$here"/*/make.sh; do
		cases+=("$(basename "$(dirname "$d")")")
	done
fi
failed=0
for c in "${cases[@]}"; do
	if ! bash "$here/${c%/}/make.sh"; then
		echo "make-all: $c FAILED" >&2
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
