#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# post-bodies: one keep-alive connection (curl --next) to lib/httpd.py with
# POST, PUT, PATCH and DELETE carrying request bodies of 0 to 150000 bytes,
# one of them chunked, and a DELETE without a body. The server answers with
# a line naming the method, the body length and its SHA-1 (204 for one).
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18107
UMB_HTTP_PORTS=$PORT
umb_httpd 127.0.0.1 "$PORT"
url=http://127.0.0.1:$PORT

# the request list, shared with case.py: method uri size chunked
reqs=$("$UMB_PY" "$UMB_CASE_DIR/case.py" list)
args=(--local-port 41007)
first=1
i=0
while read -r method uri size chunked; do
	[ $first = 1 ] || args+=(--next)
	first=0
	if [ "$size" != none ]; then
		"$UMB_PY" "$UMB_LIB/umbcase.py" body "$size" "$((500 + i))" \
			>"$UMB_TMP/req$i"
	fi
	# no Expect: 100-continue here (expect-100 covers it)
	args+=(-X "$method" -H "Expect:" -o "$UMB_TMP/resp$i")
	if [ "$chunked" = 1 ]; then
		args+=(-H "Transfer-Encoding: chunked")
	fi
	if [ "$size" != none ]; then
		args+=(-H "Content-Type: application/octet-stream"
			--data-binary "@$UMB_TMP/req$i")
	fi
	args+=("$url$uri")
	i=$((i + 1))
done <<<"$reqs"

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
umb_curl "${args[@]}"
umb_capture_stop

cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1 && tcp.flags.ack==0" 1
umb_expect_values "$cap" http.request.method "$(awk '{print $1}' <<<"$reqs" | tr '\n' ' ' | sed 's/ $//')"
umb_expect_count "$cap" http.response "$i"
umb_expect_count "$cap" "http.request && http.transfer_encoding == \"chunked\"" 2
"$UMB_PY" "$UMB_CASE_DIR/case.py" expect "$PORT" "$UMB_TMP"
umb_commit
