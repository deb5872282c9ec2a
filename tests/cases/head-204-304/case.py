#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""head-204-304: files and expected exchanges.
usage: case.py files DIR | case.py expect DIR PORT"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import umbcase  # noqa: E402

NOT_FOUND = b"<html>head-204-304 custom 404</html>\n"


def main():
    if sys.argv[1] == "files":
        d = sys.argv[2]
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "page.html"), "wb") as f:
            f.write(umbcase.body_bytes(7000))
        with open(os.path.join(d, "small.txt"), "wb") as f:
            f.write(b"small file after the bodiless responses\n")
        with open(os.path.join(d, "404.html"), "wb") as f:
            f.write(NOT_FOUND)
        return
    d, port = sys.argv[2], int(sys.argv[3])
    page = open(os.path.join(d, "page.html"), "rb").read()
    small = open(os.path.join(d, "small.txt"), "rb").read()
    c = {"host": "127.0.0.1:%d" % port, "req_body_bytes": 0,
         "client": "127.0.0.1:41004", "midstream": False,
         "pipelined": False}
    x = umbcase.exchange
    ex = [x("HEAD", "/page.html", 200, b"", **c),
          x("GET", "/page.html", 200, page, **c),
          x("GET", "/page.html", 304, b"", **c),
          x("GET", "/nocontent", 204, b"", **c),
          x("GET", "/page.html", 304, b"", **c),
          x("HEAD", "/missing.html", 404, b"", **c),
          x("GET", "/small.txt", 200, small, **c)]
    umbcase.write_expected(
        os.path.dirname(os.path.abspath(__file__)),
        "Responses that have no body whatever their headers say: HEAD "
        "(Content-Length: 7000 / the 404 page length), 304 (If-None-Match "
        "with nginx's ETag, then If-Modified-Since) and 204. Each has "
        "resp_body_bytes 0 and the hash of the empty body. The last GET "
        "must still pair and parse: a parser that reads a HEAD response's "
        "Content-Length as a body would swallow the following responses.",
        ex,
        {"http.requests": 7, "http.responses": 7, "outcome.complete": 7,
         "http.parse_errors": 0, "tcp.gaps": 0})


if __name__ == "__main__":
    main()
