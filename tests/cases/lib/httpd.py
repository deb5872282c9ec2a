#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Small HTTP/1.x server for the capture cases: the responses nginx will not
make on demand, written byte by byte so a case knows exactly what went on the
wire. Usage: httpd.py ADDR PORT (ADDR 127.0.0.1 or ::1). One thread per
connection, keep-alive unless the request or route says close.

Routes (N = body bytes, see umbcase.body_bytes / chunk_sizes / echo_body):
  /bytes/N            200 with Content-Length
  /chunked/N          200 chunked, chunks of 1..16384 bytes, one send each
  /trailers/N         200 chunked, a chunk extension, two trailer fields
  /close10/N          HTTP/1.0 200, no Content-Length, body ended by close
  /close11/N          HTTP/1.1 200, Connection: close, no Content-Length
  /clclose/N          HTTP/1.1 200, Content-Length and Connection: close
  /status/CODE/N      status CODE with N bytes (none for 204/304)
  /echo/CODE          status CODE, body = echo_body(method, request body)
  /delay/MS/N         200 with N bytes, sent MS milliseconds after the request
  /drip/N/MS          200 with N bytes: head and first half, MS ms, the rest
  /ws                 WebSocket upgrade (101), then echo frames until close
A request with Expect: 100-continue gets "100 Continue" before its body is
read.
"""

import base64
import hashlib
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from umbcase import body_bytes, chunk_sizes, echo_body  # noqa: E402

REASONS = {100: "Continue", 101: "Switching Protocols", 200: "OK",
           201: "Created", 202: "Accepted", 204: "No Content",
           301: "Moved Permanently", 304: "Not Modified",
           400: "Bad Request", 404: "Not Found", 409: "Conflict",
           500: "Internal Server Error"}
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEAD = 65536


class Closed(Exception):
    pass


class Conn:
    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise Closed()
        self.buf += d

    def until(self, marker, limit=MAX_HEAD):
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise Closed()
            self.fill()
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def status_line(version, code):
    return ("%s %d %s\r\n" % (version, code, REASONS.get(code, "X"))).encode()


def read_body(c, headers):
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            line = c.until(b"\r\n")
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                for _ in range(100):
                    if c.until(b"\r\n") == b"\r\n":
                        return body
                raise Closed()
            body += c.exact(size)
            c.exact(2)
    n = int(headers.get("content-length", "0"))
    return c.exact(n)


def websocket(c, headers):
    key = headers.get("sec-websocket-key", "")
    acc = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest())
    c.s.sendall(status_line("HTTP/1.1", 101) +
                b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
    for _ in range(1000):
        h = c.exact(2)
        op = h[0] & 0x0f
        ln = h[1] & 0x7f
        if ln == 126:
            ln = int.from_bytes(c.exact(2), "big")
        elif ln == 127:
            ln = int.from_bytes(c.exact(8), "big")
        mask = c.exact(4) if h[1] & 0x80 else b"\0\0\0\0"
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(c.exact(ln)))
        hdr = bytes([0x80 | op])
        hdr += bytes([ln]) if ln < 126 else bytes([126]) + ln.to_bytes(2, "big")
        c.s.sendall(hdr + data)
        if op == 8:
            return


def respond(c, method, target, version, headers, body):
    parts = target.split("?")[0].strip("/").split("/")
    route = parts[0]
    arg = [int(x) for x in parts[1:] if x.isdigit()]
    n = arg[0] if arg else 0
    close = headers.get("connection", "").lower() == "close" or \
        (version == "HTTP/1.0" and
         headers.get("connection", "").lower() != "keep-alive")
    send = c.s.sendall
    sl = status_line("HTTP/1.1", 200)
    if route == "bytes":
        b = body_bytes(n)
        send(sl + b"Content-Type: application/octet-stream\r\n"
             b"Content-Length: %d\r\n\r\n" % len(b) +
             (b if method != "HEAD" else b""))
    elif route in ("chunked", "trailers"):
        b = body_bytes(n)
        hdr = sl + b"Content-Type: application/octet-stream\r\n" \
            b"Transfer-Encoding: chunked\r\n"
        if route == "trailers":
            hdr += b"Trailer: X-Body-Sha1, X-Done\r\n"
        send(hdr + b"\r\n")
        off = 0
        for i, s in enumerate(chunk_sizes(n, n, 16384)):
            ext = b";part=%d" % i if route == "trailers" else b""
            send(b"%x%s\r\n" % (s, ext) + b[off:off + s] + b"\r\n")
            off += s
        if route == "trailers":
            send(b"0\r\nX-Body-Sha1: " +
                 hashlib.sha1(b).hexdigest().encode() +
                 b"\r\nX-Done: yes\r\n\r\n")
        else:
            send(b"0\r\n\r\n")
    elif route == "close10":
        send(status_line("HTTP/1.0", 200) +
             b"Content-Type: application/octet-stream\r\n\r\n" +
             body_bytes(n))
        return True
    elif route == "close11":
        send(sl + b"Content-Type: application/octet-stream\r\n"
             b"Connection: close\r\n\r\n" + body_bytes(n))
        return True
    elif route == "clclose":
        b = body_bytes(n)
        send(sl + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(b)
             + b)
        return True
    elif route == "delay":
        ms, size = n, (arg[1] if len(arg) > 1 else 0)
        time.sleep(min(ms, 10000) / 1000.0)
        b = body_bytes(size)
        send(sl + b"Content-Length: %d\r\n\r\n" % len(b) + b)
    elif route == "drip":
        ms = arg[1] if len(arg) > 1 else 0
        b = body_bytes(n)
        send(sl + b"Content-Length: %d\r\n\r\n" % len(b) + b[:n // 2])
        time.sleep(min(ms, 10000) / 1000.0)
        send(b[n // 2:])
    elif route == "status":
        code = n
        size = arg[1] if len(arg) > 1 else 0
        if code in (204, 304):
            send(status_line("HTTP/1.1", code) + b"\r\n")
        else:
            b = body_bytes(size)
            send(status_line("HTTP/1.1", code) +
                 b"Content-Length: %d\r\n\r\n" % len(b) + b)
    elif route == "echo":
        code = n or 200
        if code in (204, 304):
            send(status_line("HTTP/1.1", code) + b"\r\n")
        else:
            b = echo_body(method, body)
            send(status_line("HTTP/1.1", code) +
                 b"Content-Type: text/plain\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(b) + b)
    elif route == "ws" and headers.get("upgrade", "").lower() == "websocket":
        websocket(c, headers)
        return True
    else:
        b = b"not found\n"
        send(status_line("HTTP/1.1", 404) +
             b"Content-Length: %d\r\n\r\n" % len(b) + b)
    return close


def serve(sock):
    sock.settimeout(30)
    c = Conn(sock)
    try:
        for _ in range(10000):
            head = c.until(b"\r\n\r\n").decode("latin-1")
            lines = head.split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            headers = {}
            for ln in lines[1:]:
                if ":" in ln:
                    k, v = ln.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            if headers.get("expect", "").lower() == "100-continue":
                sock.sendall(status_line("HTTP/1.1", 100) + b"\r\n")
            body = read_body(c, headers)
            if respond(c, method, target, version, headers, body):
                break
    except (Closed, OSError, ValueError):
        pass
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve, args=(s,), daemon=True).start()


if __name__ == "__main__":
    main()
