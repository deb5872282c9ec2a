#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ipv6: expected exchanges. usage: case.py PORT WWW"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import umbcase  # noqa: E402


def main():
    port, www = int(sys.argv[1]), sys.argv[2]
    srv = "[::1]:%d" % port
    ex = []
    for cport, uris in ((41081, ["/b2000.bin", "/b50000.bin", "/b0.bin"]),
                        (41082, ["/b333.bin", "/nothere"])):
        for u in uris:
            if u == "/nothere":
                status, path = 404, "404.html"
            else:
                status, path = 200, u[1:]
            body = open(os.path.join(www, path), "rb").read()
            ex.append(umbcase.exchange(
                "GET", u, status, body, client="[::1]:%d" % cport,
                server=srv, host=srv, req_body_bytes=0, midstream=False,
                pipelined=False))
    umbcase.write_expected(
        os.path.dirname(os.path.abspath(__file__)),
        "IPv6 loopback: endpoints are printed \"[::1]:port\"; the Host "
        "header curl sends is \"[::1]:port\" too.",
        ex,
        {"http.requests": 5, "http.responses": 5, "outcome.complete": 5,
         "tcp.syn": 4, "tcp.gaps": 0})


if __name__ == "__main__":
    main()
