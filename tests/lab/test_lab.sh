#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The lab itself (scripts/lab), before any umbra runs in it:
#  - up from nothing, up again (a no-op: same servers), up --shadow-loss N;
#  - the root-namespace links umbra uses are silent (no address, no ARP,
#    no IPv6) and the SPAN hub is a hub (ageing 0, no learning, no STP);
#  - production answers "version 1" to every method, large, chunked and
#    slow routes, many requests per connection, over IPv4 and IPv6;
#  - every client<->production frame appears on umb-tap (same count as on
#    the client's own interface, wire-sized), and the host sends nothing
#    on umb-tap;
#  - the shadow answers "version 2" from its own namespace, and /reset
#    resets mid-response there only; both access logs record requests;
#  - reordering on the shadow link (reorder N: a relay in place of the
#    bridge, nothing lost, frames swapped; reorder 0 gives the bridge back);
#  - loss on the shadow link: a stand-in for umbra on umb-sh0 (AF_PACKET,
#    answers ARP and echo for 10.88.0.1) loses nothing at 0% and about
#    half of the round trips at 30% each way;
#  - repair: a killed server and a deleted link come back with "up";
#  - down, twice, leaves no namespace, link, bridge, process or nft table.
# usage: tests/lab/test_lab.sh   (prints 'N passed, N failed, N skipped')
# Skips (exit 0) when not root or network namespaces are unavailable.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LABCMD=$ROOT/scripts/lab
PY=${UMB_PY:-/usr/bin/python3}
pass=0 fail=0 skip=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
sk() { echo "skip $1: $2"; skip=$((skip + 1)); }
finish() {
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}
skip_all() {
	echo "skip: $1"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
ip netns list >/dev/null 2>&1 || skip_all "ip netns unavailable"
ip netns add umb-labprobe 2>/dev/null || skip_all "cannot create a network namespace"
ip netns del umb-labprobe

W=$(mktemp -d /tmp/umb-labtest.XXXXXX)
BG=()
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local p
	for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	timeout 60 "$LABCMD" down >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT

lab() { timeout 120 "$LABCMD" "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# Commands in the client's or the shadow's namespace, bounded.
inc() { timeout 20 ip netns exec umb-client "$@"; }
insh() { timeout 20 ip netns exec umb-shadow "$@"; }
pids_now() {
	cat /tmp/umb-lab/prod-nginx.pid /tmp/umb-lab/prod-backend.pid \
		/tmp/umb-lab/shadow.pid 2>/dev/null | tr '\n' ' '
}
tx() { cat "/sys/class/net/$1/statistics/tx_packets" 2>/dev/null || echo missing; }
# (Output captured first: grep -q closing the pipe early would make the
# writer fail under pipefail.)
has_rule() { grep -q "$1" <<<"$(ip netns exec umb-wire nft list ruleset 2>/dev/null)"; }
# The lab's body pattern, from server.py itself.
pattern_sha() {
	"$PY" -B -c 'import sys; sys.path.insert(0, sys.argv[1]); import server
sys.stdout.buffer.write(server.pattern(0, int(sys.argv[2])))' "$HERE" "$1" |
		sha256sum | cut -d' ' -f1
}
# silent_link DEV: up, NOARP, no address, IPv6 off.
silent_link() {
	local flags
	flags=$(ip -o link show dev "$1" 2>/dev/null) || return 1
	grep -q 'NOARP' <<<"$flags" && grep -q ',UP' <<<"$flags" &&
		[ -z "$(ip -o addr show dev "$1")" ] &&
		[ "$(sysctl -n "net.ipv6.conf.$1.disable_ipv6")" = 1 ]
}
ITEM7='"id":"7","items":[{"sku":"7-a","qty":1},{"sku":"7-b","qty":2}]}'
P=http://10.77.0.20
S=http://10.88.0.20

# --- up ----------------------------------------------------------------------
if lab down >"$W/down0.out" 2>&1; then
	ok "down before up succeeds"
else
	ko "down before up" "$(cat "$W/down0.out")"
fi
t0=$(now)
lab up >"$W/up1.out" 2>&1
rc=$?
t_up=$(secs "$t0" "$(now)")
if [ $rc -eq 0 ]; then
	ok "up from nothing (${t_up} s)"
else
	ko "up from nothing" "exit $rc: $(tail -n 5 "$W/up1.out")"
	finish
fi
pids1=$(pids_now)
# A request in flight across the second "up" must not notice it.
inc curl -sS -m 10 -o "$W/inflight.out" "$P/slow/1500" 2>"$W/inflight.err" &
inflight=$!
sleep 0.3
t0=$(now)
lab up >"$W/up2.out" 2>&1
rc=$?
t_up2=$(secs "$t0" "$(now)")
wait "$inflight"
irc=$?
if [ $rc -eq 0 ] && [ "$pids1" = "$(pids_now)" ] && [ $irc = 0 ] &&
	[ "$(cat "$W/inflight.out")" = '{"version":1,"slept_ms":1500}' ]; then
	ok "up again is a no-op (${t_up2} s, same servers, a request in flight unharmed)"
else
	ko "up again" "exit $rc, pids '$pids1' then '$(pids_now)', in flight: exit $irc $(cat "$W/inflight.out" "$W/inflight.err")"
fi
if lab status >"$W/status.out" 2>&1; then
	ok "status: all up"
else
	ko "status" "$(cat "$W/status.out")"
fi

eval "$("$LABCMD" env)"
mac=$(ip -n umb-shadow link show dev umb-sh1 | awk '/link\/ether/ { print $2 }')
if [ "${TAP_IFACE:-}" = umb-tap ] && [ "${SHADOW_IFACE:-}" = umb-sh0 ] &&
	[ "${CLIENT_NS:-}" = umb-client ] && [ "${PROD_IP:-}" = 10.77.0.20 ] &&
	[ "${SHADOW_IP:-}" = 10.88.0.20 ] && [ "${UMBRA_SHADOW_IP:-}" = 10.88.0.1 ] &&
	[ "${SHADOW_MAC:-}" = "$mac" ] && [ -f "${PROD_LOG:-/nonexistent}" ] &&
	[ -f "${SHADOW_LOG:-/nonexistent}" ]; then
	ok "env names the interfaces, addresses, the shadow's MAC and the logs"
else
	ko "env" "$("$LABCMD" env | tr '\n' ' ') (umb-sh1 has $mac)"
fi

# --- the root-namespace links and the hub ----------------------------------
if silent_link umb-tap && grep -q PROMISC <<<"$(ip -o link show dev umb-tap)"; then
	ok "umb-tap: up, promisc, no ARP, no address, IPv6 off"
else
	ko "umb-tap" "$(ip -o addr show dev umb-tap; ip -o link show dev umb-tap)"
fi
if silent_link umb-sh0; then
	ok "umb-sh0: up, no ARP, no address, IPv6 off"
else
	ko "umb-sh0" "$(ip -o addr show dev umb-sh0; ip -o link show dev umb-sh0)"
fi
brd=$(ip -n umb-hub -d link show dev umb-span 2>&1)
ports=$(ip -n umb-hub -o link show master umb-span 2>&1 | awk -F': ' '{ print $2 }' |
	cut -d@ -f1 | sort | tr '\n' ' ')
learn=$(ip netns exec umb-hub bridge -d link show 2>&1 | grep -c 'learning off')
if grep -q "forward_delay 0 .*ageing_time 0 stp_state 0" <<<"$brd" &&
	grep -q "nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0" <<<"$brd" &&
	[ "$ports" = "umb-c1 umb-p1 umb-tapbr " ] && [ "$learn" = 3 ]; then
	ok "umb-span is a hub: ageing 0, STP off, no iptables calls, 3 ports, no learning"
else
	ko "umb-span" "ports '$ports', learning off on $learn; $brd"
fi
feat=$(ip netns exec umb-client ethtool -k umb-c0 |
	grep -E '^(tcp-segmentation-offload|tx-checksumming|generic-receive-offload):')
if [ "$(echo "$feat" | grep -c ': off')" = 3 ]; then
	ok "client interface: no TSO, no tx checksum offload, no GRO"
else
	ko "client offloads" "$feat"
fi

tap_tx0=$(tx umb-tap)
sh0_tx0=$(tx umb-sh0)

# --- production ---------------------------------------------------------------
out=$(inc curl -sS -m 5 -w ' %{http_code}' "$P/api/items/7" 2>&1)
if [ "$out" = "{\"version\":1,$ITEM7 200" ]; then
	ok "GET production: version 1"
else
	ko "GET production" "$out"
fi
out=$(inc curl -sS -m 5 -w ' %{http_code}' -H 'Content-Type: application/json' \
	-d '{"name":"seven","qty":7}' "$P/api/items/7" 2>&1)
if [ "$out" = '{"version":1,"id":"7","method":"POST","ok":true} 201' ]; then
	ok "POST production: 201, version 1"
else
	ko "POST production" "$out"
fi
out=$(inc curl -sS -m 5 -w ' %{http_code}' -X PUT -d '{"qty":8}' "$P/api/items/7" 2>&1)
out2=$(inc curl -sS -m 5 -w ' %{http_code}' -X PATCH -d '{"qty":9}' "$P/api/items/7" 2>&1)
if [ "$out" = '{"version":1,"id":"7","method":"PUT","ok":true} 200' ] &&
	[ "$out2" = '{"version":1,"id":"7","method":"PATCH","ok":true} 200' ]; then
	ok "PUT and PATCH production"
else
	ko "PUT and PATCH production" "$out / $out2"
fi
out=$(inc curl -sS -m 5 -I "$P/api/items/7" 2>&1 | tr -d '\r')
out2=$(inc curl -sS -m 5 -i -X OPTIONS "$P/api/items/7" 2>&1 | tr -d '\r')
out3=$(inc curl -sS -m 5 -o /dev/null -w '%{http_code}' -X DELETE "$P/api/items/7" 2>&1)
if grep -q "^HTTP/1.1 200" <<<"$out" && grep -q "^Content-Length: 76$" <<<"$out" &&
	grep -q "^HTTP/1.1 204" <<<"$out2" &&
	grep -q "^Allow: GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE$" <<<"$out2" &&
	[ "$out3" = 204 ]; then
	ok "HEAD 200 (Content-Length 76), OPTIONS 204 with Allow, DELETE 204"
else
	ko "HEAD, OPTIONS, DELETE" "$out | $out2 | $out3"
fi
want_big=$(pattern_sha 5000000)
got=$(inc curl -sS -m 15 "$P/big/5000000" | sha256sum | cut -d' ' -f1)
if [ "$got" = "$want_big" ]; then
	ok "production /big/5000000: the pattern, 5 MB"
else
	ko "production /big" "sha $got, want $want_big"
fi
want_ch=$(pattern_sha 300000)
hdr=$(inc curl -sS -m 10 -D - -o "$W/chunked.bin" "$P/chunked/300000" | tr -d '\r')
got=$(sha256sum <"$W/chunked.bin" | cut -d' ' -f1)
if grep -qi "^Transfer-Encoding: chunked$" <<<"$hdr" && [ "$got" = "$want_ch" ]; then
	ok "production /chunked/300000: chunked, the pattern"
else
	ko "production /chunked" "$hdr sha $got"
fi
t=$(inc curl -sS -m 10 -o /dev/null -w '%{time_total}' "$P/slow/300" 2>&1)
if awk -v t="$t" 'BEGIN { exit !(t >= 0.3 && t < 3) }'; then
	ok "production /slow/300 takes 0.3 s ($t s)"
else
	ko "production /slow/300" "took $t"
fi
out=$(inc curl -sS -m 5 -w ' %{http_code}' "http://[fd77::20]/api/items/7" 2>&1)
if [ "$out" = "{\"version\":1,$ITEM7 200" ]; then
	ok "GET production over IPv6: version 1"
else
	ko "GET production over IPv6" "$out"
fi
args=()
for i in $(seq 50); do args+=(-o /dev/null "$P/api/items/ka$i"); done
inc curl -sS -m 20 -w '%{http_code} %{num_connects}\n' "${args[@]}" >"$W/ka.out" 2>&1
n200=$(grep -c '^200 ' "$W/ka.out")
conns=$(awk '{ s += $2 } END { print s + 0 }' "$W/ka.out")
if [ "$n200" = 50 ] && [ "$conns" = 1 ]; then
	ok "keep-alive: 50 requests on one connection"
else
	ko "keep-alive" "$n200 answered 200, $conns connections"
fi
if command -v wrk >/dev/null 2>&1; then
	inc wrk -t1 -c4 -d2s "$P/api/items/7" >"$W/wrk.out" 2>&1
	reqs=$(awk '/requests in/ { print $1 }' "$W/wrk.out")
	if [ "${reqs:-0}" -gt 1000 ] && ! grep -qE "Non-2xx|Socket errors" "$W/wrk.out"; then
		ok "wrk 2 s on 4 keep-alive connections: $reqs requests, all 2xx"
	else
		ko "wrk" "$(cat "$W/wrk.out")"
	fi
else
	sk "wrk" "not installed"
fi

# --- the SPAN copy ------------------------------------------------------------
# tcpdump_bg NS IFACE FILE: capture port 80 in NS ("" root), wait until it
# listens (5 s).
tcpdump_bg() {
	local ns=$1 dev=$2 f=$3
	if [ -n "$ns" ]; then
		timeout 60 ip netns exec "$ns" tcpdump -i "$dev" -nn -U --immediate-mode \
			-B 16384 -s 0 -Z root -w "$f" tcp port 80 2>"$f.err" &
	else
		timeout 60 tcpdump -i "$dev" -nn -U --immediate-mode \
			-B 16384 -s 0 -Z root -w "$f" tcp port 80 2>"$f.err" &
	fi
	BG+=("$!")
	for _ in $(seq 50); do
		grep -q "listening on" "$f.err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# stop_bg PID: SIGINT (timeout passes it on), wait at most 5 s.
stop_bg() {
	kill -INT "$1" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1" 2>/dev/null || true
}
if tcpdump_bg "" umb-tap "$W/tap.pcap" && tcpdump_bg umb-client umb-c0 "$W/cli.pcap"; then
	tag=span$$
	inc curl -sS -m 5 -o /dev/null "$P/api/items/$tag"
	inc curl -sS -m 15 -o /dev/null "$P/big/2000000"
	sleep 0.5
	stop_bg "${BG[-1]}"
	stop_bg "${BG[-2]}"
	tcpdump -r "$W/tap.pcap" -nn -A 2>/dev/null >"$W/tap.txt"
	n_tap=$(tcpdump -r "$W/tap.pcap" -nn 2>/dev/null | wc -l)
	n_cli=$(tcpdump -r "$W/cli.pcap" -nn 2>/dev/null | wc -l)
	to_prod=$(grep -c '10\.77\.0\.10\.[0-9]* > 10\.77\.0\.20\.80:' "$W/tap.txt")
	to_cli=$(grep -c '10\.77\.0\.20\.80 > 10\.77\.0\.10\.[0-9]*:' "$W/tap.txt")
	maxlen=$(tcpdump -r "$W/tap.pcap" -nn -e 2>/dev/null |
		sed -nE 's/.*ethertype [^,]*, length ([0-9]+):.*/\1/p' | sort -n | tail -n 1)
	if grep -q "GET /api/items/$tag HTTP/1.1" "$W/tap.txt"; then
		ok "umb-tap sees the client's request bytes"
	else
		ko "umb-tap request" "no 'GET /api/items/$tag' in the capture"
	fi
	if grep -qF "{\"version\":1,\"id\":\"$tag\"" "$W/tap.txt"; then
		ok "umb-tap sees production's response bytes"
	else
		ko "umb-tap response" "no response body in the capture"
	fi
	if [ "$n_tap" -gt 1000 ] && [ "$n_tap" = "$n_cli" ] &&
		[ "$to_prod" -gt 0 ] && [ "$to_cli" -gt 1000 ]; then
		ok "umb-tap holds every frame the client saw, both ways ($n_tap)"
	else
		ko "umb-tap frames" "tap $n_tap ($to_prod to prod, $to_cli to client), client $n_cli"
	fi
	if [ "${maxlen:-99999}" -le 1514 ]; then
		ok "umb-tap frames are wire-sized (largest $maxlen bytes)"
	else
		ko "umb-tap frame size" "largest $maxlen"
	fi
else
	ko "capture on umb-tap" "tcpdump did not start: $(cat "$W"/*.err)"
fi
# With UMBRA=path/to/umbra: DPDK's net_af_packet reads the same copy.
if [ -n "${UMBRA:-}" ] && [ -x "$UMBRA" ]; then
	timeout 60 "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 \
		--file-prefix=umblab$$ --log-level=lib.eal:error \
		--vdev "$UMBRA_TAP_VDEV" -- --exchanges "$W/afp.jsonl" >"$W/afp.out" 2>&1 &
	upid=$!
	BG+=("$upid")
	sleep 3  # EAL start-up; no readiness signal to wait for
	inc curl -sS -m 5 -o /dev/null -o /dev/null "$P/api/items/afp$$" "$P/big/200000"
	sleep 1
	stop_bg "$upid"
	n=$(grep -c "\"uri\":\"/api/items/afp$$\".*\"status\":200" "$W/afp.jsonl" 2>/dev/null)
	n2=$(grep -c '"uri":"/big/200000".*"resp_body_bytes":200000' "$W/afp.jsonl" 2>/dev/null)
	if [ "${n:-0}" = 1 ] && [ "${n2:-0}" = 1 ]; then
		ok "umbra reads umb-tap through net_af_packet: both exchanges"
	else
		ko "umbra on umb-tap" "$(tail -n 5 "$W/afp.out"); $(cat "$W/afp.jsonl" 2>/dev/null)"
	fi
else
	sk "umbra on umb-tap" "set UMBRA=path/to/umbra to read the tap with net_af_packet"
fi
tap_tx1=$(tx umb-tap)
if [ "$tap_tx0" = 0 ] && [ "$tap_tx1" = 0 ]; then
	ok "the host sent nothing on umb-tap"
else
	ko "umb-tap tx" "tx_packets $tap_tx0 then $tap_tx1"
fi

# --- the shadow -----------------------------------------------------------------
out=$(insh curl -sS -m 5 -w ' %{http_code}' "$S/api/items/7" 2>&1)
if [ "$out" = "{\"version\":2,$ITEM7 200" ]; then
	ok "GET shadow from its namespace: version 2"
else
	ko "GET shadow" "$out"
fi
out=$(insh curl -sS -m 5 -w ' %{http_code}' -d '{"qty":7}' "$S/api/items/7" 2>&1)
if [ "$out" = '{"version":2,"id":"7","method":"POST","ok":true} 201' ]; then
	ok "POST shadow: 201, version 2"
else
	ko "POST shadow" "$out"
fi
out=$(insh curl -sS -m 5 -w ' %{http_code}' "http://[fd88::20]/api/items/7" 2>&1)
if [ "$out" = "{\"version\":2,$ITEM7 200" ]; then
	ok "GET shadow over IPv6: version 2"
else
	ko "GET shadow over IPv6" "$out"
fi
got=$(insh curl -sS -m 15 "$S/big/5000000" | sha256sum | cut -d' ' -f1)
got2=$(insh curl -sS -m 10 "$S/chunked/300000" | sha256sum | cut -d' ' -f1)
if [ "$got" = "$want_big" ] && [ "$got2" = "$want_ch" ]; then
	ok "shadow /big and /chunked: the same bytes as production"
else
	ko "shadow /big, /chunked" "sha $got $got2"
fi
out=$(insh curl -sS -m 5 -o /dev/null -w '%{http_code} %{size_download}' "$S/reset" 2>"$W/reset.err")
rc=$?
if [ $rc = 56 ] && [ "$out" = "200 16384" ] && grep -q "reset by peer" "$W/reset.err"; then
	ok "shadow /reset: 16384 of 65536 bytes, then connection reset"
else
	ko "shadow /reset" "exit $rc, $out, $(cat "$W/reset.err")"
fi
out=$(inc curl -sS -m 5 -o /dev/null -w '%{http_code} %{size_download}' "$P/reset" 2>&1)
if [ "$out" = "200 65536" ]; then
	ok "production /reset: the whole 65536 bytes"
else
	ko "production /reset" "$out"
fi
out=$(insh curl -sS -m 5 "$S/same/42" 2>&1)
out2=$(inc curl -sS -m 5 "$P/same/42" 2>&1)
if [ "$out" = "$out2" ] &&
	[ "$out" = '{"id":"42","items":[{"sku":"42-a","qty":1},{"sku":"42-b","qty":2}]}' ]; then
	ok "/same/42: equal bodies on both sides"
else
	ko "/same/42" "$out vs $out2"
fi

# --- access logs ----------------------------------------------------------------
if grep -q '^10\.77\.0\.10 .*"GET /api/items/7 HTTP/1.1" 200 76 ' "$PROD_LOG" &&
	grep -q '^10\.77\.0\.10 .*"POST /api/items/7 HTTP/1.1" 201 ' "$PROD_LOG" &&
	[ "$(grep -c '"GET /api/items/ka[0-9]* HTTP/1.1" 200' "$PROD_LOG")" = 50 ]; then
	ok "production log: the client's GET 200, POST 201 and 50 keep-alive GETs"
else
	ko "production log" "$(tail -n 5 "$PROD_LOG")"
fi
if grep -q '^10\.88\.0\.20 .*"GET /api/items/7 HTTP/1.1" 200 76 ' "$SHADOW_LOG" &&
	grep -q '"POST /api/items/7 HTTP/1.1" 201 ' "$SHADOW_LOG" &&
	grep -q '"GET /reset HTTP/1.1" 200 16384 ' "$SHADOW_LOG" &&
	grep -q '^fd88::20 .*"GET /api/items/7 HTTP/1.1" 200' "$SHADOW_LOG"; then
	ok "shadow log: GET 200 (IPv4 and IPv6), POST 201, the cut /reset"
else
	ko "shadow log" "$(tail -n 5 "$SHADOW_LOG")"
fi

# --- loss on the shadow link ----------------------------------------------------
sh0_tx1=$(tx umb-sh0)
if [ "$sh0_tx0" = 0 ] && [ "$sh0_tx1" = 0 ]; then
	ok "the host sent nothing on umb-sh0"
else
	ko "umb-sh0 tx" "tx_packets $sh0_tx0 then $sh0_tx1"
fi
timeout 60 "$PY" "$HERE/l2peer.py" respond umb-sh0 "$UMBRA_SHADOW_IP" \
	"$UMBRA_SHADOW_MAC" 50 >"$W/peer.out" 2>&1 &
peer=$!
BG+=("$peer")
for _ in $(seq 50); do
	grep -q ready "$W/peer.out" && break
	sleep 0.1
done
# ping_shadow COUNT: from the shadow to umbra's address, "sent N received N".
ping_shadow() { insh "$PY" "$HERE/l2peer.py" ping "$UMBRA_SHADOW_IP" "$1" 10 2>&1; }
out=$(ping_shadow 200)
if [ "$out" = "sent 200 received 200" ]; then
	ok "shadow <-> umbra's address over the shadow link, no loss: 200/200"
else
	ko "shadow link without loss" "$out; peer: $(cat "$W/peer.out")"
fi
lab loss 30 >/dev/null 2>&1
if has_rule "numgen random mod 100 < 30 drop"; then
	ok "loss 30: the nft rule is on the shadow link"
else
	ko "loss 30 rule" "$(ip netns exec umb-wire nft list ruleset 2>&1)"
fi
out=$(ping_shadow 200)
got=$(echo "$out" | awk '{ print $4 }')
# 30% each way: 0.7 * 0.7 = 49% of round trips come back (sd 3.5%).
if [ "${got:-0}" -ge 56 ] && [ "${got:-0}" -le 140 ]; then
	ok "loss 30: $((200 - got)) of 200 round trips lost (30-72% allowed, 51% expected)"
else
	ko "loss 30" "$out"
fi
lab loss 0 >/dev/null 2>&1
out=$(ping_shadow 50)
if [ "$out" = "sent 50 received 50" ] && ! has_rule numgen; then
	ok "loss 0: rule gone, no loss"
else
	ko "loss 0" "$out; $(ip netns exec umb-wire nft list ruleset 2>&1)"
fi
# --- reordering on the shadow link (tests/lab/reorder.py in place of the bridge)
lab reorder 50 >"$W/reorder.out" 2>&1
rc=$?
st=$(lab status 2>&1)
if [ $rc = 0 ] && [ -z "$(ip -n umb-wire link show master umb-shw 2>/dev/null)" ] &&
	grep -qE '^shadow link reorder +50%$' <<<"$st"; then
	ok "reorder 50: the relay replaces the bridge (status says 50%)"
else
	ko "reorder 50" "exit $rc: $(cat "$W/reorder.out"); $(grep reorder <<<"$st"); ports: $(ip -n umb-wire link show master umb-shw 2>&1 | head -n 2)"
fi
# Back-to-back echoes, so that a held frame has a next one to swap with.
out=$(insh "$PY" "$HERE/l2peer.py" ping "$UMBRA_SHADOW_IP" 200 0 2>&1)
lab reorder 0 >/dev/null 2>&1
read -r _ ab _ abs _ ba _ bas <"/tmp/umb-lab/reorder.stats" 2>/dev/null || ab=x
if [ "$out" = "sent 200 received 200" ] && [ "${bas:-0}" -gt 0 ] 2>/dev/null; then
	ok "reorder 50: nothing lost, frames swapped ($bas of $ba toward umbra, $abs of $ab back)"
else
	ko "reorder 50 traffic" "$out; $(cat /tmp/umb-lab/reorder.stats 2>/dev/null)"
fi
out=$(ping_shadow 50)
if [ "$out" = "sent 50 received 50" ] &&
	[ "$(ip -n umb-wire link show master umb-shw | grep -c '^[0-9]')" = 2 ] &&
	! pgrep -f "reorder.py --pidfile" >/dev/null; then
	ok "reorder 0: relay gone, both ports back on the bridge, no loss"
else
	ko "reorder 0" "$out; $(ip -n umb-wire link show master umb-shw 2>&1 | head -n 4)"
fi
stop_bg "$peer"
lab up --shadow-loss 20 >"$W/up-loss.out" 2>&1
rc=$?
if [ $rc = 0 ] && [ "$pids1" = "$(pids_now)" ] && has_rule "mod 100 < 20 drop"; then
	ok "up --shadow-loss 20 on a running lab: rule set, same servers"
else
	ko "up --shadow-loss 20" "exit $rc, pids '$pids1' then '$(pids_now)': $(cat "$W/up-loss.out")"
fi

# --- repair -------------------------------------------------------------------
spid=$(cat /tmp/umb-lab/shadow.pid)
kill -KILL "$spid"
ip link del umb-tap
lab up >"$W/up3.out" 2>&1
rc=$?
out=$(insh curl -sS -m 5 "$S/api/items/7" 2>&1)
if [ $rc = 0 ] && [ "$(cat /tmp/umb-lab/shadow.pid)" != "$spid" ] &&
	[ "$out" = "{\"version\":2,$ITEM7" ] && lab status >/dev/null 2>&1 &&
	silent_link umb-tap && ! has_rule numgen; then
	ok "up repairs a killed shadow server and a deleted umb-tap (and resets loss)"
else
	ko "repair" "exit $rc, $out; $(lab status 2>&1 | tr '\n' ';')"
fi
pids_end=$(pids_now)

# --- down -----------------------------------------------------------------------
t0=$(now)
lab down >"$W/down1.out" 2>&1
rc=$?
t_down=$(secs "$t0" "$(now)")
if [ $rc = 0 ]; then
	ok "down (${t_down} s)"
else
	ko "down" "exit $rc: $(cat "$W/down1.out")"
fi
if lab down >"$W/down2.out" 2>&1; then
	ok "down again succeeds"
else
	ko "down again" "$(cat "$W/down2.out")"
fi
left=$(ip netns list | grep -E '^umb-' | tr '\n' ' ')
if [ -z "$left" ]; then ok "no namespace left"; else ko "namespaces left" "$left"; fi
left=$(ip -o link show | grep -oE ' umb-[a-z0-9]+' | tr '\n' ' ')
if [ -z "$left" ]; then ok "no link or bridge left"; else ko "links left" "$left"; fi
# running PID: exists and is not a zombie (exited, waiting for init to
# reap it, which the lab does not control).
running() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}
left=""
# The recorded servers, then any by their command lines.
for p in $pids_end $pids1 $(pgrep -f -- '--tag umb-lab|/tmp/umb-lab/prod-nginx.conf'); do
	if running "$p"; then left="$left $p"; fi
done
if [ -z "$left" ]; then ok "no server process left"; else ko "processes left" "$left"; fi
left=$(nft list tables 2>/dev/null | grep umb || true)
if [ -z "$left" ]; then ok "no nft table left"; else ko "nft tables left" "$left"; fi
echo "timing: up ${t_up} s, up again ${t_up2} s, down ${t_down} s"
finish
