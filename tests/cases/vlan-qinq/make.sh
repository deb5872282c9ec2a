#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vlan-qinq: three keep-alive connections (curl, lib/httpd.py, request set
# "pair"); scapy tags the first with one 802.1Q tag, the second with QinQ
# (802.1ad outer, 802.1Q inner) and the third with three tags.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18119
UMB_HTTP_PORTS=$PORT
umb_httpd 127.0.0.1 "$PORT"
umb_capture_start "$UMB_TMP/base.pcap" "tcp port $PORT"
for cport in 41021 41022 41023; do
	umb_curl_reqs pair "$PORT" "$cport"
done
umb_capture_stop
umb_clean_capture "$UMB_TMP/base.pcap"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" 41021 41022 41023

cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "vlan.id==100 && tcp.port==41021" \
	"$(umb_tshark_count "$UMB_TMP/base.pcap" "tcp.port==41021")"
umb_expect_count "$cap" "ieee8021ad.id==200 && vlan.id==300 && tcp.port==41022" \
	"$(umb_tshark_count "$UMB_TMP/base.pcap" "tcp.port==41022")"
umb_expect_count "$cap" "tcp.port==41023 && vlan.id==3" \
	"$(umb_tshark_count "$UMB_TMP/base.pcap" "tcp.port==41023")"
umb_expect_values "$cap" http.response.code "200 200 200 200 200 200"
umb_commit
