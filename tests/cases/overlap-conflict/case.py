#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""overlap-conflict: a forged segment overlapping queued out-of-order data.
usage: case.py BASE.pcap PORT CPORT (writes capture.pcap, expected.json)"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import mutate  # noqa: E402
import umbcase  # noqa: E402
from scapy.layers.inet import TCP  # noqa: E402
from scapy.packet import Raw  # noqa: E402

SKIP, LEN = 100, 500  # forged bytes: [seq(b)+SKIP, seq(b)+SKIP+LEN)


def conflict(c, pkts, d, off):
    """Swap the segment holding off with the next one, then insert a
    forged copy of bytes SKIP..SKIP+LEN of the moved-ahead segment with
    every bit flipped, right after it. Returns nothing; edits pkts."""
    idx = c.data_idx(d)
    for k, i in enumerate(idx[:-1]):
        o = c.off(pkts[i])
        if o <= off < o + len(mutate.data_of(pkts[i])):
            break
    else:
        raise mutate.MutateError("no segment at offset %d" % off)
    a, b = i, idx[k + 1]
    if c.acks_beyond(d, a, b, c.off(pkts[a])):
        raise mutate.MutateError("segment acked before the next one")
    real = mutate.data_of(pkts[b])
    if len(real) < SKIP + LEN:
        raise mutate.MutateError("segment too short to hold the forgery")
    mutate.swap(pkts, a, b)         # b now at a: queued, hole before it
    f = mutate.clone(pkts[a])
    f[TCP].seq = (f[TCP].seq + SKIP) % mutate.MOD
    f[TCP].remove_payload()
    f[TCP].add_payload(Raw(bytes(x ^ 0xff for x in real[SKIP:SKIP + LEN])))
    f = mutate.rebuild(f)
    f.time = pkts[a].time
    pkts.insert(a + 1, f)
    mutate.retime(pkts)


def main():
    base, port, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pkts = mutate.load(base)
    c = mutate.Conn(pkts, port, cport)
    methods = [m for m, _, _ in umbcase.REQSETS["base"]]
    rs = mutate.http_spans(c.stream("s"), True, methods)
    qs = mutate.http_spans(c.stream("c"), False)
    # the later edit first: indices before it stay valid
    conflict(c, pkts, "s", (rs[2][0] + rs[2][2]) // 2)
    conflict(c, pkts, "c", qs[1][1] + 1500)
    # self-check: first-copy-wins reassembly gives the original streams
    mutate.same_streams(mutate.load(base), pkts, port, cport)
    mutate.save(umbcase.out_path(here, "capture.pcap"), pkts)

    ex = umbcase.reqset_exchanges("base", port, cport)
    umbcase.write_expected(
        here,
        "In the middle of the 100 KB response and in the POST body, segment "
        "B is moved ahead of segment A (B queued out of order), then a "
        "forged %d-byte segment covering B's bytes %d..%d with every bit "
        "flipped arrives before A fills the hole. It lies wholly inside "
        "queued data, so the first copy wins: the delivered streams are "
        "the real ones, the exchanges are identical to the unmodified "
        "traffic (same hashes), and each forgery is an overlap conflict "
        "(>= 2 whether the counter counts segments or bytes)."
        % (LEN, SKIP, SKIP + LEN),
        ex,
        {"http.requests": 6, "outcome.complete": 6,
         "tcp.overlap_conflict": ">=2", "tcp.ooo_queued": ">=2",
         "tcp.gaps": 0, "http.parse_errors": 0})


if __name__ == "__main__":
    main()
