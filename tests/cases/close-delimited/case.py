#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""close-delimited: expected exchanges. usage: case.py PORT"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import umbcase  # noqa: E402


def main():
    port = int(sys.argv[1])
    b = umbcase.body_bytes
    c = {"host": "127.0.0.1:%d" % port, "req_body_bytes": 0,
         "server": "127.0.0.1:%d" % port, "midstream": False,
         "pipelined": False}
    ex = [umbcase.exchange("GET", "/close10/30000", 200, b(30000),
                           client="127.0.0.1:41061", **c),
          umbcase.exchange("GET", "/close11/25000", 200, b(25000),
                           client="127.0.0.1:41062", **c),
          umbcase.exchange("GET", "/clclose/5000", 200, b(5000),
                           client="127.0.0.1:41063", **c)]
    umbcase.write_expected(
        os.path.dirname(os.path.abspath(__file__)),
        "Bodies without Content-Length or chunking end at the server's FIN "
        "(HTTP/1.0 response to an HTTP/1.0 request, and HTTP/1.1 with "
        "Connection: close): the FIN completes them, so they are complete "
        "with the full body hashed. The third has Content-Length and "
        "Connection: close.",
        ex,
        {"http.requests": 3, "http.responses": 3, "outcome.complete": 3,
         "http.parse_errors": 0, "tcp.gaps": 0, "tcp.fin": ">=3"})


if __name__ == "__main__":
    main()
