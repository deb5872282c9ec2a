#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# loss-gap: a clean keep-alive capture (curl, lib/httpd.py, request set
# "base"); scapy drops one data segment from the middle of the 100 KB
# Content-Length response (the client's acks still cover it: the capture
# lost it, not the network).
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18113
CPORT=41013
UMB_HTTP_PORTS=$PORT
umb_base_case base "$PORT" "$CPORT"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" "$CPORT"

cap=$UMB_OUT/capture.pcap
umb_expect_values "$cap" http.request.method "GET POST GET GET GET GET"
umb_expect_count "$cap" "tcp.analysis.lost_segment" 1
umb_expect_count "$cap" "tcp.analysis.ack_lost_segment" 1
umb_commit
