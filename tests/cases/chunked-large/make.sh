#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# chunked-large: one keep-alive connection (curl) to lib/httpd.py: a 5 MB
# chunked response written as ~600 chunks of 1..16384 bytes, one send each;
# a chunked response with chunk extensions and two trailer fields; an empty
# chunked body (only the last chunk).
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18103
UMB_HTTP_PORTS=$PORT
umb_httpd 127.0.0.1 "$PORT"

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
umb_curl --local-port 41003 --limit-rate 20M \
	-o "$UMB_TMP/big" "http://127.0.0.1:$PORT/chunked/5000000" \
	-o "$UMB_TMP/trl" "http://127.0.0.1:$PORT/trailers/30000" \
	-o "$UMB_TMP/empty" "http://127.0.0.1:$PORT/chunked/0"
umb_capture_stop

umb_same_body "$UMB_TMP/big" 5000000
umb_same_body "$UMB_TMP/trl" 30000
umb_same_body "$UMB_TMP/empty" 0
cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1 && tcp.flags.ack==0" 1
umb_expect_values "$cap" http.request.uri "/chunked/5000000 /trailers/30000 /chunked/0"
umb_expect_values "$cap" http.response.code "200 200 200"
umb_expect_count "$cap" "http.transfer_encoding == \"chunked\"" 3
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$PORT"
umb_commit
