#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# timing-two-pcaps: two keep-alive connections to lib/httpd.py, running at
# the same time, each captured by its own tcpdump into its own file (as two
# TAP ports would deliver them). The server delays some answers (first
# byte 300 ms / 100 ms late) and drips one body (250 ms between its
# halves), so ttfb_us / ttlb_us have known lower bounds; the exchange times
# (ts) must fall inside the window the script measured around each client.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18121
CA=41031
CB=41032
UMB_HTTP_PORTS=$PORT
umb_httpd 127.0.0.1 "$PORT"
url=http://127.0.0.1:$PORT

umb_capture_start "$UMB_OUT/a.pcap" "tcp port $CA"
umb_capture_start "$UMB_OUT/b.pcap" "tcp port $CB"
t0=$(date +%s.%N)
umb_bg umb_curl --local-port "$CA" -o "$UMB_TMP/a1" "$url/delay/300/2000" \
	-o "$UMB_TMP/a2" "$url/bytes/500"
curl_a=$UMB_BG_PID
umb_curl --local-port "$CB" -o "$UMB_TMP/b1" "$url/drip/4000/250" \
	-o "$UMB_TMP/b2" "$url/delay/100/10"
wait "$curl_a" || umb_die "curl A failed"
t1=$(date +%s.%N)
umb_capture_stop

umb_same_body "$UMB_TMP/a1" 2000
umb_same_body "$UMB_TMP/a2" 500
umb_same_body "$UMB_TMP/b1" 4000
umb_same_body "$UMB_TMP/b2" 10
for f in a b; do
	umb_clean_capture "$UMB_OUT/$f.pcap"
	umb_expect_count "$UMB_OUT/$f.pcap" "tcp.flags.syn==1" 2
done
umb_expect_values "$UMB_OUT/a.pcap" http.request.uri "/delay/300/2000 /bytes/500"
umb_expect_values "$UMB_OUT/b.pcap" http.request.uri "/drip/4000/250 /delay/100/10"
# the two connections overlap in time
umb_expect_count "$UMB_OUT/a.pcap" "frame.time_epoch > $(umb_tshark -r "$UMB_OUT/b.pcap" -T fields -e frame.time_epoch | tail -n 1)" 0
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$PORT" "$CA" "$CB" "$t0" "$t1"
umb_commit a.pcap b.pcap
