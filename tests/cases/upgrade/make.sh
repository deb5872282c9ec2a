#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# upgrade: a python socket client opens a WebSocket on lib/httpd.py (GET
# /ws, Upgrade: websocket, answered 101), exchanges two frames each way and
# closes; then curl makes an ordinary GET on a second connection.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18120
UMB_HTTP_PORTS=$PORT
umb_httpd 127.0.0.1 "$PORT"

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
timeout 20 "$UMB_PY" "$UMB_CASE_DIR/case.py" client "$PORT" 41024
umb_curl --local-port 41025 -o "$UMB_TMP/r" "http://127.0.0.1:$PORT/bytes/100"
umb_capture_stop

umb_same_body "$UMB_TMP/r" 100
cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_values "$cap" http.request.uri "/ws /bytes/100"
umb_expect_values "$cap" http.response.code "101 200"
umb_expect_count "$cap" "websocket" 6
"$UMB_PY" "$UMB_CASE_DIR/case.py" expect "$PORT"
umb_commit
