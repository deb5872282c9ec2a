#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# VXLAN end to end, in the lab (scripts/lab, docs/lab.md): the SPAN hub's
# copy of every client<->production frame reaches umbra's tap port through a
# Linux vxlan device, as cloud traffic mirroring delivers it (AWS VPC Traffic
# Mirroring, Azure vTAP: UDP 4789, Ethernet inside), instead of the lab's
# plain umb-tap.
#
#   umb-hub ns: umb-span (the hub) --port-- umb-vxlan (VNI 4242, 10.99.0.1 ->
#     10.99.0.2, dstport 4789) over umb-vx0 (10.99.0.1/30, MTU 1600, a
#     permanent neighbour entry for 10.99.0.2: no ARP)
#   root ns:    umb-vx1 (the veth peer; no address, no ARP, no IPv6, MTU 1600)
#     <- umbra's tap port, net_af_packet0,iface=umb-vx1 (decap = auto)
#
# umbra (share 100, config/lab with the tap port moved to umb-vx1) mirrors
# keep-alive sequences of /cmp/same, /cmp/rename, /api/items and /same over
# IPv4 and IPv6, then is stopped with SIGINT. Checks: every TCP segment umbra
# saw came from VXLAN (summary group tunnel: vxlan > 0, none = 0) and no
# tunnel decode error; every request is one exchange line with the outcome
# its route implies (match, or mismatch with the route's differences), the
# shadow answered it 200 and logged it once; production answered all 200;
# the accounting is ok; the host sent nothing on umb-vx1.
# usage: tests/live/test_vxlan.sh UMBRA  (prints 'N passed, N failed[, N skipped]')
# Root only (skips otherwise). About 3 s. Takes the lab down at the end.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 UMBRA" >&2; exit 2; }
UMBRA=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${UMB_PY:-/usr/bin/python3}
. "$ROOT/tests/live/lib.sh"
live_need_root
W=$(mktemp -d /tmp/umb-vxlan.XXXXXX)
PREFIX=umbvx$$
VNI=4242 VX_LOCAL=10.99.0.1 VX_REMOTE=10.99.0.2 VX_PORT=4789
VX1_MAC=02:75:6d:99:00:02
upid=
HUB=umb-hub
cleanup() {
  [ -n "$upid" ] && kill -9 "$upid" 2>/dev/null
  # Our devices first (deleting umb-vx1 takes umb-vx0 along), then the lab.
  ip -n "$HUB" link del umb-vxlan 2>/dev/null
  ip link del umb-vx1 2>/dev/null
  ip -n "$HUB" link del umb-vx0 2>/dev/null
  lab_cleanup "$PREFIX"
}
trap cleanup EXIT
lab_fresh
HUB=$HUB_NS

