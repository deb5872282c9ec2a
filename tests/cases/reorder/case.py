#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""reorder: swap adjacent data segments of a clean capture.
usage: case.py BASE.pcap PORT CPORT (writes capture.pcap, expected.json)"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import mutate  # noqa: E402
import umbcase  # noqa: E402


def pair_at(c, d, off):
    """(a, b): the data segment holding stream offset off and the next
    one of the same direction, when no ack in between covers a's bytes."""
    idx = c.data_idx(d)
    for k, i in enumerate(idx[:-1]):
        p = c.pkts[i]
        o = c.off(p)
        if o <= off < o + len(mutate.data_of(p)):
            j = idx[k + 1]
            if c.acks_beyond(d, i, j, o):
                raise mutate.MutateError("segment at %d acked before the "
                                         "next one" % o)
            return i, j
    raise mutate.MutateError("no segment pair at offset %d" % off)


def main():
    base, port, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pkts = mutate.load(base)
    c = mutate.Conn(pkts, port, cport)
    methods = [m for m, _, _ in umbcase.REQSETS["base"]]
    rs = mutate.http_spans(c.stream("s"), True, methods)
    qs = mutate.http_spans(c.stream("c"), False)
    assert len(rs) == 6 and len(qs) == 6
    big = rs[2]          # GET /bytes/100000
    chunked = rs[4]      # GET /chunked/20000
    post = qs[1]         # POST /echo/200, 6000-byte body
    pairs = [pair_at(c, "s", big[0]),                       # head / body
             pair_at(c, "s", (big[0] + big[2]) // 2),
             pair_at(c, "s", big[2] - 1 - 1448),
             pair_at(c, "s", (chunked[0] + chunked[2]) // 2),
             pair_at(c, "c", post[1] + 1448)]
    used = set()
    for a, b in pairs:
        if a in used or b in used:
            raise mutate.MutateError("overlapping swaps")
        used |= {a, b}
    for a, b in pairs:
        mutate.swap(pkts, a, b)
    # self-check: first-copy-wins reassembly gives the original streams
    mutate.same_streams(mutate.load(base), pkts, port, cport)
    mutate.save(umbcase.out_path(here, "capture.pcap"), pkts)

    ex = umbcase.reqset_exchanges("base", port, cport)
    umbcase.write_expected(
        here,
        "Five pairs of adjacent data segments swapped (4 server->client: "
        "the head of the 100 KB response behind its first body segment, "
        "the middle and the end of that body, the middle of the chunked "
        "body; 1 client->server in the POST body). No ack in the capture "
        "covers a moved segment before it appears, so nothing is lost: "
        "every exchange is complete and identical to the unmodified "
        "traffic, and each swap queues one segment out of order.",
        ex,
        {"http.requests": 6, "outcome.complete": 6, "tcp.ooo_queued": ">=5",
         "tcp.gaps": 0, "tcp.retransmit": 0, "tcp.overlap_conflict": 0,
         "http.parse_errors": 0})


if __name__ == "__main__":
    main()
