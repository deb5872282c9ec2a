#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# midstream-response-first: one connection (curl, lib/httpd.py, request set
# "base"); scapy drops the handshake, request 1 and the first segment of
# response 1, so the capture begins with the server sending the middle of a
# response body.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18117
CPORT=41018
UMB_HTTP_PORTS=$PORT
umb_base_case base "$PORT" "$CPORT"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" "$CPORT"

cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1" 0
[ "$(umb_tshark_count "$cap" "frame.number==1 && tcp.srcport==$PORT && tcp.len>0")" = 1 ] ||
	umb_die "the capture does not start with server data"
umb_expect_values "$cap" http.request.uri "/echo/200 /bytes/100000 /status/404/120 /chunked/20000 /bytes/10"
umb_commit
