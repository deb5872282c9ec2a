#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""timing-two-pcaps: expected exchanges. usage: case.py PORT CA CB T0 T1"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import umbcase  # noqa: E402


def main():
    port, ca, cb = (int(x) for x in sys.argv[1:4])
    t0, t1 = float(sys.argv[4]), float(sys.argv[5])
    win = {"ts": [">=%.3f" % (t0 - 0.001), "<=%.3f" % (t1 + 0.001)]}
    ex = []
    for cport, uri, timing in (
            (ca, "/delay/300/2000", {"ttfb_us": ">=300000",
                                     "ttlb_us": ">=300000"}),
            (ca, "/bytes/500", {"ttfb_us": "<300000"}),
            (cb, "/drip/4000/250", {"ttfb_us": "<250000",
                                    "ttlb_us": ">=250000"}),
            (cb, "/delay/100/10", {"ttfb_us": ">=100000"})):
        status, body = umbcase.response_of("GET", uri, b"")
        x = umbcase.exchange("GET", uri, status, body,
                             client="127.0.0.1:%d" % cport,
                             server="127.0.0.1:%d" % port,
                             req_body_bytes=0, midstream=False,
                             pipelined=False, **timing)
        x.update(win)
        ex.append(x)
    umbcase.write_expected(
        here,
        "Two capture files read together (--pcap a.pcap --pcap b.pcap), "
        "one connection each, overlapping in time. Times come from each "
        "file's own packet timestamps: ts lies in the window the script "
        "measured with date(1) around the clients, and, where the server held back its answer, "
        "ttfb_us / ttlb_us are at least the delay it slept (300 ms and "
        "100 ms before the first byte; 250 ms between the two halves of "
        "the dripped body, whose head came at once). Window: %.3f .. %.3f."
        % (t0, t1),
        ex,
        {"http.requests": 4, "outcome.complete": 4, "tcp.gaps": 0},
        pcaps=["a.pcap", "b.pcap"])


if __name__ == "__main__":
    main()
