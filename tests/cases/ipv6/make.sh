#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ipv6: two keep-alive connections over ::1 to nginx (curl): three GETs,
# then two more (one answered 404).
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18108
UMB_HTTP_PORTS=$PORT
www=$UMB_TMP/www
mkdir -p "$www"
for n in 0 2000 50000 333; do
	"$UMB_PY" "$UMB_LIB/umbcase.py" body "$n" >"$www/b$n.bin"
done
echo "ipv6 case 404" >"$www/404.html"
umb_nginx "$www" "[::1]" "$PORT"
url="http://[::1]:$PORT"

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
umb_curl -g --local-port 41081 -o /dev/null "$url/b2000.bin" \
	-o /dev/null "$url/b50000.bin" -o /dev/null "$url/b0.bin"
umb_curl -g --local-port 41082 -o /dev/null "$url/b333.bin" \
	-o /dev/null "$url/nothere"
umb_capture_stop

cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "ipv6 && tcp.flags.syn==1 && tcp.flags.ack==0" 2
umb_expect_count "$cap" "ip" 0
umb_expect_values "$cap" http.request.uri "/b2000.bin /b50000.bin /b0.bin /b333.bin /nothere"
umb_expect_values "$cap" http.response.code "200 200 200 200 404"
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$PORT" "$www"
umb_commit
