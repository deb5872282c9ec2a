#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A reordering wire: relays Ethernet frames between two interfaces and
sends some of them late, behind the frames that follow.

  reorder.py --pidfile F --tag T --stats FILE IFACE_A IFACE_B PCT [HOLD_MS]

Runs in the lab's umb-wire namespace in place of the shadow link's bridge
(scripts/lab reorder N). Through AF_PACKET it reads every frame arriving on
one interface and writes it out of the other. Each IPv4/IPv6 frame is, with
probability PCT %, held back (at most one per direction); the held frame
is sent right after the next frame of its direction (a swap of adjacent
frames, the commonest reordering on real paths), or after HOLD_MS
(default 3) if none comes (only late). ARP and neighbour discovery are never held. No
frame is lost or duplicated.

The counters (frames relayed, frames swapped with the next one, per
direction) are written to FILE every second and at exit (SIGTERM/SIGINT),
as one line:
  a_to_b N swapped N b_to_a N swapped N

Standard library only; root.
"""

import argparse
import os
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
HELD_TYPES = (0x0800, 0x86DD)


def ethertype(frame):
    """The frame's EtherType past any VLAN tags (0 when too short)."""
    off = 12
    while len(frame) >= off + 2:
        et = int.from_bytes(frame[off:off + 2], "big")
        if et in (0x8100, 0x88A8):
            off += 4
            continue
        return et
    return 0


def is_nd(frame):
    """IPv6 neighbour discovery (ICMPv6 133-137), never held."""
    return (ethertype(frame) == 0x86DD and len(frame) > 54 and
            frame[20] == 58 and 133 <= frame[54] <= 137)


class Direction:
    def __init__(self, name, rx, tx):
        self.name, self.rx, self.tx = name, rx, tx
        self.held = None
        self.held_at = 0.0
        self.relayed = 0
        self.swapped = 0

    def send(self, frame):
        try:
            self.tx.send(frame)
        except OSError as e:  # interface going down: the lab is ending
            print("reorder: %s: %s" % (self.name, e), file=sys.stderr)
        self.relayed += 1

    def release(self, swapped):
        if self.held is not None:
            frame, self.held = self.held, None
            self.send(frame)
            self.swapped += swapped


def open_if(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setblocking(False)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--tag", default="")
    ap.add_argument("--stats", required=True)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("pct", type=int)
    ap.add_argument("hold_ms", type=float, nargs="?", default=3.0)
    o = ap.parse_args()
    if not 0 <= o.pct <= 100:
        sys.exit("reorder: PCT must be 0..100")
    sa, sb = open_if(o.a), open_if(o.b)
    dirs = {sa.fileno(): Direction("a_to_b", sa, sb),
            sb.fileno(): Direction("b_to_a", sb, sa)}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    hold = o.hold_ms / 1000.0
    rnd = random.Random()

    def write_stats():
        ab, ba = dirs[sa.fileno()], dirs[sb.fileno()]
        tmp = o.stats + ".tmp"
        with open(tmp, "w") as f:
            f.write("a_to_b %d swapped %d b_to_a %d swapped %d\n" %
                    (ab.relayed, ab.swapped, ba.relayed, ba.swapped))
        os.replace(tmp, o.stats)

    with open(o.pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(o.pidfile + ".tmp", o.pidfile)
    last_stats = 0.0
    while not stop:
        now = time.monotonic()
        timeout = 0.5
        for d in dirs.values():
            if d.held is not None:
                timeout = min(timeout, max(0.0, d.held_at + hold - now))
        try:
            ready, _, _ = select.select([sa, sb], [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            d = dirs[s.fileno()]
            for _ in range(64):
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own transmission on this interface
                if (d.held is None and o.pct > 0 and
                        ethertype(frame) in HELD_TYPES and not is_nd(frame) and
                        rnd.randrange(100) < o.pct):
                    d.held, d.held_at = frame, time.monotonic()
                    continue
                d.send(frame)
                d.release(1)
        now = time.monotonic()
        for d in dirs.values():
            if d.held is not None and now - d.held_at >= hold:
                d.release(0)
        if now - last_stats >= 1.0:
            write_stats()
            last_stats = now
    for d in dirs.values():
        d.release(0)
    write_stats()


if __name__ == "__main__":
    main()
