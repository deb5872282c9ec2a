#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""lost-response: remove the whole second response of four.
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
    rs = mutate.http_spans(c.stream("s"), True)
    assert len(rs) == 4
    lo, hi = rs[1][0], rs[1][2]
    drop = c.segs_in("s", lo, hi)
    for i in drop:
        o = c.off(pkts[i])
        if o < lo or o + len(mutate.data_of(pkts[i])) > hi:
            raise mutate.MutateError("a segment mixes response 2 with "
                                     "another response")
    drop = set(drop)
    pkts = [p for i, p in enumerate(pkts) if i not in drop]
    r = mutate.reassemble(pkts, port, cport)
    if r["holes_s"] != [(lo, hi - lo)] or r["holes_c"]:
        raise mutate.MutateError("unexpected holes %r" % r["holes_s"])
    mutate.save(umbcase.out_path(here, "capture.pcap"), pkts)

    ex = umbcase.reqset_exchanges("four", port, cport)
    lost = ex[1]
    for k in ("resp_body_bytes", "resp_body_hash"):
        del lost[k]
    lost["status"] = None
    lost["outcome"] = "gap"
    umbcase.write_expected(
        here,
        "The whole second response (404, %d bytes on the wire in %d "
        "segments) is missing from the capture. Its outcome is gap, not "
        "no_response: no_response claims the server never answered, but "
        "the client's acks cover those %d server bytes and the client went "
        "on to send request 3 on the same connection, so an answer was "
        "sent and the capture lost it (a hole in the server stream while "
        "request 2 waited). Its status is unknown (null). Requests 1, 3 "
        "and 4 pair with their own responses (200, 202, 200): the hole "
        "must not shift the pairing." % (hi - lo, len(drop), hi - lo),
        ex,
        {"http.requests": 4, "http.responses": 3, "outcome.complete": 3,
         "outcome.gap": 1, "outcome.no_response": 0, "tcp.gaps": 1,
         "tcp.gap_bytes": hi - lo, "http.orphan_responses": 0})


if __name__ == "__main__":
    main()
