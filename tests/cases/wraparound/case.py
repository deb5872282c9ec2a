#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""wraparound: rewrite ISNs so both directions cross 2^32 mid-message.
usage: case.py BASE.pcap PORT CPORT (writes capture.pcap, expected.json)"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import mutate  # noqa: E402
import umbcase  # noqa: E402
from scapy.layers.inet import TCP  # noqa: E402

MOD = mutate.MOD


def delta_for(c, d, x):
    """Shift that gives stream byte x of direction d sequence number 0."""
    new_isn = (-x - 1) % MOD
    return (new_isn - c.isn[d]) % MOD


def inside(c, d, off, into):
    """Offset `into` bytes inside the segment holding stream offset off."""
    i = c.segs_in(d, off, off + 1)[0]
    o = c.off(c.pkts[i])
    if len(mutate.data_of(c.pkts[i])) <= into:
        raise mutate.MutateError("segment too short")
    return o + into


def main():
    base, port, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pkts = mutate.load(base)
    c = mutate.Conn(pkts, port, cport)
    methods = [m for m, _, _ in umbcase.REQSETS["base"]]
    rs = mutate.http_spans(c.stream("s"), True, methods)
    qs = mutate.http_spans(c.stream("c"), False)
    xs = inside(c, "s", (rs[2][1] + rs[2][2]) // 2, 700)  # 100 KB body
    xc = inside(c, "c", qs[1][1] + 2000, 500)              # POST body
    delta = {"s": delta_for(c, "s", xs), "c": delta_for(c, "c", xc)}
    out = []
    for p in pkts:
        d = c.dir(p)
        if d is None:
            out.append(p)
            continue
        other = "c" if d == "s" else "s"
        t = p[TCP]
        t.seq = (t.seq + delta[d]) % MOD
        if t.flags & 0x10:
            t.ack = (t.ack + delta[other]) % MOD
        for opt in t.options:
            if opt[0] == "SAck":
                raise mutate.MutateError("SACK blocks in a clean capture")
        out.append(mutate.rebuild(p))
    # self-check: first-copy-wins reassembly gives the original streams
    mutate.same_streams(mutate.load(base), out, port, cport)
    mutate.save(umbcase.out_path(here, "capture.pcap"), out)

    ex = umbcase.reqset_exchanges("base", port, cport)
    umbcase.write_expected(
        here,
        "Both ISNs rewritten (acks too, checksums recomputed): server byte "
        "%d of its stream (inside a segment in the middle of the 100 KB "
        "body) has sequence number 0, so that segment straddles 2^32; "
        "client byte %d (inside a POST body segment) likewise. The server "
        "ISN is %d and the client ISN %d. Exchanges are identical to the "
        "unmodified traffic." %
        (xs, xc, (c.isn["s"] + delta["s"]) % MOD,
         (c.isn["c"] + delta["c"]) % MOD),
        ex,
        {"http.requests": 6, "http.responses": 6, "outcome.complete": 6,
         "tcp.gaps": 0, "tcp.retransmit": 0, "tcp.ooo_queued": 0,
         "tcp.drop_out_of_window": 0, "http.parse_errors": 0})


if __name__ == "__main__":
    main()
