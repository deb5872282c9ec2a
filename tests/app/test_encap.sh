#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Encapsulated mirror traffic through the real data path (--pcap, where the
# decapsulation defaults apply: every encapsulation on its standard port,
# flows keyed by the tunnel session). Captures of tests/cases are wrapped
# with scapy (tests/cases/encap/wrap.py, Debian's python3-scapy, hence
# /usr/bin/python3) and must give exactly the exchanges of the unwrapped
# capture:
#  - VXLAN, VXLAN over IPv6, GENEVE with AWS and Google options, GENEVE
#    carrying IP (IPv6 inside IPv4), ERSPAN II, ERSPAN III with and without
#    its subheader, Ethernet over GRE, VXLAN inside GENEVE; over an IPv4
#    capture, an IPv6 one and a QinQ-tagged one (VLAN-tagged inner frames);
#  - every frame twice (a SPAN session copying Rx and Tx): the same;
#  - the same capture in two sessions at once (two VPCs reusing addresses):
#    every exchange twice, none mixed up;
#  - inner packets cut short (a mirror's packet length): counted as
#    decode.inner_truncated, the exchanges they hit end in a gap outcome,
#    and no exchange is complete with bytes other than the unwrapped ones.
# usage: tests/app/test_encap.sh UMBRA   (prints 'N passed, N failed')
set -uo pipefail
UMBRA=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
CASES=$HERE/../cases
WRAP=$CASES/encap/wrap.py
PY=/usr/bin/python3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

if ! "$PY" -c 'import scapy.all, scapy.contrib.geneve, scapy.contrib.erspan' 2>/dev/null; then
  ko setup "$PY has no scapy (apt-get install python3-scapy)"
  echo "$pass passed, $fail failed"; exit 1
fi

# umbra over one capture: exchanges and summary into $W/NAME.*
run() { # NAME PCAP
  timeout 120 "$UMBRA" --pcap "$2" --exchanges "$W/$1.jsonl" \
    --summary-json "$W/$1.json" --quiet >"$W/$1.out" 2>&1
}

# Compare exchanges: MODE exact (the same lines, in order, and no decode
# counter above the plain capture's), twice (each reference line exactly
# twice), cut (never complete with other bytes, at least one gap, the cut
# packets counted). Prints a reason and fails on a difference.
compare() { # MODE REF GOT SUMMARY [CUT_COUNT]
  "$PY" - "$@" <<'PYEOF'
import json, sys
from collections import Counter
mode, ref, got, summ = sys.argv[1:5]
cut = int(sys.argv[5]) if len(sys.argv) > 5 else 0
KEYS = ("method", "uri", "host", "status", "req_body_bytes", "resp_body_bytes",
        "req_body_hash", "resp_body_hash", "outcome", "client", "server",
        "midstream", "pipelined", "req_gap", "resp_gap", "ts", "ttfb_us", "ttlb_us")
def rows(p):
    return [{k: r.get(k) for k in KEYS} for r in map(json.loads, open(p))]
a, b = rows(ref), rows(got)
s = json.load(open(summ))
dec = s["decode"]
def bad(msg):
    print(msg); sys.exit(1)
if mode == "exact":
    if not a:
        bad("no exchanges in the reference")
    if a != b:
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                bad("line %d differs: %s vs %s" % (i, x, y))
        bad("%d exchanges, want %d" % (len(b), len(a)))
    # no frame refused that the plain capture did not refuse as well
    rdec = json.load(open(ref[:-len(".jsonl")] + ".json"))["decode"]
    bad_keys = [k for k, v in dec.items() if k != "tcp" and v > rdec.get(k, 0)]
    if bad_keys:
        bad("decode counters: %s (plain: %s)" % (
            {k: dec[k] for k in bad_keys}, {k: rdec.get(k, 0) for k in bad_keys}))
elif mode == "twice":
    ca = Counter(json.dumps(r, sort_keys=True) for r in a)
    cb = Counter(json.dumps(r, sort_keys=True) for r in b)
    if any(cb[k] != 2 * v for k, v in ca.items()) or sum(cb.values()) != 2 * len(a):
        bad("%d exchanges, want each of %d twice" % (len(b), len(a)))
elif mode == "cut":
    if dec["inner_truncated"] != cut:
        bad("decode.inner_truncated %d, want %d" % (dec["inner_truncated"], cut))
    ref_by = {(r["method"], r["uri"], r["ts"]): r for r in a}
    gaps = 0
    for r in b:
        x = ref_by.get((r["method"], r["uri"], r["ts"]))
        if r["outcome"] == "complete":
            if x is None or x != r:
                bad("complete exchange unlike the reference: %s" % r)
        elif x is not None and x["outcome"] == "complete":
            gaps += 1
    if gaps == 0:
        bad("no exchange lost its completeness to the cut packets")
    print("%d of %d exchanges hit by %d cut packets" % (gaps, len(a), cut))
PYEOF
}

