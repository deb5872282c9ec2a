#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""loss-gap: drop one segment inside a Content-Length body.
usage: case.py BASE.pcap PORT CPORT (writes capture.pcap, expected.json)"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import mutate  # noqa: E402
import umbcase  # noqa: E402


def main():
    base, port, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pkts = mutate.load(base)
    c = mutate.Conn(pkts, port, cport)
    methods = [m for m, _, _ in umbcase.REQSETS["base"]]
    rs = mutate.http_spans(c.stream("s"), True, methods)
    big = rs[2]                              # GET /bytes/100000
    mid = (big[1] + big[2]) // 2
    victim = c.segs_in("s", mid, mid + 1)[0]
    vo = c.off(pkts[victim])
    vlen = len(mutate.data_of(pkts[victim]))
    if not (big[1] < vo and vo + vlen < big[2]):
        raise mutate.MutateError("the dropped segment must lie inside "
                                 "the body")
    # every copy of those bytes goes (a clean capture has one)
    drop = set(c.segs_in("s", vo, vo + vlen))
    pkts = [p for i, p in enumerate(pkts) if i not in drop]
    r = mutate.reassemble(pkts, port, cport)
    if r["holes_s"] != [(vo, vlen)] or r["holes_c"]:
        raise mutate.MutateError("unexpected holes %r" % r["holes_s"])
    mutate.save(umbcase.out_path(here, "capture.pcap"), pkts)

    ex = umbcase.reqset_exchanges("base", port, cport)
    x = ex[2]
    x["outcome"] = "gap"
    x["resp_body_hash"] = None   # the hash cannot cover bytes never seen
    umbcase.write_expected(
        here,
        "One %d-byte segment of the 100 KB body (body bytes %d..%d) is "
        "missing; the client's acks cover it, so the hole is skipped when "
        "they pass it. The body has a Content-Length: the parser skips the "
        "hole in place, the exchange ends with outcome gap, status 200, "
        "resp_body_bytes still the full 100000 and no hash. The responses "
        "after it stay in step and are complete." %
        (vlen, vo - big[1], vo - big[1] + vlen),
        ex,
        {"http.requests": 6, "http.responses": 6, "outcome.complete": 5,
         "outcome.gap": 1, "tcp.gaps": 1, "tcp.gap_bytes": vlen,
         "http.gaps_filled_in_body": 1, "http.parse_errors": 0,
         "tcp.overlap_conflict": 0})


if __name__ == "__main__":
    main()
