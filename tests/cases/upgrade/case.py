#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""upgrade: the WebSocket client and the expected exchanges.
usage: case.py client PORT LOCALPORT | case.py expect PORT"""
import base64
import hashlib
import os
import socket
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
import umbcase  # noqa: E402

KEY = base64.b64encode(b"umbra-upgrade-16").decode()
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MESSAGES = [b"hello over websocket", b"GET /not-http HTTP/1.1\r\n\r\n"]


def frame(op, data, mask=b"\x11\x22\x33\x44"):
    """A client frame (masked, as RFC 6455 requires)."""
    return bytes([0x80 | op, 0x80 | len(data)]) + mask + \
        bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            sys.exit("websocket client: connection closed early")
        b += d
    return b


def client(port, lport):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", lport))
    s.connect(("127.0.0.1", port))
    s.sendall(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (port, KEY)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += recv_exact(s, 1)
    want = base64.b64encode(hashlib.sha1((KEY + GUID).encode()).digest())
    if not head.startswith(b"HTTP/1.1 101 ") or want not in head:
        sys.exit("websocket client: bad handshake %r" % head)
    for m in MESSAGES:
        s.sendall(frame(1, m))
        h = recv_exact(s, 2)
        if recv_exact(s, h[1] & 0x7f) != m:
            sys.exit("websocket client: echo differs")
    s.sendall(frame(8, b"\x03\xe8"))
    h = recv_exact(s, 2)
    recv_exact(s, h[1] & 0x7f)
    s.close()


def main():
    if sys.argv[1] == "client":
        client(int(sys.argv[2]), int(sys.argv[3]))
        return
    port = int(sys.argv[2])
    srv = "127.0.0.1:%d" % port
    ex = [{"method": "GET", "uri": "/ws", "status": 101,
           "outcome": "unsupported", "client": "127.0.0.1:41024",
           "server": srv, "host": srv, "req_body_bytes": 0},
          umbcase.exchange("GET", "/bytes/100", 200,
                           umbcase.body_bytes(100), client="127.0.0.1:41025",
                           server=srv, host=srv, req_body_bytes=0,
                           midstream=False, pipelined=False)]
    umbcase.write_expected(
        here,
        "GET /ws with Upgrade: websocket answered 101 Switching Protocols: "
        "that exchange ends unsupported (status 101) and parsing stops on "
        "that connection; the WebSocket frames that follow (one carries "
        "text that looks like an HTTP request line) create no exchange "
        "and no parse error. The GET on the second connection is "
        "complete.",
        ex,
        {"http.requests": 2, "outcome.unsupported": 1,
         "outcome.complete": 1, "http.unsupported": 1,
         "http.bytes_after_unsupported": ">=1", "http.parse_errors": 0})


if __name__ == "__main__":
    main()
