#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# head-204-304: responses without a body on one keep-alive connection to
# nginx (curl --next keeps the connection): HEAD with Content-Length, GET,
# a 304 from If-None-Match (nginx ETag), a 204, a 304 from
# If-Modified-Since, a HEAD answered 404, and a final GET proving the parser
# stayed in step.
. "$(dirname "$0")/../lib/common.sh"
umb_setup "$@"

PORT=18104
UMB_HTTP_PORTS=$PORT
www=$UMB_TMP/www
"$UMB_PY" "$UMB_CASE_DIR/case.py" files "$www"
umb_nginx "$www" 127.0.0.1 "$PORT"
url=http://127.0.0.1:$PORT

# validators, fetched before the capture starts
umb_curl -I "$url/page.html" >"$UMB_TMP/head.txt"
etag=$(sed -n 's/^ETag: *\(.*\)\r$/\1/ip' "$UMB_TMP/head.txt")
lastmod=$(sed -n 's/^Last-Modified: *\(.*\)\r$/\1/ip' "$UMB_TMP/head.txt")
if [ -z "$etag" ] || [ -z "$lastmod" ]; then
	umb_die "no ETag / Last-Modified"
fi

umb_capture_start "$UMB_TMP/cap.pcap" "tcp port $PORT"
umb_curl --local-port 41004 -I -o /dev/null "$url/page.html" \
	--next -o "$UMB_TMP/page" "$url/page.html" \
	--next -H "If-None-Match: $etag" -o /dev/null "$url/page.html" \
	--next -o /dev/null "$url/nocontent" \
	--next -H "If-Modified-Since: $lastmod" -o /dev/null "$url/page.html" \
	--next -I -o /dev/null "$url/missing.html" \
	--next -o "$UMB_TMP/small" "$url/small.txt"
umb_capture_stop

cmp -s "$UMB_TMP/page" "$www/page.html" || umb_die "page differs"
cmp -s "$UMB_TMP/small" "$www/small.txt" || umb_die "small differs"
cp "$UMB_TMP/cap.pcap" "$UMB_OUT/capture.pcap"
cap=$UMB_OUT/capture.pcap
umb_expect_count "$cap" "tcp.flags.syn==1 && tcp.flags.ack==0" 1
umb_expect_values "$cap" http.request.method "HEAD GET GET GET GET HEAD GET"
umb_expect_values "$cap" http.response.code "200 200 304 204 304 404 200"
"$UMB_PY" "$UMB_CASE_DIR/case.py" expect "$www" "$PORT"
umb_commit