MODES="vxlan vxlan6 geneve geneve-ip erspan2 erspan3 erspan3-nosub gre vxlan-in-geneve"
for c in keepalive-many ipv6 vlan-qinq; do
  pcap=$CASES/$c/capture.pcap
  if [ ! -f "$pcap" ]; then ko "$c" "no $pcap"; continue; fi
  run "ref-$c" "$pcap" || { ko "$c" "umbra failed on the plain capture"; continue; }
  for m in $MODES; do
    if ! "$PY" "$WRAP" "$m" "$pcap" "$W/$c-$m.pcap" >/dev/null 2>"$W/wrap.err"; then
      ko "$c $m" "wrap.py: $(tail -1 "$W/wrap.err")"; continue
    fi
    if ! run "$c-$m" "$W/$c-$m.pcap"; then
      ko "$c $m" "umbra exit $(tail -1 "$W/$c-$m.out")"; continue
    fi
    if r=$(compare exact "$W/ref-$c.jsonl" "$W/$c-$m.jsonl" "$W/$c-$m.json"); then
      ok "$c $m: the exchanges of the unwrapped capture"
    else
      ko "$c $m" "$r"
    fi
  done
done

# Exact duplicates of every frame (SPAN of both Rx and Tx): harmless.
c=keepalive-many pcap=$CASES/$c/capture.pcap
"$PY" "$WRAP" vxlan "$pcap" "$W/dup.pcap" --dup >/dev/null
run dup "$W/dup.pcap"
if r=$(compare exact "$W/ref-$c.jsonl" "$W/dup.jsonl" "$W/dup.json"); then
  ok "duplicates: every frame twice gives the same exchanges"
else
  ko duplicates "$r"
fi

# Two sessions reusing the same addresses: two flows each, nothing mixed.
"$PY" "$WRAP" vxlan "$pcap" "$W/s1.pcap" --vni 1 >/dev/null
"$PY" "$WRAP" erspan2 "$pcap" "$W/s2.pcap" --vni 2 >/dev/null
"$PY" - "$W/s1.pcap" "$W/s2.pcap" "$W/two.pcap" <<'PYEOF'
import sys
from scapy.all import rdpcap, wrpcap
a, b = rdpcap(sys.argv[1]), rdpcap(sys.argv[2])
wrpcap(sys.argv[3], sorted(list(a) + list(b), key=lambda p: p.time), linktype=1)
PYEOF
run two "$W/two.pcap"
if r=$(compare twice "$W/ref-$c.jsonl" "$W/two.jsonl" "$W/two.json"); then
  ok "two sessions, same addresses: every exchange twice, complete"
else
  ko "two sessions" "$r"
fi

# Inner packets cut short: counted, gaps, never wrong bytes as complete.
for m in vxlan geneve-ip erspan3; do
  for c in keepalive-many ipv6; do
    pcap=$CASES/$c/capture.pcap
    n=$("$PY" "$WRAP" "$m" "$pcap" "$W/cut.pcap" --cut 9 | awk '{print $2}')
    run cut "$W/cut.pcap"
    if r=$(compare cut "$W/ref-$c.jsonl" "$W/cut.jsonl" "$W/cut.json" "$n"); then
      ok "$c $m cut short: $r"
    else
      ko "$c $m cut short" "$r"
    fi
  done
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
