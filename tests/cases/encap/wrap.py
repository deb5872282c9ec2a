#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Wrap every frame of an Ethernet capture in a mirror encapsulation.

Used by tests/app/test_encap.sh (needs Debian's python3-scapy: run it with
/usr/bin/python3). Each output frame keeps its input frame's capture time.

    wrap.py MODE IN.pcap OUT.pcap [--cut N] [--dup] [--vni V]

MODE: vxlan, vxlan6 (IPv6 outer), geneve (AWS 0x0108 and Google 0x0132
options, Ethernet inside), geneve-ip (IP inside: the inner frame's link
header and VLAN tags dropped, protocol type its ethertype), erspan2,
erspan3 (with the platform-specific subheader), erspan3-nosub, gre (Ethernet
over GRE with checksum, key and sequence), vxlan-in-geneve (as an AWS
GWLB carries Traffic Mirroring).
--cut N: every Nth frame carrying TCP payload loses its last payload byte
inside the tunnel (the inner IP length is left as it was: a mirror's packet
length setting), and the count is printed.
--dup: every wrapped frame twice (a SPAN session copying Rx and Tx).
--vni V: the session (VNI, ERSPAN session, GRE key); default 1000.
"""
import sys

from scapy.all import (Ether, GRE, IP, IPv6, PcapReader, PcapWriter, Raw,
                       TCP, UDP, Dot1Q, conf)
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III, ERSPAN_PlatformSpecific
from scapy.contrib.geneve import GENEVE, GeneveOptions
from scapy.layers.vxlan import VXLAN

conf.verb = 0
OUT_SRC, OUT_DST = "172.16.0.1", "172.16.0.2"


def outer4(payload_layer):
    return Ether(src="02:00:00:00:00:aa", dst="02:00:00:00:00:bb") / \
        IP(src=OUT_SRC, dst=OUT_DST, id=1) / payload_layer


def geneve_opts():
    return [GeneveOptions(classid=0x0108, type=1, data=b"\x11" * 8),
            GeneveOptions(classid=0x0108, type=3, data=b"\x22" * 4),
            GeneveOptions(classid=0x0132, type=0x80, data=b"\x33" * 12)]


def inner_ip(frame):
    """The IP packet of an Ethernet frame (tags dropped) and its ethertype.
    A frame umbra refuses plain (more than two tags) is left out."""
    eth = Ether(frame)
    p = eth.payload
    tags = 0
    while isinstance(p, Dot1Q):
        p = p.payload
        tags += 1
    if tags > 2:
        return None, None
    if isinstance(p, IP):
        return bytes(p), 0x0800
    if isinstance(p, IPv6):
        return bytes(p), 0x86DD
    return None, None


def wrap(mode, frame, vni, sport):
    if mode == "vxlan":
        return outer4(UDP(sport=sport, dport=4789) / VXLAN(vni=vni) / Raw(frame))
    if mode == "vxlan6":
        return Ether(src="02:00:00:00:00:aa", dst="02:00:00:00:00:bb") / \
            IPv6(src="fd00::a", dst="fd00::b") / \
            UDP(sport=sport, dport=4789) / VXLAN(vni=vni) / Raw(frame)
    if mode == "geneve":
        return outer4(UDP(sport=sport, dport=6081) /
                      GENEVE(vni=vni, proto=0x6558, options=geneve_opts()) /
                      Raw(frame))
    if mode == "geneve-ip":
        ip, et = inner_ip(frame)
        if ip is None:
            return None
        return outer4(UDP(sport=sport, dport=6081) /
                      GENEVE(vni=vni, proto=et, options=geneve_opts()) / Raw(ip))
    if mode == "erspan2":
        return outer4(GRE(proto=0x88BE, seqnum_present=1, sequence_number=7) /
                      ERSPAN_II(ver=1, session_id=vni & 0x3FF, index=1) / Raw(frame))
    if mode == "erspan3":
        return outer4(GRE(proto=0x22EB, seqnum_present=1, sequence_number=7) /
                      ERSPAN_III(ver=2, session_id=vni & 0x3FF, o=1) /
                      ERSPAN_PlatformSpecific(platf_id=3) / Raw(frame))
    if mode == "erspan3-nosub":
        return outer4(GRE(proto=0x22EB, seqnum_present=1, sequence_number=7) /
                      ERSPAN_III(ver=2, session_id=vni & 0x3FF, o=0) / Raw(frame))
    if mode == "gre":
        return outer4(GRE(proto=0x6558, chksum_present=1, key_present=1, key=vni,
                          seqnum_present=1, sequence_number=9) / Raw(frame))
    if mode == "vxlan-in-geneve":
        v = Ether(src="02:00:00:00:01:aa", dst="02:00:00:00:01:bb") / \
            IP(src="10.200.0.1", dst="10.200.0.2", id=2) / \
            UDP(sport=sport, dport=4789) / VXLAN(vni=vni) / Raw(frame)
        return outer4(UDP(sport=sport, dport=6081) /
                      GENEVE(vni=0, proto=0x6558, options=geneve_opts()) / Raw(bytes(v)))
    raise SystemExit("unknown mode " + mode)


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        raise SystemExit(__doc__)
    mode, src, dst = args[:3]
    cut, dup, vni = 0, False, 1000
    i = 3
    while i < len(args):
        if args[i] == "--cut":
            cut = int(args[i + 1]); i += 2
        elif args[i] == "--dup":
            dup = True; i += 1
        elif args[i] == "--vni":
            vni = int(args[i + 1]); i += 2
        else:
            raise SystemExit("unknown argument " + args[i])
    w = PcapWriter(dst, linktype=1, sync=False)
    n = data = cut_n = 0
    for pkt in PcapReader(src):
        frame = bytes(pkt)
        eth = Ether(frame)
        if cut and TCP in eth and len(eth[TCP].payload) > 0:
            data += 1
            if data % cut == 0:
                frame = frame[:-1]
                # Ethernet padding would hide the cut: none in these captures
                cut_n += 1
        out = wrap(mode, frame, vni, 50000)
        if out is None:
            continue
        out.time = pkt.time
        for _ in range(2 if dup else 1):
            w.write(out)
            n += 1
    w.close()
    print(n, cut_n)


if __name__ == "__main__":
    main()