# --- the VXLAN path ---------------------------------------------------------
# vx_setup: every step must succeed; the first failure is reported.
vx_setup() {
  ip link del umb-vx1 2>/dev/null
  ip link add umb-vx1 type veth peer name umb-vx0 netns "$HUB_NS" || return 1
  # umb-vx1 is umbra's alone, silent like the lab's umb-tap: IPv6 off before
  # it is ever up, no address, no ARP, no forwarding. It receives frames for
  # its own MAC (the neighbour entry below): the host drops them (no such
  # address, forwarding off) and answers nothing.
  sysctl -qw net.ipv6.conf.umb-vx1.disable_ipv6=1 \
    net.ipv4.conf.umb-vx1.forwarding=0 net.ipv4.conf.umb-vx1.rp_filter=1 \
    net.ipv4.conf.umb-vx1.arp_ignore=8 || return 1
  ip link set dev umb-vx1 address "$VX1_MAC" arp off multicast off promisc on \
    mtu 1600 || return 1
  # Inner frames are up to 1514 bytes; VXLAN adds 50: the underlay needs
  # more than the lab's 1500 (the receiving veth drops frames over its MTU).
  ip -n "$HUB_NS" link set dev umb-vx0 mtu 1600 || return 1
  # No offloads, as on every lab link: wire-sized frames, full checksums.
  ethtool -K umb-vx1 rx off tx off sg off tso off gso off gro off >/dev/null 2>&1
  ip netns exec "$HUB_NS" ethtool -K umb-vx0 rx off tx off sg off tso off gso off \
    gro off >/dev/null 2>&1
  ip -n "$HUB_NS" addr add "$VX_LOCAL/30" dev umb-vx0 || return 1
  ip -n "$HUB_NS" neigh replace "$VX_REMOTE" lladdr "$VX1_MAC" nud permanent \
    dev umb-vx0 || return 1
  ip link set dev umb-vx1 up || return 1
  ip -n "$HUB_NS" link set dev umb-vx0 up || return 1
  ip -n "$HUB_NS" link add umb-vxlan type vxlan id "$VNI" local "$VX_LOCAL" \
    remote "$VX_REMOTE" dstport "$VX_PORT" dev umb-vx0 nolearning || return 1
  ip netns exec "$HUB_NS" ethtool -K umb-vxlan tx off sg off tso off gso off gro off \
    >/dev/null 2>&1
  ip -n "$HUB_NS" link set dev umb-vxlan mtu 1500 up || return 1
  # A port of the hub like the others: flooded every frame, learns nothing.
  ip -n "$HUB_NS" link set dev umb-vxlan master umb-span || return 1
  ip netns exec "$HUB_NS" bridge link set dev umb-vxlan learning off flood on \
    mcast_flood on || return 1
}
if vx_setup >"$W/vx.out" 2>&1; then
  ok "vxlan path: umb-span -> umb-vxlan (VNI $VNI, UDP $VX_PORT) -> umb-vx0 -> umb-vx1"
else
  ko "vxlan path setup" "$(tail -n 5 "$W/vx.out" | tr '\n' ' ')"; finish
fi
txp() { cat "/sys/class/net/umb-vx1/statistics/tx_packets" 2>/dev/null || echo -1; }
vx1_tx0=$(txp)

