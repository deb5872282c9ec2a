#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""duplicate-retransmit: insert exact copies of data segments.
usage: case.py BASE.pcap PORT CPORT (writes capture.pcap, expected.json)"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import mutate  # noqa: E402
import umbcase  # noqa: E402
from scapy.layers.inet import TCP  # noqa: E402

LATER = 3  # the copy goes this many packets after the original


def main():
    base, port, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pkts = mutate.load(base)
    c = mutate.Conn(pkts, port, cport)
    methods = [m for m, _, _ in umbcase.REQSETS["base"]]
    rs = mutate.http_spans(c.stream("s"), True, methods)
    qs = mutate.http_spans(c.stream("c"), False)
    assert len(rs) == 6 and len(qs) == 6
    if len(c.segs_in("s", rs[5][0], rs[5][2])) != 1 or \
            len(c.segs_in("c", qs[0][0], qs[0][2])) != 1:
        raise mutate.MutateError("expected one-segment messages")
    picks = [c.segs_in("s", rs[2][0], rs[2][0] + 1)[0],   # 100 KB head
             c.segs_in("s", 0, 1 << 31)[0] + 0,            # response 1 head
             c.segs_in("s", (rs[2][0] + rs[2][2]) // 2,
                       (rs[2][0] + rs[2][2]) // 2 + 1)[0],  # 100 KB middle
             c.segs_in("s", rs[4][2] - 1, rs[4][2])[0],    # chunked end
             c.segs_in("s", rs[5][0], rs[5][2])[0],         # whole response
             c.segs_in("c", qs[0][0], qs[0][2])[0],         # whole request
             c.segs_in("c", qs[1][2] - 2000, qs[1][2] - 1999)[0]]  # POST body
    picks = sorted(set(picks))
    # a copy goes before the first FIN of either side (TCP does not send
    # old data after its own FIN was acked); from the end so earlier
    # indices stay valid
    fin = next(k for k, p in enumerate(pkts)
               if c.dir(p) and p[TCP].flags & 0x01)
    for i in reversed(picks):
        dup = mutate.clone(pkts[i])
        pos = min(i + 1 + LATER, fin)
        dup.time = pkts[pos - 1].time
        pkts.insert(pos, dup)
    mutate.retime(pkts)
    # self-check: first-copy-wins reassembly gives the original streams
    mutate.same_streams(mutate.load(base), pkts, port, cport)
    mutate.save(umbcase.out_path(here, "capture.pcap"), pkts)

    n = len(picks)
    ex = umbcase.reqset_exchanges("base", port, cport)
    umbcase.write_expected(
        here,
        "%d data segments are sent twice, byte for byte, %d packets after "
        "the original or just before the first FIN (its data already "
        "delivered): the heads of two "
        "responses, the middle of the 100 KB body, the segment ending the "
        "chunked body, a whole one-segment response (/bytes/10), a whole "
        "one-segment request (GET /bytes/3000) and a POST body segment. "
        "Copies are dropped as retransmissions: no extra request, no "
        "orphan response, the same exchanges as the unmodified traffic."
        % (n, LATER),
        ex,
        {"http.requests": 6, "http.responses": 6, "outcome.complete": 6,
         "tcp.retransmit": n, "tcp.gaps": 0, "tcp.overlap_conflict": 0,
         "http.orphan_responses": 0, "http.parse_errors": 0})


if __name__ == "__main__":
    main()
