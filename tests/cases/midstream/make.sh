#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# midstream: two connections (curl, lib/httpd.py): A sends request set
# "base", C set "short". scapy drops A's handshake, its first request and
# first response, so A begins at request 2; C stays whole.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18116
CPORT_A=41016
CPORT_C=41017
UMB_HTTP_PORTS=$PORT
umb_httpd 127.0.0.1 "$PORT"
umb_capture_start "$UMB_TMP/base.pcap" "tcp port $PORT"
umb_curl_reqs base "$PORT" "$CPORT_A"
umb_curl_reqs short "$PORT" "$CPORT_C"
umb_capture_stop
umb_clean_capture "$UMB_TMP/base.pcap"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" \
	"$CPORT_A" "$CPORT_C"

cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1" 2
umb_expect_count "$cap" "tcp.port==$CPORT_A && tcp.flags.syn==1" 0
umb_expect_values "$cap" http.request.uri "/echo/200 /bytes/100000 /status/404/120 /chunked/20000 /bytes/10 /bytes/700"
umb_expect_values "$cap" http.response.code "200 200 404 200 200 200"
umb_commit
