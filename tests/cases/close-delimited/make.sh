#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# close-delimited: three connections (curl) to lib/httpd.py: an HTTP/1.0
# request answered HTTP/1.0 without Content-Length (body ends at the
# server's FIN); an HTTP/1.1 response with Connection: close and no
# Content-Length; an HTTP/1.1 response with Content-Length and
# Connection: close.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18106
UMB_HTTP_PORTS=$PORT
umb_httpd 127.0.0.1 "$PORT"
url=http://127.0.0.1:$PORT

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
umb_curl --local-port 41061 --http1.0 -o "$UMB_TMP/r1" "$url/close10/30000"
umb_curl --local-port 41062 -o "$UMB_TMP/r2" "$url/close11/25000"
umb_curl --local-port 41063 -o "$UMB_TMP/r3" "$url/clclose/5000"
umb_capture_stop

umb_same_body "$UMB_TMP/r1" 30000
umb_same_body "$UMB_TMP/r2" 25000
umb_same_body "$UMB_TMP/r3" 5000
cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1 && tcp.flags.ack==0" 3
umb_expect_values "$cap" http.request.uri "/close10/30000 /close11/25000 /clclose/5000"
umb_expect_values "$cap" http.response.code "200 200 200"
# the server closes first on every connection
umb_expect_count "$cap" "tcp.flags.fin==1 && tcp.srcport==$PORT" 3
"$UMB_PY" "$UMB_CASE_DIR/case.py" "$PORT"
umb_commit
