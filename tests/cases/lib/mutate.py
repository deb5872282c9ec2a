# SPDX-License-Identifier: BSD-3-Clause
"""Scapy helpers for the cases that mutate a real capture.

A capture is loaded as a list of scapy packets. Helpers locate HTTP
messages in one direction's byte stream (offsets from the first data byte),
find the segments carrying a byte range, and move, copy, drop or rewrite
packets while keeping timestamps increasing. Every helper checks what it
assumes about the capture (a clean loopback capture: no loss, no
retransmission) and raises instead of writing a capture that would not say
what the case claims.
"""

import copy
import logging

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap, wrpcap

MOD = 1 << 32


class MutateError(Exception):
    pass


def load(path):
    return list(rdpcap(path))


def save(path, pkts):
    """Classic pcap, Ethernet link, timestamps kept. Raw frames (malformed
    on purpose) are written byte for byte; scapy's warning that they are
    not Ether objects is silenced."""
    log = logging.getLogger("scapy.runtime")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        wrpcap(path, pkts, linktype=1)
    finally:
        log.setLevel(level)


def l3(p):
    if IP in p:
        return p[IP]
    if IPv6 in p:
        return p[IPv6]
    return None


def data_of(p):
    return bytes(p[TCP].payload) if TCP in p else b""


def rebuild(p):
    """Recompute lengths and checksums of a packet whose fields changed."""
    if IP in p:
        del p[IP].len
        del p[IP].chksum
    if IPv6 in p:
        del p[IPv6].plen
    if TCP in p:
        del p[TCP].chksum
    q = Ether(bytes(p))
    q.time = p.time
    return q


class Conn:
    """One TCP connection of a capture, by its client port."""

    def __init__(self, pkts, server_port, client_port):
        self.pkts = pkts
        self.sport = server_port
        self.cport = client_port
        self.isn = {}
        for p in pkts:
            d = self.dir(p)
            if d is not None and p[TCP].flags & 0x02:
                self.isn[d] = p[TCP].seq
        if set(self.isn) != {"c", "s"}:
            raise MutateError("connection %d: handshake not captured" %
                              client_port)

    def dir(self, p):
        """'c' (client to server), 's' (server to client) or None."""
        if TCP not in p:
            return None
        t = p[TCP]
        if t.sport == self.cport and t.dport == self.sport:
            return "c"
        if t.sport == self.sport and t.dport == self.cport:
            return "s"
        return None

    def off(self, p):
        """Stream offset of the packet's first payload byte."""
        d = self.dir(p)
        return (p[TCP].seq - self.isn[d] - 1) % MOD

    def data_idx(self, d):
        """Indices of the data segments of direction d, capture order."""
        return [i for i, p in enumerate(self.pkts)
                if self.dir(p) == d and data_of(p)]

    def stream(self, d):
        """The direction's bytes; the capture must be clean (in order)."""
        out = bytearray()
        for i in self.data_idx(d):
            p = self.pkts[i]
            o = self.off(p)
            b = data_of(p)
            if o != len(out):
                raise MutateError("direction %s not clean at offset %d "
                                  "(segment at %d)" % (d, len(out), o))
            out += b
        return bytes(out)

    def segs_in(self, d, lo, hi):
        """Indices of data segments of d holding any byte of [lo, hi)."""
        r = []
        for i in self.data_idx(d):
            o = self.off(self.pkts[i])
            n = len(data_of(self.pkts[i]))
            if o < hi and o + n > lo:
                r.append(i)
        return r

    def acks_beyond(self, d, i, j, off):
        """Does a packet strictly between i and j, from the other side of
        d, acknowledge direction d's stream past offset off?"""
        other = "s" if d == "c" else "c"
        for k in range(i + 1, j):
            p = self.pkts[k]
            if self.dir(p) != other or not p[TCP].flags & 0x10:
                continue
            acked = (p[TCP].ack - self.isn[d] - 1) % MOD
            if acked < (1 << 31) and acked > off:
                return True
        return False


