# SPDX-License-Identifier: BSD-3-Clause
# Shared shell helpers for the make.sh scripts of tests/cases/<case>/.
#
# A make.sh sources this file, calls umb_setup "$@" first, then starts
# servers, captures with tcpdump on lo and drives real clients. umb_setup
# re-executes the script in a private network namespace (unshare -n): its
# loopback is ours alone, so ports never collide with other users of the
# machine, and we can set its MTU to 1500 and turn TSO/GSO/GRO off so the
# capture holds wire-sized segments (the host lo would show 64 KB
# super-segments). Everything started is recorded in UMB_PIDS and stopped by
# the EXIT trap; every wait is bounded.

set -euo pipefail

UMB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UMB_CASE_DIR=$(cd "$(dirname "$0")" && pwd)
# Debian's python3 carries python3-scapy; a pyenv python3 may shadow it.
UMB_PY=${UMB_PY:-/usr/bin/python3}
UMB_PIDS=()
UMB_TMP=
UMB_TCPDUMP_PID=
UMB_TCPDUMPS=()

umb_die()
{
	echo "make.sh ($(basename "$UMB_CASE_DIR")): $*" >&2
	exit 1
}

umb_cleanup()
{
	local pid i
	for pid in "${UMB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${UMB_PIDS[@]}"; do
		for i in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -n "$UMB_TMP" ] && [ -z "${UMB_KEEP_TMP:-}" ]; then
		rm -rf "$UMB_TMP"
	fi
}

# umb_setup "$@": enter a private netns (re-exec), make the temp dir, traps.
umb_setup()
{
	if [ -z "${UMB_IN_NETNS:-}" ]; then
		[ "$(id -u)" = 0 ] || umb_die "needs root (unshare -n, tcpdump)"
		exec timeout -k 5 300 unshare -n env UMB_IN_NETNS=1 \
			bash "$0" "$@"
	fi
	ip link set lo up
	ip link set lo mtu "${UMB_MTU:-1500}"
	ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
	UMB_TMP=$(mktemp -d /tmp/umb-case.XXXXXX)
	# capture.pcap and expected.json are made here and moved into the case
	# folder together by umb_commit, once every check passed
	UMB_OUT=$UMB_TMP/out
	mkdir -p "$UMB_OUT"
	export UMB_OUT
	trap umb_cleanup EXIT
	trap 'exit 130' INT TERM
}

# umb_bg CMD...: start CMD in the background, remember its pid in UMB_BG_PID.
umb_bg()
{
	"$@" &
	UMB_BG_PID=$!
	UMB_PIDS+=("$UMB_BG_PID")
}

# umb_wait_listen PORT: wait (<= 10 s) until something listens on TCP PORT.
# Uses ss, so no connection is made (nothing stray lands in a capture).
umb_wait_listen()
{
	local port=$1 i
	for i in $(seq 100); do
		if ss -Hltn "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	umb_die "nothing listens on port $port after 10 s"
}

