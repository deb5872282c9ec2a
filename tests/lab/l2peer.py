#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in for umbra's shadow port in tests of the lab, and a ping.

  l2peer.py respond IFACE IP MAC SECONDS
      On IFACE through AF_PACKET (as umbra's net_af_packet does), answer ARP
      requests and ICMP echo requests for IP with MAC, for at most SECONDS
      or until SIGTERM/SIGINT. Prints "ready" once bound, and at the end
      "arp N echo N".
  l2peer.py ping DST COUNT INTERVAL_MS
      COUNT ICMP echo requests to DST over a raw socket, one each
      INTERVAL_MS, then waits at most 1 s for late replies. Prints
      "sent N received N" (the iputils ping is not always installed).

Standard library only; root.
"""

import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def arp_reply(frame, ip, mac):
    """The reply to an ARP request for ip, or None."""
    if len(frame) < 42:
        return None
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", frame[14:22])
    if (htype, ptype, hlen, plen, op) != (1, 0x0800, 6, 4, 1):
        return None
    sha, spa, tpa = frame[22:28], frame[28:32], frame[38:42]
    if tpa != ip:
        return None
    eth = sha + mac + b"\x08\x06"
    return eth + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + ip + sha + spa


def echo_reply(frame, ip, mac):
    """The reply to an ICMP echo request for ip, or None."""
    if len(frame) < 14 + 20 + 8:
        return None
    iph = frame[14:]
    ihl = (iph[0] & 0x0F) * 4
    if iph[0] >> 4 != 4 or ihl < 20 or iph[9] != 1 or iph[16:20] != ip:
        return None
    tot = struct.unpack("!H", iph[2:4])[0]
    if tot < ihl + 8 or tot > len(iph):
        return None
    icmp = bytearray(iph[ihl:tot])
    if icmp[0] != 8 or icmp[1] != 0:
        return None
    icmp[0] = 0
    icmp[2:4] = b"\0\0"
    icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
    hdr = bytearray(iph[:ihl])
    hdr[8] = 64
    hdr[12:16], hdr[16:20] = iph[16:20], iph[12:16]
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
    return frame[6:12] + mac + b"\x08\x00" + bytes(hdr) + bytes(icmp)


def respond(iface, ip_s, mac_s, seconds):
    ip = socket.inet_aton(ip_s)
    mac = bytes.fromhex(mac_s.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready", flush=True)
    n_arp = n_echo = 0
    deadline = time.monotonic() + seconds
    while not stop:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            r, _, _ = select.select([s], [], [], min(left, 0.2))
        except InterruptedError:
            continue
        if not r:
            continue
        frame, addr = s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING:
            continue
        etype = struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
        out = None
        if etype == 0x0806:
            out = arp_reply(frame, ip, mac)
            n_arp += out is not None
        elif etype == 0x0800:
            out = echo_reply(frame, ip, mac)
            n_echo += out is not None
        if out is not None:
            s.send(out)
    print("arp %d echo %d" % (n_arp, n_echo), flush=True)
    return 0


def ping(dst, count, interval_ms):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    got = set()
    payload = b"umb-lab-ping" * 4

    def drain(until):
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([s], [], [], left)
            if not r:
                return
            data = s.recv(2048)
            ihl = (data[0] & 0x0F) * 4
            if len(data) < ihl + 8:
                continue
            typ, _, _, rid, seq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if typ == 0 and rid == ident:
                got.add(seq)

    for seq in range(count):
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        c = csum(hdr + payload)
        s.sendto(struct.pack("!BBHHH", 8, 0, c, ident, seq) + payload,
                 (dst, 0))
        drain(time.monotonic() + interval_ms / 1000.0)
    drain(time.monotonic() + 1.0)
    print("sent %d received %d" % (count, len(got)), flush=True)
    return 0


def main(argv):
    if len(argv) == 6 and argv[1] == "respond":
        return respond(argv[2], argv[3], argv[4], float(argv[5]))
    if len(argv) == 5 and argv[1] == "ping":
        return ping(argv[2], min(int(argv[3]), 100000), float(argv[4]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