mkdir -p "$W/conf"
cp "$ROOT"/config/lab/*.ini "$W/conf/"
sed -i -E '/^[[:space:]]*sample_share[[:space:]]*=/d' "$W/conf/umbra.ini"
echo "sample_share = 100" >>"$W/conf/umbra.ini"
sed -i -E 's/^([[:space:]]*devargs[[:space:]]*=[[:space:]]*net_af_packet0,iface=)umb-tap/\1umb-vx1/' \
  "$W/conf/tap.ini"
if ! grep -q '^devargs = net_af_packet0,iface=umb-vx1' "$W/conf/tap.ini"; then
  ko "tap port file" "devargs not moved to umb-vx1: $(grep devargs "$W/conf/tap.ini")"; finish
fi

SOCK=/var/run/dpdk/$PREFIX/dpdk_telemetry.v2

"$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix="$PREFIX" \
  --log-level=lib.eal:error -- --config "$W/conf/umbra.ini" \
  --exchanges "$W/x.jsonl" --summary-json "$W/s.json" >"$W/umbra.out" 2>&1 &
upid=$!
up=0
for _ in $(seq 1 100); do
  if [ -S "$SOCK" ] && tel /umbra/routes >/dev/null 2>&1; then up=1; break; fi
  kill -0 "$upid" 2>/dev/null || break
  sleep 0.1
done
if [ $up -eq 1 ] && kill -0 "$upid" 2>/dev/null; then
  ok "umbra runs with its tap port on umb-vx1"
else
  ko "umbra start" "$(tail -n 5 "$W/umbra.out")"; finish
fi
sleep 0.5

# --- traffic ----------------------------------------------------------------
# C keep-alive connections (the last over IPv6), each R rounds of the four
# routes; every URI is unique (connection c, round r), so each maps to one
# exchange line and one shadow log line.
C=4 R=3
pids=()
: >"$W/uris"
for c in $(seq 1 $C); do
  host=$PROD_IP
  [ "$c" -eq "$C" ] && host="[$PROD_IP6]"
  urls=()
  for r in $(seq 1 $R); do
    n=$((9000 + c * 100 + r))
    for u in "/cmp/same/$n" "/cmp/rename/$n" "/api/items/vx$n" "/same/vx$n"; do
      urls+=(-o /dev/null "http://$host$u")
      echo "$u" >>"$W/uris"
    done
  done
  timeout 60 ip netns exec "$CLIENT_NS" curl -sS -m 20 -w '%{http_code} %{num_connects}\n' \
    "${urls[@]}" >"$W/codes.$c" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
total=$((C * R * 4))
n200=$(cat "$W"/codes.* | grep -c '^200 ')
nconn=$(cat "$W"/codes.* | awk '{s += $2} END {print s + 0}')
if [ "$n200" -eq "$total" ]; then
  ok "production answered every request 200 ($total)"
else
  ko "production answers" "$n200 of $total: $(cat "$W"/codes.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
fi
if [ "$nconn" -eq "$C" ]; then
  ok "keep-alive: $C connections carried the $total requests"
else
  ko "keep-alive" "curl made $nconn connections, want $C"
fi

# Every request's exchange line (the shadow answers at once on these routes).
for _ in $(seq 1 50); do
  [ "$(grep -c '"uri":"/' "$W/x.jsonl" 2>/dev/null)" -ge "$total" ] && break
  sleep 0.2
done
kill -INT "$upid"
for _ in $(seq 1 300); do kill -0 "$upid" 2>/dev/null || break; sleep 0.1; done
wait "$upid"
rc=$?
upid=
if [ $rc -eq 0 ] && grep -q "accounting: ok" "$W/umbra.out"; then
  ok "SIGINT stops umbra (exit 0, accounting: ok)"
else
  ko "umbra stop" "exit $rc: $(tail -n 5 "$W/umbra.out" | tr '\n' ' ')"
fi
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W/umbra.out"; then
  ko "no sanitizer report" "$(grep -m 3 -E 'ERROR: |runtime error:' "$W/umbra.out" | tr '\n' ' ')"
else
  ok "no sanitizer report"
fi
vx1_tx1=$(txp)
if [ "$vx1_tx0" -ge 0 ] && [ "$vx1_tx1" -eq "$vx1_tx0" ]; then
  ok "the host sent nothing on umb-vx1"
else
  ko "host silent on umb-vx1" "tx_packets $vx1_tx0 -> $vx1_tx1"
fi
vx0_tx=$(ip netns exec "$HUB_NS" cat /sys/class/net/umb-vx0/statistics/tx_packets 2>/dev/null || echo 0)

# --- analysis ---------------------------------------------------------------
cat >"$W/ana.py" <<'PY'
import collections, json, re, sys
xf, sf, uf, shlog, vx0_tx = sys.argv[1:6]
vx0_tx = int(vx0_tx)
def check(c, m, why=""):
    print(("ok " if c else "FAIL ") + m + ("" if c else ": " + str(why)))
uris = [l.strip() for l in open(uf) if l.strip()]
want = set(uris)
xs, bad = [], []
for line in open(xf, encoding="utf-8", errors="strict"):
    try:
        xs.append(json.loads(line))
    except Exception as e:
        bad.append(repr(e))
check(xs and not bad, "every exchange line is JSON (%d)" % len(xs), bad[:2])
s = json.load(open(sf))
tun = s.get("tunnel", {})
dec = s.get("decode", {})
check(tun.get("vxlan", 0) > 0 and tun.get("none", -1) == 0 and
      all(v == 0 for k, v in tun.items() if k not in ("none", "vxlan")),
      "summary: every TCP segment came from VXLAN (tunnel.vxlan %s, none %s)"
      % (tun.get("vxlan"), tun.get("none")), tun)
# Each mirrored frame went through umb-vx0 once; umbra saw at least those
# that carry TCP.
check(tun.get("vxlan", 0) == dec.get("tcp", -1),
      "summary: decode.tcp %s = tunnel.vxlan" % dec.get("tcp"), "")
check(0 < tun.get("vxlan", 0) <= vx0_tx,
      "summary: tunnel.vxlan %s <= frames sent into the tunnel (%d)" % (tun.get("vxlan"), vx0_tx),
      "")
errs = {k: dec.get(k) for k in ("bad_tunnel", "inner_truncated", "tunnel_truncated",
                                 "outer_fragment", "tunnel_too_deep")}
check("bad_tunnel" in dec and all(v == 0 for v in errs.values()),
      "summary: no tunnel decode error", errs)
nz = {k: v for k, v in dec.items() if v and k not in ("tcp", "not_tcp", "not_ip")}
check(not nz, "summary: no other decode failure", {"decode": dec})
by = collections.defaultdict(list)
for x in xs:
    by[x.get("uri")].append(x)
missing = [u for u in uris if u not in by]
dup = [(u, len(by[u])) for u in uris if len(by[u]) > 1]
extra = [u for u in by if u not in want]
check(not missing and not dup and not extra,
      "one exchange line per request (%d)" % len(uris),
      {"missing": missing[:4], "dup": dup[:4], "extra": extra[:4]})
def dk(x):
    return sorted((d.get("kind"), d.get("path", "")) for d in x.get("diffs", []))
rules = [
    ("/cmp/same/", "match", lambda d: d == []),
    ("/same/", "match", lambda d: d == []),
    ("/cmp/rename/", "mismatch", lambda d: d == [("added", "$.title"), ("removed", "$.name")]),
    ("/api/items/", "mismatch", lambda d: d == [("changed", "$.version")]),
]
for pre, out, good in rules:
    got = [x for u in uris if u.startswith(pre) for x in by.get(u, [])[:1]]
    n = sum(1 for u in uris if u.startswith(pre))
    wrong = [(x["uri"], x.get("outcome"), dk(x)) for x in got
             if x.get("outcome") != out or not good(dk(x))]
    check(len(got) == n and not wrong,
          "%s*: %d exchanges, outcome %s%s" % (pre, n, out,
              "" if out == "match" else ", the route's differences"),
          wrong[:3] or "%d of %d lines" % (len(got), n))
st = [(x["uri"], x.get("method"), x.get("status"), x.get("shadow_status"))
      for u in uris for x in by.get(u, [])
      if x.get("method") != "GET" or x.get("status") != 200 or x.get("shadow_status") != 200]
check(not st, "every line: GET, production 200, shadow 200", st[:4])
outs = s.get("outcome", {})
check(sum(outs.values()) == len(xs) and s.get("accounting_ok") is True,
      "outcomes add up to the exchange lines (%d) and the accounting is ok" % len(xs),
      (outs, s.get("accounting")))
# The shadow's own access log: "addr - - [time] "GET uri HTTP/1.1" status ..."
seen = collections.Counter()
for line in open(shlog, errors="replace"):
    m = re.search(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) ', line)
    if m and m.group(2) in want:
        seen[(m.group(1), m.group(2), m.group(3))] += 1
lost = [u for u in uris if seen[("GET", u, "200")] != 1]
check(not lost, "the shadow logged every request once, GET, 200 (%d)" % len(uris),
      [(u, seen[("GET", u, "200")]) for u in lost[:4]])
PY
timeout 60 "$PY" "$W/ana.py" "$W/x.jsonl" "$W/s.json" "$W/uris" "$SHADOW_LOG" "$vx0_tx" \
  >"$W/ana" 2>&1
while IFS= read -r line; do
  case "$line" in
  "ok "*) pass=$((pass + 1)); echo "$line" ;;
  "FAIL "*) fail=$((fail + 1)); echo "$line" ;;
  *) echo "$line" ;;
  esac
done <"$W/ana"
grep -qE '^(ok|FAIL) ' "$W/ana" || ko "analysis" "$(tail -n 5 "$W/ana")"
finish