def http_spans(stream, is_response, methods=None):
    """[(start, head_end, end)] of each HTTP/1.x message in a clean stream.
    methods: request methods in order (for HEAD responses). Interim 1xx
    responses are folded into the message that follows them."""
    spans = []
    pos = 0
    k = 0
    interim_start = None
    while pos < len(stream):
        he = stream.find(b"\r\n\r\n", pos)
        if he < 0:
            raise MutateError("no header end after offset %d" % pos)
        he += 4
        head = stream[pos:he].decode("latin-1").split("\r\n")
        hdr = {}
        for ln in head[1:]:
            if ":" in ln:
                a, b = ln.split(":", 1)
                hdr[a.strip().lower()] = b.strip()
        status = int(head[0].split()[1]) if is_response else 0
        if is_response and 100 <= status < 200 and status != 101:
            interim_start = pos if interim_start is None else interim_start
            pos = he
            continue
        nobody = is_response and (status in (101, 204, 304) or
                                  (methods and methods[k] == "HEAD"))
        if nobody:
            end = he
        elif "chunked" in hdr.get("transfer-encoding", ""):
            end = he
            while True:
                le = stream.index(b"\r\n", end)
                size = int(stream[end:le].split(b";")[0], 16)
                end = le + 2
                if size == 0:
                    # trailer lines, then the empty line
                    while True:
                        le = stream.index(b"\r\n", end)
                        empty = le == end
                        end = le + 2
                        if empty:
                            break
                    break
                end += size + 2
        elif "content-length" in hdr:
            end = he + int(hdr["content-length"])
        elif is_response:
            end = len(stream)
        else:
            end = he
        start = interim_start if interim_start is not None else pos
        spans.append((start, he, end))
        interim_start = None
        pos = end
        k += 1
    return spans


def retime(pkts):
    """Make timestamps non-decreasing after packets were moved: a packet
    earlier than its predecessor takes the predecessor's time + 1 us."""
    for a, b in zip(pkts, pkts[1:]):
        if b.time <= a.time:
            b.time = a.time + 0.000001
    return pkts


def swap(pkts, i, j):
    """Exchange the packets at i and j, keeping the time of each slot."""
    ti, tj = pkts[i].time, pkts[j].time
    pkts[i], pkts[j] = pkts[j], pkts[i]
    pkts[i].time, pkts[j].time = ti, tj


def clone(p):
    q = copy.deepcopy(p)
    q.time = p.time
    return q


def reassemble(pkts, server_port, client_port):
    """Self-check of a mutated capture: rebuild each direction's stream
    from sequence numbers (modulo 2^32 from the SYN, first copy of a byte
    wins, as umbra is specified to do). Returns {"c": bytes, "s": bytes,
    "holes_c": [(off, len)], "holes_s": [...]}; a hole is a byte range no
    segment carried."""
    c = Conn(pkts, server_port, client_port)
    out = {}
    for d in ("c", "s"):
        buf = {}
        for p in pkts:
            if c.dir(p) != d:
                continue
            data = data_of(p)
            o = c.off(p)
            for k, b in enumerate(data):
                buf.setdefault(o + k, b)
        end = max(buf) + 1 if buf else 0
        holes = []
        k = 0
        while k < end:
            if k in buf:
                k += 1
                continue
            start = k
            while k < end and k not in buf:
                k += 1
            holes.append((start, k - start))
        out[d] = bytes(buf.get(k, 0) for k in range(end))
        out["holes_" + d] = holes
    return out


def same_streams(base_pkts, pkts, server_port, client_port):
    """Raise unless pkts carry exactly base_pkts' streams, without holes."""
    a = reassemble(base_pkts, server_port, client_port)
    b = reassemble(pkts, server_port, client_port)
    for d in ("c", "s"):
        if b["holes_" + d] or a[d] != b[d]:
            raise MutateError("direction %s differs from the original "
                              "(holes %r)" % (d, b["holes_" + d]))
