#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# overlap-conflict: a clean keep-alive capture (curl, lib/httpd.py, request
# set "base"); scapy swaps two adjacent data segments (the later one is
# queued out of order) and, before the hole fills, injects a forged segment
# lying inside the queued one with different bytes. Done once in the 100 KB
# response and once in the POST body.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18112
CPORT=41012
UMB_HTTP_PORTS=$PORT
umb_base_case base "$PORT" "$CPORT"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" "$CPORT"

cap=$UMB_OUT/capture.pcap
umb_expect_values "$cap" http.request.method "GET POST GET GET GET GET"
umb_expect_count "$cap" "tcp.len==500" 2
# per edit: B flagged "previous segment not captured", the forgery and A
# "out-of-order"
umb_expect_count "$cap" "tcp.analysis.lost_segment" 2
umb_expect_count "$cap" "tcp.analysis.out_of_order" 4
umb_commit
