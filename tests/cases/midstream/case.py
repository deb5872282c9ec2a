#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""midstream: cut connection A so it starts at its second request.
usage: case.py BASE.pcap PORT CPORT_A CPORT_C (writes capture.pcap,
expected.json)"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import mutate  # noqa: E402
import umbcase  # noqa: E402


def main():
    base, port = sys.argv[1], int(sys.argv[2])
    ca, cc = int(sys.argv[3]), int(sys.argv[4])
    pkts = mutate.load(base)
    a = mutate.Conn(pkts, port, ca)
    qs = mutate.http_spans(a.stream("c"), False)
    first = a.segs_in("c", qs[1][0], qs[1][0] + 1)[0]
    if a.off(pkts[first]) != qs[1][0]:
        raise mutate.MutateError("request 2 does not start a segment")
    # everything of A before request 2's first segment goes
    pkts = [p for i, p in enumerate(pkts)
            if not (i < first and a.dir(p) is not None)]
    mutate.save(umbcase.out_path(here, "capture.pcap"), pkts)

    ex = umbcase.reqset_exchanges("base", port, ca, midstream=True)[1:]
    ex += umbcase.reqset_exchanges("short", port, cc)
    umbcase.write_expected(
        here,
        "Connection A (client port %d) lost its handshake, request 1 and "
        "response 1: its first packet is the client's request 2, a message "
        "start. A is picked up midstream: requests 2-6 are found, paired "
        "and complete, each with midstream true. Connection C (port %d) is "
        "whole: midstream false. Both streams of A start without a SYN."
        % (ca, cc),
        ex,
        {"http.requests": 6, "http.responses": 6, "outcome.complete": 6,
         "tcp.midstream": 2, "flow.created_midstream": 1,
         "http.orphan_responses": 0, "http.parse_errors": 0,
         "tcp.gaps": 0})


if __name__ == "__main__":
    main()
