#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""pipelined: files, the pipelining client, the expected exchanges.
usage: case.py files DIR | client PORT OUT | expect DIR PORT"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import umbcase  # noqa: E402

HOST = "pipe.example"
# method, uri, file served (None: 404 page), extra header
REQS = [("GET", "/a.bin", "a.bin", ""),
        ("GET", "/b.bin", "b.bin", ""),
        ("HEAD", "/a.bin", "a.bin", ""),
        ("GET", "/missing.bin", None, ""),
        ("GET", "/c.bin", "c.bin", "Connection: close\r\n")]
FILES = {"a.bin": 3000, "b.bin": 20000, "c.bin": 1234}
NOT_FOUND = b"<html><body>custom 404 page of the pipelined case</body></html>\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.argv[1] == "files":
        d = sys.argv[2]
        os.makedirs(d, exist_ok=True)
        for name, n in FILES.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(umbcase.body_bytes(n))
        with open(os.path.join(d, "404.html"), "wb") as f:
            f.write(NOT_FOUND)
        return
    if sys.argv[1] == "client":
        port = int(sys.argv[2])
        req = b"".join(("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pipe/1\r\n"
                        "%s\r\n" % (m, u, HOST, x)).encode()
                       for m, u, _, x in REQS)
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(req)  # one write: the five requests in one segment
        got = b""
        deadline = time.time() + 10
        while time.time() < deadline:
            d = s.recv(65536)
            if not d:
                break
            got += d
        s.close()
        with open(sys.argv[3], "wb") as f:
            f.write(got)
        # tshark's HTTP dissector loses its way after a pipelined HEAD, so
        # the statuses are checked here, on what the client received
        codes = re.findall(rb"HTTP/1\.1 ([0-9]{3}) ", got)
        if codes != [b"200", b"200", b"200", b"404", b"200"]:
            sys.exit("pipelined client: statuses %r" % codes)
        return
    d, port = sys.argv[2], int(sys.argv[3])
    ex = []
    for i, (m, u, name, _) in enumerate(REQS):
        if name is None:
            status, body = 404, NOT_FOUND
        else:
            status = 200
            with open(os.path.join(d, name), "rb") as f:
                body = f.read()
        if m == "HEAD":
            body = b""
        ex.append(umbcase.exchange(m, u, status, body, host=HOST,
                                   req_body_bytes=0, midstream=False,
                                   pipelined=i > 0,
                                   server="127.0.0.1:%d" % port))
    umbcase.write_expected(
        here,
        "Five requests in one TCP segment (checked by make.sh); nginx answers "
        "in order. Requests 2-5 were sent before the previous response began, "
        "so pipelined is true for them and false for the first. The HEAD "
        "response carries Content-Length: 3000 and no body: resp_body_bytes "
        "0 (hash of the empty body), and the parser must not eat the next "
        "response as its body. The 404 body is the custom error page.",
        ex,
        {"http.requests": 5, "http.responses": 5, "outcome.complete": 5,
         "http.pipelined_requests": 4, "http.orphan_responses": 0,
         "http.parse_errors": 0, "tcp.gaps": 0})


if __name__ == "__main__":
    main()
