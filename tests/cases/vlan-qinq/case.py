#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""vlan-qinq: add VLAN tags per connection.
usage: case.py BASE.pcap PORT CPORT1 CPORT2 CPORT3"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import mutate  # noqa: E402
import umbcase  # noqa: E402
from scapy.layers.inet import IP  # noqa: E402
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether  # noqa: E402


def main():
    base, port = sys.argv[1], int(sys.argv[2])
    c1, c2, c3 = (int(x) for x in sys.argv[3:6])
    pkts = mutate.load(base)
    conns = {c: mutate.Conn(pkts, port, c) for c in (c1, c2, c3)}
    out = []
    count = {c1: 0, c2: 0, c3: 0}
    for p in pkts:
        cp = next(c for c, k in conns.items() if k.dir(p))
        count[cp] += 1
        e = Ether(dst=p[Ether].dst, src=p[Ether].src)
        if cp == c1:
            q = e / Dot1Q(vlan=100, prio=5) / p[IP]
        elif cp == c2:
            q = e / Dot1AD(vlan=200) / Dot1Q(vlan=300) / p[IP]
        else:
            q = e / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / p[IP]
        q = Ether(bytes(q))
        q.time = p.time
        out.append(q)
    mutate.save(umbcase.out_path(here, "capture.pcap"), out)

    ex = umbcase.reqset_exchanges("pair", port, c1) + \
        umbcase.reqset_exchanges("pair", port, c2)
    umbcase.write_expected(
        here,
        "Connection %d carries one 802.1Q tag (VID 100, PCP 5), connection "
        "%d QinQ (802.1ad 0x88a8 VID 200 outside, 802.1Q VID 300 inside): "
        "both decode and give their two exchanges each. Connection %d "
        "carries three 802.1Q tags: each of its %d frames is counted as "
        "too_many_vlans and it yields no exchange." %
        (c1, c2, c3, count[c3]),
        ex,
        {"decode.tcp": count[c1] + count[c2],
         "decode.too_many_vlans": count[c3],
         "http.requests": 4, "outcome.complete": 4, "tcp.gaps": 0})


if __name__ == "__main__":
    main()
