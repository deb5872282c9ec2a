#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""post-bodies: the request list and expected exchanges.
usage: case.py list | case.py expect PORT TMPDIR"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import umbcase  # noqa: E402

# method, uri (status in the path), body size (None: no body), chunked
REQS = [("POST", "/echo/201", 0, False),
        ("POST", "/echo/201", 1, False),
        ("PUT", "/echo/200", 1000, False),
        ("PATCH", "/echo/200", 70000, False),
        ("DELETE", "/echo/204", 300, False),
        ("POST", "/echo/200", 50000, True),
        ("DELETE", "/echo/200", None, False),
        ("PUT", "/echo/201", 150000, False),
        ("POST", "/echo/202", 4096, True)]


def main():
    if sys.argv[1] == "list":
        for m, u, n, ch in REQS:
            print(m, u, "none" if n is None else n, int(ch))
        return
    port, tmp = int(sys.argv[2]), sys.argv[3]
    ex = []
    for i, (m, u, n, ch) in enumerate(REQS):
        req = umbcase.body_bytes(n, 500 + i) if n is not None else b""
        status = int(u.rsplit("/", 1)[1])
        body = b"" if status == 204 else umbcase.echo_body(m, req)
        got = open(os.path.join(tmp, "resp%d" % i), "rb").read()
        if got != body:
            sys.exit("request %d: server answered %r, expected %r"
                     % (i, got, body))
        ex.append(umbcase.exchange(m, u, status, body,
                                   req_body_bytes=len(req),
                                   host="127.0.0.1:%d" % port,
                                   client="127.0.0.1:41007",
                                   midstream=False, pipelined=False))
    umbcase.write_expected(
        os.path.dirname(os.path.abspath(__file__)),
        "Request bodies: req_body_bytes is the decoded body length (the "
        "two chunked uploads are counted without chunk framing). Each "
        "response body is the server's 'METHOD LEN SHA1' line, so it also "
        "proves the server got the body intact (make.sh compares it). The "
        "DELETE answered 204 has no response body.",
        ex,
        {"http.requests": len(REQS), "http.responses": len(REQS),
         "outcome.complete": len(REQS), "http.parse_errors": 0,
         "http.interim_responses": 0, "tcp.gaps": 0})


if __name__ == "__main__":
    main()
