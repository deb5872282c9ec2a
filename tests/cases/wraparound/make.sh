#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# wraparound: a clean keep-alive capture (curl, lib/httpd.py, request set
# "base"); scapy rewrites both ISNs so the server's sequence numbers cross
# 2^32 inside a segment of the 100 KB body and the client's inside a segment
# of the POST body; acks are rewritten to match.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18115
CPORT=41015
UMB_HTTP_PORTS=$PORT
umb_base_case base "$PORT" "$CPORT"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$UMB_TMP/base.pcap" "$PORT" "$CPORT"

cap=$UMB_OUT/capture.pcap
umb_expect_values "$cap" http.request.method "GET POST GET GET GET GET"
umb_expect_values "$cap" http.response.code "200 200 200 404 200 200"
# still a clean capture for tshark, and both directions really wrap
umb_clean_capture "$cap"
for d in "tcp.srcport==$PORT" "tcp.dstport==$PORT"; do
	high=$(umb_tshark_count "$cap" "$d && tcp.seq_raw > 4294000000")
	low=$(umb_tshark_count "$cap" "$d && tcp.seq_raw < 1000000")
	if [ "$high" -eq 0 ] || [ "$low" -eq 0 ]; then
		umb_die "$d does not cross 2^32"
	fi
done
umb_commit
