#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# umbra live from a launch file, in the lab (scripts/lab):
#  - ports come from config/lab/*.ini: the SPAN tap and the shadow link;
#  - the sampling share changes live through DPDK telemetry (/umbra/share):
#    connections opened at 0% give no exchange line, at 100% every one does;
#  - umbra resolves the shadow's MAC and answers the shadow kernel's ARP for
#    its own shadow-side address;
#  - the tap port never transmits; SIGINT stops it cleanly.
# usage: tests/live/test_live_config.sh UMBRA  (prints 'N passed, N failed[, N skipped]')
set -uo pipefail
UMBRA=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d)
PREFIX=umblivecfg$$
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
upid=
cleanup() {
  [ -n "$upid" ] && kill -9 "$upid" 2>/dev/null
  "$ROOT/scripts/lab" down >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skip: needs root and ip netns"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
"$ROOT/scripts/lab" up >"$W/lab.out" 2>&1 || { ko "lab up" "$(tail -n 5 "$W/lab.out")"; echo "$pass passed, $fail failed"; exit 1; }
eval "$("$ROOT/scripts/lab" env)"
SOCK=/var/run/dpdk/$PREFIX/dpdk_telemetry.v2

# One telemetry request; prints the JSON answer.
tel() {
  python3 - "$SOCK" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
s.recv(16384)                      # the greeting
s.send(sys.argv[2].encode())
print(s.recv(16384).decode())
PY
}
tap_tx() { ip -s -j link show umb-tap | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'; }
tx0=$(tap_tx)

"$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix=$PREFIX \
  --log-level=lib.eal:error -- --config "$ROOT/config/lab/umbra.ini" \
  --exchanges "$W/x.jsonl" --summary-json "$W/s.json" >"$W/umbra.out" 2>&1 &
upid=$!
for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.2; done
sleep 0.5

share=$(tel /umbra/share 2>&1)
if echo "$share" | grep -q '"share_ppm": *100000'; then
  ok "telemetry reads the configured share (10%)"
else
  ko "telemetry read" "$share; $(tail -n 3 "$W/umbra.out")"
fi

# Each curl is a new connection; its tag says the share it was opened at.
requests() {  # requests TAG
  for i in 1 2 3 4 5; do
    ip netns exec "$CLIENT_NS" curl -s -o /dev/null -m 5 "http://$PROD_IP/api/items/$1-$i" || true
  done
}
tel /umbra/share,0 >/dev/null && requests zero
sleep 0.5
set100=$(tel /umbra/share,100)
requests full
sleep 0.5
if echo "$set100" | grep -q '"share_ppm": *1000000'; then
  ok "telemetry sets the share live (100%)"
else
  ko "telemetry set" "$set100"
fi
bad=$(tel /umbra/share,150)
if ! echo "$bad" | grep -q share_ppm; then
  ok "telemetry refuses a share over 100%"
else
  ko "telemetry bad share" "$bad"
fi

# The shadow kernel forgets umbra, then must learn it from umbra's ARP reply.
ip netns exec umb-shadow ip neigh flush all
ip netns exec umb-shadow python3 -c '
import socket
s = socket.socket(); s.settimeout(1)
try: s.connect(("10.88.0.1", 9))
except Exception: pass' 2>/dev/null
lladdr=$(ip -n umb-shadow neigh show 10.88.0.1 | awk '{print $5}')
sh0mac=$(cat /sys/class/net/umb-sh0/address)

kill -INT "$upid"; wait "$upid"; rc=$?; upid=
if [ $rc -eq 0 ] && grep -q "accounting: ok" "$W/umbra.out"; then
  ok "SIGINT stops the live run cleanly"
else
  ko "live stop" "exit $rc: $(tail -n 5 "$W/umbra.out")"
fi

full=$(grep -c '"uri":"/api/items/full-' "$W/x.jsonl" 2>/dev/null)
zero=$(grep -c '"uri":"/api/items/zero-' "$W/x.jsonl" 2>/dev/null)
if [ "${full:-0}" = 5 ] && [ "${zero:-0}" = 0 ]; then
  ok "connections opened at 0% give no line, at 100% all 5 do"
else
  ko "live share" "full=${full:-0} zero=${zero:-0}: $(cut -c1-200 "$W/x.jsonl" 2>/dev/null | head -n 3)"
fi

counters=$(python3 - "$W/s.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(s["flow"]["sampled"], s["flow"]["not_sampled"], s["shadow"]["target_resolved"],
      s["neigh"]["arp_requests_answered"], s["shadow"]["tx_drops"])
PY
)
read -r sampled not_sampled resolved answered drops <<<"${counters:-x x x x x}"
if [ "$sampled" -ge 5 ] 2>/dev/null && [ "$not_sampled" -ge 5 ]; then
  ok "flow counters: $sampled sampled, $not_sampled not sampled"
else
  ko "flow counters" "$counters"
fi
if [ "$resolved" -ge 1 ] 2>/dev/null; then
  ok "umbra resolved the shadow's MAC"
else
  ko "resolution" "$counters"
fi
if [ "$answered" -ge 1 ] 2>/dev/null && [ "$lladdr" = "$sh0mac" ]; then
  ok "umbra answered the shadow's ARP for 10.88.0.1 with its MAC ($sh0mac)"
else
  ko "ARP answer" "answered=$answered kernel says '$lladdr', umb-sh0 is $sh0mac"
fi
tx1=$(tap_tx)
if [ "$tx0" = "$tx1" ]; then
  ok "the tap port sent nothing"
else
  ko "tap tx" "$tx0 -> $tx1 packets"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