# umb_stop PID: TERM, wait <= 5 s, KILL.
umb_stop()
{
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# umb_capture_start FILE FILTER: tcpdump on lo, wait until it listens.
# Several may run at once; umb_capture_stop stops them all.
umb_capture_start()
{
	local out=$1 filter=$2 i log
	log=$(mktemp "$UMB_TMP/tcpdump.XXXXXX")
	umb_bg tcpdump -i lo -n -U --immediate-mode -B 65536 -s 0 -Z root \
		-w "$out" "$filter" 2>"$log"
	UMB_TCPDUMPS+=("$UMB_BG_PID:$log")
	UMB_TCPDUMP_PID=$UMB_BG_PID
	for i in $(seq 100); do
		if grep -q "listening on" "$log"; then
			# the filter is attached before the message; a short
			# pause covers the ring being mapped
			sleep 0.2
			return 0
		fi
		kill -0 "$UMB_TCPDUMP_PID" 2>/dev/null ||
			umb_die "tcpdump died: $(cat "$log")"
		sleep 0.1
	done
	umb_die "tcpdump not listening after 10 s"
}

# umb_capture_stop: let the last packets land, SIGINT every tcpdump (each
# flushes and writes its statistics), wait <= 5 s each; fail when the kernel
# dropped packets.
umb_capture_stop()
{
	local t pid log i
	sleep 0.5
	for t in "${UMB_TCPDUMPS[@]}"; do
		kill -INT "${t%%:*}" 2>/dev/null || true
	done
	for t in "${UMB_TCPDUMPS[@]}"; do
		pid=${t%%:*}
		log=${t#*:}
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		grep -q "^0 packets dropped by kernel" "$log" ||
			umb_die "tcpdump lost packets: $(cat "$log")"
	done
	UMB_TCPDUMPS=()
}

# umb_nginx ROOT ADDR PORT: nginx in the foreground (single process) serving
# ROOT on ADDR:PORT ("127.0.0.1", "[::1]"), its prefix in the temp dir.
# 404 answers with ROOT/404.html so its body is known; /nocontent is a 204.
umb_nginx()
{
	local root=$1 addr=$2 port=$3 dir="$UMB_TMP/nginx-$3"
	mkdir -p "$dir/logs"
	cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	default_type application/octet-stream;
	server_tokens off;
	keepalive_requests 1000;
	keepalive_timeout 60s;
	server {
		listen $addr:$port;
		root $root;
		error_page 404 /404.html;
		location = /nocontent { return 204; }
	}
}
EOF
	umb_bg nginx -p "$dir" -c "$dir/nginx.conf"
	umb_wait_listen "$port"
}

# umb_httpd ADDR PORT: the python server of lib/httpd.py (special responses).
umb_httpd()
{
	umb_bg "$UMB_PY" "$UMB_LIB/httpd.py" "$1" "$2"
	umb_wait_listen "$2"
}

# umb_curl ARGS...: curl bounded in time, quiet, failing on transport errors.
umb_curl()
{
	timeout -k 2 60 curl -sS --max-time 50 "$@"
}

# umb_tshark ARGS...: tshark bounded in time; its errors shown, not its
# "running as root" warning.
umb_tshark()
{
	local err
	err=$(mktemp "$UMB_TMP/tshark.XXXXXX")
	if ! timeout 120 tshark "$@" 2>"$err"; then
		grep -v "Running as user" "$err" >&2 || true
		umb_die "tshark $* failed"
	fi
}

# umb_tshark_count PCAP FILTER: number of frames matching a display filter.
# The case's ports are dissected as HTTP (UMB_HTTP_PORTS, space-separated).
umb_tshark_count()
{
	local args=(-o tcp.reassemble_out_of_order:TRUE) p
	for p in ${UMB_HTTP_PORTS:-}; do
		args+=(-d "tcp.port==$p,http")
	done
	umb_tshark -n "${args[@]}" -r "$1" -Y "$2" | wc -l
}

# umb_expect_count PCAP FILTER N: fail unless tshark finds exactly N frames.
umb_expect_count()
{
	local got
	got=$(umb_tshark_count "$1" "$2")
	[ "$got" = "$3" ] ||
		umb_die "$(basename "$1"): '$2' matched $got frames, expected $3"
}

# umb_tshark_values PCAP FIELD [FILTER]: every value of FIELD, one a line
# (a frame holding several HTTP messages gives several values).
umb_tshark_values()
{
	local args=(-o tcp.reassemble_out_of_order:TRUE) p
	for p in ${UMB_HTTP_PORTS:-}; do
		args+=(-d "tcp.port==$p,http")
	done
	umb_tshark -n "${args[@]}" -r "$1" -Y "${3:-$2}" -T fields \
		-E occurrence=a -E separator=, -e "$2" | tr ',' '\n' |
		{ grep -v '^$' || true; }
}

# umb_expect_values PCAP FIELD "V1 V2 ...": the values of FIELD, in capture
# order, must be exactly this list (e.g. request methods, status codes).
umb_expect_values()
{
	local got
	got=$(umb_tshark_values "$1" "$2" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$3" ] ||
		umb_die "$(basename "$1"): $2 values are '$got', expected '$3'"
}

# umb_same_body FILE N [SEED]: FILE must hold umbcase.body_bytes(N, SEED).
umb_same_body()
{
	cmp -s "$1" <("$UMB_PY" "$UMB_LIB/umbcase.py" body "$2" ${3:+"$3"}) ||
		umb_die "$1 is not the $2-byte body the server sends"
}

# umb_curl_reqs SET PORT CPORT [ADDR]: one curl (one keep-alive connection
# from local port CPORT) sending the requests of umbcase.REQSETS[SET] to
# lib/httpd.py, then a check that every response is what httpd.py sends.
umb_curl_reqs()
{
	local set=$1 port=$2 cport=$3 addr=${4:-127.0.0.1} dir
	local args=(--local-port "$cport") first=1 i=0 method uri file url
	dir="$UMB_TMP/reqs-$set-$cport"
	mkdir -p "$dir"
	url="http://$addr:$port"
	case "$addr" in *:*) url="http://[$addr]:$port"; args+=(-g) ;; esac
	while read -r method uri file; do
		[ $first = 1 ] || args+=(--next)
		first=0
		args+=(-X "$method" -H "Expect:" -o "$dir/resp$i")
		if [ "$file" != - ]; then
			args+=(-H "Content-Type: application/octet-stream"
				--data-binary "@$file")
		fi
		args+=("$url$uri")
		i=$((i + 1))
	done < <("$UMB_PY" "$UMB_LIB/umbcase.py" reqs "$set" "$dir")
	umb_curl "${args[@]}"
	"$UMB_PY" "$UMB_LIB/umbcase.py" check "$set" "$dir" ||
		umb_die "curl_reqs $set: a response differs"
}

# umb_clean_capture PCAP: a base capture for a mutation must be clean, or
# the mutation would not be the only oddity in it.
umb_clean_capture()
{
	umb_expect_count "$1" "tcp.analysis.retransmission || tcp.analysis.out_of_order || tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment || tcp.analysis.duplicate_ack" 0
}

# umb_base_case SET PORT CPORT: record one umb_curl_reqs connection into
# $UMB_TMP/base.pcap and check it is clean.
umb_base_case()
{
	umb_httpd 127.0.0.1 "$2"
	umb_capture_start "$UMB_TMP/base.pcap" "tcp port $2"
	umb_curl_reqs "$1" "$2" "$3"
	umb_capture_stop
	umb_clean_capture "$UMB_TMP/base.pcap"
}

# umb_commit [PCAP...]: move the checked captures (default capture.pcap) and
# expected.json into the case folder (all or none).
umb_commit()
{
	local f files=("${@:-capture.pcap}")
	for f in "${files[@]}" expected.json; do
		[ -s "$UMB_OUT/$f" ] || umb_die "$f was not produced"
	done
	for f in "${files[@]}" expected.json; do
		mv -f "$UMB_OUT/$f" "$UMB_CASE_DIR/$f"
	done
	echo "$(basename "$UMB_CASE_DIR"): ${files[*]} ($(cd "$UMB_CASE_DIR" &&
		du -cb "${files[@]}" | tail -n 1 | cut -f1) bytes) and" \
		"expected.json written"
}
