#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# malformed: a clean keep-alive capture (curl, lib/httpd.py, request set
# "four") with 20 malformed or non-TCP frames injected by scapy; most are
# broken copies of the connection's own segments placed before the good
# originals, so a decoder that accepted one would corrupt the exchanges.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18118
CPORT=41019
UMB_HTTP_PORTS=$PORT
umb_base_case four "$PORT" "$CPORT"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" "$CPORT"

cap=$UMB_OUT/capture.pcap
umb_expect_values "$cap" http.request.method "GET GET GET GET"
umb_expect_count "$cap" arp 1
umb_expect_count "$cap" lldp 1
umb_expect_count "$cap" udp 2
umb_expect_count "$cap" icmp 1
umb_commit
