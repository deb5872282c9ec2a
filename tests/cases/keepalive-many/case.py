#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""keepalive-many: served files and the expected exchanges.
usage: case.py files DIR | case.py expect DIR PORT"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import umbcase  # noqa: E402

# 0 bytes, tiny, around the 1448-byte MSS (timestamps on), around 64 KB...
SIZES = [0, 1, 2, 17, 100, 511, 512, 1000, 1447, 1448, 1449, 2896, 2897,
         4096, 8191, 10000, 16384, 20000, 32768, 40000, 60000, 0, 3, 333,
         1500, 7000, 12345, 5, 777, 2048, 1449, 9000, 15000, 0, 250, 4444,
         64, 128, 256, 1024, 6000, 11111, 22222, 30000, 1, 99, 2000, 3000,
         45000, 7]
assert len(SIZES) == 50


def main():
    if sys.argv[1] == "files":
        d = sys.argv[2]
        os.makedirs(d, exist_ok=True)
        for i, n in enumerate(SIZES):
            with open(os.path.join(d, "f%d.bin" % i), "wb") as f:
                f.write(umbcase.body_bytes(n, 1000 + i))
        return
    d, port = sys.argv[2], int(sys.argv[3])
    ex = []
    for i in range(len(SIZES)):
        with open(os.path.join(d, "f%d.bin" % i), "rb") as f:
            body = f.read()
        ex.append(umbcase.exchange(
            "GET", "/f%d.bin" % i, 200, body,
            host="127.0.0.1:%d" % port, req_body_bytes=0,
            client="127.0.0.1:41001", server="127.0.0.1:%d" % port,
            midstream=False, pipelined=False))
    umbcase.write_expected(
        os.path.dirname(os.path.abspath(__file__)),
        "One keep-alive connection (curl URL globbing) to nginx, 50 GETs, "
        "sizes 0..60000 including three 0-byte files. Every exchange is "
        "complete; the hash of an empty body is XXH64 of zero bytes "
        "(ef46db3751d8e999), valid because the whole (empty) body was seen.",
        ex,
        {"http.requests": 50, "http.responses": 50, "outcome.complete": 50,
         "http.pipelined_requests": 0, "tcp.gaps": 0,
         "tcp.overlap_conflict": 0, "http.parse_errors": 0,
         "tcp.syn": 2, "tcp.midstream": 0})


if __name__ == "__main__":
    main()
