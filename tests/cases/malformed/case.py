#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""malformed: inject malformed and non-TCP frames into a clean capture.
usage: case.py BASE.pcap PORT CPORT (writes capture.pcap, expected.json)"""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import mutate  # noqa: E402
import umbcase  # noqa: E402
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment  # noqa: E402
from scapy.layers.l2 import ARP, Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

ETH = bytes(6) + bytes(6)          # loopback MACs are zero


def frame(b):
    return Raw(load=bytes(b))


def eth(ethertype, payload):
    return frame(ETH + struct.pack("!H", ethertype) + bytes(payload))


def ipbytes(p):
    return bytearray(bytes(p[IP]))


def main():
    base, port, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pkts = mutate.load(base)
    n_good = len(pkts)
    c = mutate.Conn(pkts, port, cport)
    qs = mutate.http_spans(c.stream("c"), False)
    rs = mutate.http_spans(c.stream("s"), True)
    req2 = c.segs_in("c", qs[1][0], qs[1][0] + 1)[0]
    req3 = c.segs_in("c", qs[2][0], qs[2][0] + 1)[0]
    mid = (rs[1][1] + rs[1][2]) // 2
    srv = c.segs_in("s", mid, mid + 1)[0]
    srv2 = c.segs_in("s", mid + 3000, mid + 3001)[0]
    ack = next(i for i, p in enumerate(pkts)
               if c.dir(p) == "c" and not mutate.data_of(p) and
               not p[TCP].flags & 0x07 and i > req2)

    inject = {}   # index -> [(reason, frame)], inserted before that index

    def add(at, reason, f):
        inject.setdefault(at, []).append((reason, f))

    # --- not IP / not TCP -------------------------------------------------
    add(3, "not_ip", Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01")
        / ARP(op=1, psrc="127.0.0.1", pdst="127.0.0.2"))
    add(3, "not_ip", eth(0x88cc, bytes.fromhex(
        "0207046c6f6f7000040302076c6f060200780000")))        # LLDP
    add(req2, "not_tcp", Ether(src=bytes(6), dst=bytes(6)) /
        IP(src="127.0.0.1", dst="127.0.0.1") /
        UDP(sport=40000, dport=port) / Raw(b"GET / HTTP/1.1\r\n\r\n"))
    add(req2, "not_tcp", Ether(src=bytes(6), dst=bytes(6)) /
        IP(src="127.0.0.1", dst="127.0.0.1") / ICMP(type=8) / Raw(b"ping"))
    add(srv, "not_tcp", Ether(src=bytes(6), dst=bytes(6)) /
        IPv6(src="::1", dst="::1") / UDP(sport=5353, dport=5353) /
        Raw(b"\x00" * 12))
    # --- link ------------------------------------------------------------
    add(5, "truncated_l2", frame(ETH[:10]))
    q3 = Ether(bytes(pkts[srv2]))
    q3 = Ether(dst=q3.dst, src=q3.src) / Dot1Q(vlan=1) / Dot1Q(vlan=2) / \
        Dot1Q(vlan=3) / q3[IP]
    add(srv2, "too_many_vlans", frame(bytes(q3)))
    # --- IPv4 --------------------------------------------------------------
    add(req2, "truncated_ip", eth(0x0800, ipbytes(pkts[req2])[:12]))
    b = ipbytes(pkts[req2])
    b[0] = 0x65                                   # version 6 in IPv4
    add(req2, "bad_ip_version", eth(0x0800, b))
    b = ipbytes(pkts[req2])
    b[0] = 0x44                                   # IHL 4: 16-byte header
    add(req2, "bad_ip_hlen", eth(0x0800, b))
    b = ipbytes(pkts[srv])
    struct.pack_into("!H", b, 2, len(b) + 400)    # longer than the frame
    add(srv, "bad_ip_len", eth(0x0800, b))
    b = ipbytes(pkts[srv])
    struct.pack_into("!H", b, 2, 12)              # shorter than the header
    add(srv, "bad_ip_len", eth(0x0800, b))
    # fragments of a copy of request 3's segment: first (MF) and last
    seg = bytes(pkts[req3][TCP])
    ip = pkts[req3][IP]
    add(req3, "ip_fragment", Ether(src=bytes(6), dst=bytes(6)) /
        IP(src=ip.src, dst=ip.dst, proto=6, flags="MF", frag=0, id=777) /
        Raw(seg[:24]))
    add(req3, "ip_fragment", Ether(src=bytes(6), dst=bytes(6)) /
        IP(src=ip.src, dst=ip.dst, proto=6, flags=0, frag=3, id=777) /
        Raw(seg[24:]))
    add(req3, "ip_fragment", Ether(src=bytes(6), dst=bytes(6)) /
        IPv6(src="::1", dst="::1") /
        IPv6ExtHdrFragment(nh=6, offset=0, m=1, id=778) / Raw(seg[:32]))
    b6 = bytes(IPv6(src="::1", dst="::1", nh=0, plen=4)) + b"\x06\x08\x00\x00"
    add(req3, "bad_ipv6_ext", eth(0x86dd, b6))
    # --- TCP -------------------------------------------------------------------
    b = ipbytes(pkts[req3])
    ihl = (b[0] & 0x0f) * 4
    struct.pack_into("!H", b, 2, ihl + 10)        # 10 bytes of TCP header
    add(req3, "truncated_tcp", eth(0x0800, b[:ihl + 10]))
    b = ipbytes(pkts[req2])
    b[ihl + 12] = (4 << 4) | (b[ihl + 12] & 0x0f)  # data offset 4
    add(req2, "bad_tcp_hlen", eth(0x0800, b))
    b = ipbytes(pkts[ack])
    b[ihl + 12] = (15 << 4) | (b[ihl + 12] & 0x0f)  # 60 bytes, beyond
    add(ack, "bad_tcp_hlen", eth(0x0800, b))
    # a copy of a pure ack whose timestamp option claims 40 bytes
    b = ipbytes(pkts[ack])
    opts = bytes(b[ihl + 20:ihl + (b[ihl + 12] >> 4) * 4])
    k = opts.find(b"\x08\x0a")
    if k < 0:
        raise mutate.MutateError("no timestamp option to break")
    b[ihl + 20 + k + 1] = 40
    add(ack, "bad_tcp_options", eth(0x0800, b))

    out = []
    counts = {}
    for i, p in enumerate(pkts):
        for reason, f in inject.get(i, []):
            f.time = p.time
            out.append(f)
            counts[reason] = counts.get(reason, 0) + 1
        out.append(p)
    mutate.retime(out)
    mutate.save(umbcase.out_path(here, "capture.pcap"), out)

    counters = {"decode." + r: n for r, n in sorted(counts.items())}
    # the segment with the broken option is decoded (options ignored)
    counters["decode.tcp"] = n_good + counts["bad_tcp_options"]
    counters.update({"http.requests": 4, "outcome.complete": 4,
                     "tcp.gaps": 0, "http.parse_errors": 0})
    ex = umbcase.reqset_exchanges("four", port, cport)
    umbcase.write_expected(
        here,
        "%d frames injected into a clean capture of %d TCP frames: ARP and "
        "LLDP (not_ip); UDP over IPv4 and IPv6 and ICMP (not_tcp); a 10-byte "
        "frame (truncated_l2); three VLAN tags (too_many_vlans); an IPv4 "
        "header cut at 12 bytes (truncated_ip); version 6 under ethertype "
        "IPv4 (bad_ip_version); IHL 4 (bad_ip_hlen); total length 400 "
        "beyond the frame and 12 below the header (bad_ip_len x2); an IPv4 "
        "first and last fragment and an IPv6 fragment (ip_fragment x3); an "
        "IPv6 hop-by-hop header cut short (bad_ipv6_ext); 10 bytes of TCP "
        "header (truncated_tcp); TCP data offset 4 and 15 (bad_tcp_hlen "
        "x2); a copy of a pure ack whose timestamp option says length 40 "
        "(bad_tcp_options: decoded without options, so decode.tcp = %d + "
        "1). The broken copies of request segments sit before their good "
        "originals: accepting one would change the exchanges. Exchanges "
        "are those of the clean traffic." % (len(out) - n_good, n_good,
                                            n_good),
        ex, counters)


if __name__ == "__main__":
    main()
