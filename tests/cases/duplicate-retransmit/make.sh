#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# duplicate-retransmit: a clean keep-alive capture (curl, lib/httpd.py,
# request set "base"), then scapy inserts exact copies of six data segments
# (both directions) a few packets after their originals.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18111
CPORT=41011
UMB_HTTP_PORTS=$PORT
umb_base_case base "$PORT" "$CPORT"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" "$CPORT"

cap=$UMB_OUT/capture.pcap
umb_expect_values "$cap" http.request.method "GET POST GET GET GET GET"
umb_expect_values "$cap" http.response.code "200 200 200 404 200 200"
# tshark calls a copy that arrives within its RTT guess "out-of-order"
umb_expect_count "$cap" "tcp.analysis.retransmission || tcp.analysis.spurious_retransmission || tcp.analysis.out_of_order" 7
umb_commit
