#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# lost-response: a clean keep-alive capture of four GETs answered 200, 404
# (30000-byte body, ~21 segments), 202, 200 (curl, lib/httpd.py, request set
# "four"); scapy removes every segment of the second response.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18114
CPORT=41014
UMB_HTTP_PORTS=$PORT
umb_base_case four "$PORT" "$CPORT"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" "$CPORT"

cap=$UMB_OUT/capture.pcap
umb_expect_values "$cap" http.request.method "GET GET GET GET"
# tshark loses its HTTP sync after the hole: look at raw status lines
umb_expect_count "$cap" "tcp.srcport==$PORT && frame contains \"HTTP/1.1 200 OK\"" 2
umb_expect_count "$cap" "tcp.srcport==$PORT && frame contains \"HTTP/1.1 202 \"" 1
umb_expect_count "$cap" "frame contains \"HTTP/1.1 404 \"" 0
umb_expect_count "$cap" "tcp.analysis.lost_segment" 1
umb_commit
