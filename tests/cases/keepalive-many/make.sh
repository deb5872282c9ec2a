#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# keepalive-many: one keep-alive connection, 50 GETs of nginx static files
# whose sizes vary from 0 bytes to 60 KB (MSS boundaries included), fetched
# by one curl (URL globbing reuses the connection).
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18101
UMB_HTTP_PORTS=$PORT
www=$UMB_TMP/www
"$UMB_PY" "$UMB_CASE_DIR/case.py" files "$www"
umb_nginx "$www" 127.0.0.1 "$PORT"

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
umb_curl --local-port 41001 --create-dirs -o "$UMB_TMP/dl/#1" \
	"http://127.0.0.1:$PORT/f[0-49].bin"
umb_capture_stop

# curl got what nginx served (the capture holds what the expectation says)
for i in $(seq 0 49); do
	cmp -s "$www/f$i.bin" "$UMB_TMP/dl/$i" || umb_die "download $i differs"
done
cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1 && tcp.flags.ack==0" 1
umb_expect_count "$cap" http.request 50
umb_expect_count "$cap" "http.response.code==200" 50
"$UMB_PY" "$UMB_CASE_DIR/case.py" expect "$www" "$PORT"
umb_commit
