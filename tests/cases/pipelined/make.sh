#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pipelined: one connection, five requests (GET, GET, HEAD, GET of a missing
# file, GET with Connection: close) written in one send() by a python socket
# client; nginx answers them in order.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18102
UMB_HTTP_PORTS=$PORT
www=$UMB_TMP/www
"$UMB_PY" "$UMB_CASE_DIR/case.py" files "$www"
umb_nginx "$www" 127.0.0.1 "$PORT"

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
timeout 20 "$UMB_PY" "$UMB_CASE_DIR/case.py" client "$PORT" "$UMB_TMP/resp.bin"
umb_capture_stop

cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1 && tcp.flags.ack==0" 1
# all five requests in one segment
umb_expect_count "$cap" "tcp.dstport==$PORT && tcp.len>0" 1
umb_expect_values "$cap" http.request.method "GET GET HEAD GET GET"
"$UMB_PY" "$UMB_CASE_DIR/case.py" expect "$www" "$PORT"
umb_commit
