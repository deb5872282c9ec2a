#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# reorder: a clean keep-alive capture (curl, lib/httpd.py, request set
# "base"), then scapy swaps adjacent data segments: four pairs in responses
# (one moves a response head behind its body) and one pair in a request
# body.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18110
CPORT=41010
UMB_HTTP_PORTS=$PORT
umb_base_case base "$PORT" "$CPORT"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" "$CPORT"

cap=$UMB_OUT/capture.pcap
umb_expect_values "$cap" http.request.method "GET POST GET GET GET GET"
umb_expect_values "$cap" http.response.code "200 200 200 404 200 200"
umb_expect_count "$cap" "tcp.analysis.out_of_order" 5
umb_commit
