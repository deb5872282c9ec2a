#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""chunked-large: expected exchanges. usage: case.py PORT"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import umbcase  # noqa: E402


def main():
    port = int(sys.argv[1])
    common = {"host": "127.0.0.1:%d" % port, "req_body_bytes": 0,
              "client": "127.0.0.1:41003", "server": "127.0.0.1:%d" % port,
              "midstream": False, "pipelined": False}
    ex = [umbcase.exchange("GET", "/chunked/5000000", 200,
                           umbcase.body_bytes(5000000), **common),
          umbcase.exchange("GET", "/trailers/30000", 200,
                           umbcase.body_bytes(30000), **common),
          umbcase.exchange("GET", "/chunked/0", 200, b"", **common)]
    umbcase.write_expected(
        os.path.dirname(os.path.abspath(__file__)),
        "Chunked bodies are counted and hashed after de-chunking: chunk "
        "size lines, extensions (;part=N) and trailers (X-Body-Sha1, "
        "X-Done) are not body bytes. The 5 MB body arrives in ~600 chunks "
        "whose boundaries fall anywhere inside TCP segments. /chunked/0 is "
        "a chunked response with only the last chunk: 0 body bytes.",
        ex,
        {"http.requests": 3, "http.responses": 3, "outcome.complete": 3,
         "http.parse_errors": 0, "tcp.gaps": 0})


if __name__ == "__main__":
    main()
