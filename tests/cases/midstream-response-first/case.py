#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""midstream-response-first: start the capture inside response 1's body.
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
    qs = mutate.http_spans(c.stream("c"), False)
    resp1 = c.segs_in("s", rs[0][0], rs[0][2])
    if len(resp1) < 3:
        raise mutate.MutateError("response 1 needs 3 segments")
    req2 = c.segs_in("c", qs[1][0], qs[1][0] + 1)[0]
    keep_from = resp1[1]      # second segment of response 1: body bytes
    if keep_from > req2:
        raise mutate.MutateError("unexpected order")
    # drop everything before it, and the client's acks up to request 2
    pkts = [p for i, p in enumerate(pkts)
            if i >= keep_from and (i >= req2 or c.dir(p) == "s")]
    mutate.save(umbcase.out_path(here, "capture.pcap"), pkts)
    skipped = rs[0][2] - c.off(c.pkts[keep_from])

    ex = umbcase.reqset_exchanges("base", port, cport, midstream=True)[1:]
    umbcase.write_expected(
        here,
        "The capture starts with server->client body bytes (the last %d "
        "bytes of response 1, whose head and request were never "
        "captured). The appliance must work out which side is the client "
        "without a SYN (a status line never comes first here; the first "
        "message start seen is the client's request 2, and the server "
        "port is the lower, non-ephemeral one), skip the body tail while "
        "looking for a message start, and report requests 2-6 complete "
        "with midstream true. The tail of response 1 is not an orphan "
        "response: no message start was in it." % skipped,
        ex,
        {"http.requests": 5, "http.responses": 5, "outcome.complete": 5,
         "tcp.midstream": 2, "flow.created_midstream": 1,
         "http.orphan_responses": 0, "http.resync_skipped_bytes": ">=1",
         "tcp.gaps": 0})


if __name__ == "__main__":
    main()
