#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# expect-100: curl POSTs a 200000-byte body with Expect: 100-continue to
# lib/httpd.py, which answers "100 Continue", reads the body, then 201 with
# a body naming what it received; then a GET on the same connection.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18105
UMB_HTTP_PORTS=$PORT
umb_httpd 127.0.0.1 "$PORT"
"$UMB_PY" "$UMB_LIB/umbcase.py" body 200000 77 >"$UMB_TMP/upload"
url=http://127.0.0.1:$PORT

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
umb_curl --local-port 41005 -H "Expect: 100-continue" \
	-H "Content-Type: application/octet-stream" \
	--data-binary "@$UMB_TMP/upload" -o "$UMB_TMP/resp1" "$url/echo/201" \
	--next -o "$UMB_TMP/resp2" "$url/bytes/500"
umb_capture_stop

umb_same_body "$UMB_TMP/resp2" 500
cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1 && tcp.flags.ack==0" 1
umb_expect_values "$cap" http.request.method "POST GET"
umb_expect_values "$cap" http.response.code "100 201 200"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$PORT" "$UMB_TMP/upload" "$UMB_TMP/resp1"
umb_commit
