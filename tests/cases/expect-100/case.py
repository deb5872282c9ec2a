#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""expect-100: expected exchanges. usage: case.py PORT UPLOAD RESP1"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import umbcase  # noqa: E402


def main():
    port = int(sys.argv[1])
    upload = open(sys.argv[2], "rb").read()
    echo = umbcase.echo_body("POST", upload)
    if open(sys.argv[3], "rb").read() != echo:
        sys.exit("the server did not receive the upload intact")
    c = {"host": "127.0.0.1:%d" % port, "client": "127.0.0.1:41005",
         "midstream": False, "pipelined": False}
    ex = [umbcase.exchange("POST", "/echo/201", 201, echo,
                           req_body_bytes=len(upload), **c),
          umbcase.exchange("GET", "/bytes/500", 200,
                           umbcase.body_bytes(500), req_body_bytes=0, **c)]
    umbcase.write_expected(
        os.path.dirname(os.path.abspath(__file__)),
        "The 100 Continue interim response is skipped (counted in "
        "http.interim_responses): the POST pairs with the final 201, whose "
        "body is the server's 'POST 200000 <sha1>' line. The GET after it "
        "pairs with its own 200.",
        ex,
        {"http.requests": 2, "http.responses": 2, "outcome.complete": 2,
         "http.interim_responses": 1, "http.parse_errors": 0,
         "tcp.gaps": 0})


if __name__ == "__main__":
    main()
