#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""HTTP/1.1 server of umbra's lab (scripts/lab): the shadow ("version 2")
and, behind nginx, production's generated routes ("version 1").

Routes (the same on both sides, only "version" differs; nginx answers the
/api, /same and 404 routes itself on production with byte-identical bodies):
  /api/items                 GET/HEAD: list
  /api/items/{id}            GET/HEAD 200 JSON, POST 201, PUT/PATCH 200,
                             DELETE 204, OPTIONS 204 with Allow
  /same/{id}                 JSON without "version": equal on both sides
  /big/{bytes}               Content-Length body of the lab pattern
  /chunked/{bytes}           the pattern in chunked transfer coding
  /slow/{ms}                 answers after ms milliseconds
  /status/{code}             that status with a small JSON body
  /reset                     65536-byte body; with --reset-route, 16384
                             bytes of it then a TCP RST
  /lag/{ms}                  200 {"lag_ms":ms} at once; with --lag-route,
                             after ms milliseconds (a shadow-only delay)
  /cmp/{kind}/{n}            the comparator's scenario: version 2 renames a
                             field (rename), changes a number (number), adds
                             a timestamp (stamp), answers 500 (error), 3 s
                             later (slow), gzip-encoded (gzip), or the same
With --max-requests-per-conn N the Nth answer on a connection says
"Connection: close" and the server closes it (a keepalive limit, as
nginx's keepalive_requests); by default connections stay open.
Request bodies are read whole (Content-Length or chunked, at most
MAX_BODY) so keep-alive carries on after POST/PUT/PATCH. One access-log
line per request in nginx's format (ACCESS_FMT in scripts/lab): body bytes
sent count chunk framing, as nginx's $body_bytes_sent does.
Standard library only; one thread per connection.
"""

import argparse
import fcntl
import json
import os
import re
import socket
import struct
import sys
import termios
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/\n"
MAX_BIG = 256 << 20          # /big and /chunked cap
MAX_SLOW_MS = 60000
MAX_BODY = 64 << 20          # same as nginx client_max_body_size
RESET_TOTAL = 65536
RESET_SENT = 16384
ALLOW = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"
ID_RE = r"([A-Za-z0-9_-]{1,64})"
JSON_TYPE = "application/json"


def pattern(offset, n):
    """n bytes of the endless PATTERN starting at offset."""
    plen = len(PATTERN)
    start = offset % plen
    reps = (start + n) // plen + 1
    return (PATTERN * reps)[start:start + n]


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "umb-lab"
    sys_version = ""

    def version_string(self):
        return "umb-lab/%d" % self.server.version

    def log_message(self, fmt, *args):
        pass  # one line per request is written by access_log()

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.answered = 0  # requests answered on this connection

    # --- request bodies -------------------------------------------------
    def read_body(self):
        """Read (and drop) the request body; False when it is malformed."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            total = 0
            for _ in range(1 << 20):
                line = self.rfile.readline(1024)
                if not line:
                    return False
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    return False
                if size == 0:
                    for _ in range(64):  # trailers up to the empty line
                        t = self.rfile.readline(8192)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    return True
                total += size
                if total > MAX_BODY:
                    return False
                left = size
                while left > 0:
                    got = self.rfile.read(min(left, 65536))
                    if not got:
                        return False
                    left -= len(got)
                self.rfile.readline(8)
            return False
        cl = self.headers.get("Content-Length")
        if cl is None:
            return True
        try:
            left = int(cl)
        except ValueError:
            return False
        if left < 0 or left > MAX_BODY:
            return False
        while left > 0:
            got = self.rfile.read(min(left, 65536))
            if not got:
                return False
            left -= len(got)
        return True

    # --- responses ------------------------------------------------------
    def start(self, code, ctype=None, length=None, extra=()):
        self.answered += 1
        limit = self.server.max_requests_per_conn
        if limit and self.answered >= limit:
            self.close_connection = True  # the keepalive limit
        self.send_response(code)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        else:
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        self.status = code

    def send_bytes(self, code, body, ctype=JSON_TYPE, extra=()):
        self.start(code, ctype, len(body), extra)
        if self.command != "HEAD":
            self.wfile.write(body)
            self.sent += len(body)

    def send_json(self, code, obj, extra=()):
        self.send_bytes(code, dumps(obj), JSON_TYPE, extra)

    def send_empty(self, code, extra=()):
        self.start(code, None, None, extra)

    def send_pattern(self, total):
        self.start(200, "application/octet-stream", total)
        if self.command == "HEAD":
            return
        off = 0
        while off < total:
            n = min(65536, total - off)
            self.wfile.write(pattern(off, n))
            off += n
            self.sent += n

    def send_chunked(self, total):
        self.start(200, "application/octet-stream", None,
                   (("Transfer-Encoding", "chunked"),))
        if self.command == "HEAD":
            return
        off = 0
        size = 1000  # a small first chunk, then 8 KiB ones
        while off < total:
            n = min(size, total - off)
            chunk = b"%x\r\n" % n + pattern(off, n) + b"\r\n"
            self.wfile.write(chunk)
            off += n
            self.sent += len(chunk)  # framing included, as nginx counts
            size = 8192
        self.wfile.write(b"0\r\n\r\n")
        self.sent += 5

    def send_reset(self):
        """Headers promising RESET_TOTAL bytes, RESET_SENT of them, RST."""
        self.start(200, "application/octet-stream", RESET_TOTAL)
        self.wfile.write(pattern(0, RESET_SENT))
        self.sent += RESET_SENT
        # Let the peer acknowledge what was sent (bounded: 2 s), so the
        # reset cuts the response at a known byte, then close with
        # SO_LINGER 0: the kernel answers with RST instead of FIN.
        buf = bytearray(4)
        for _ in range(200):
            fcntl.ioctl(self.connection.fileno(), termios.TIOCOUTQ, buf)
            if struct.unpack("i", buf)[0] == 0:
                break
            time.sleep(0.01)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.close_connection = True
        self.server.mark_reset(self.connection)

    # --- dispatch -------------------------------------------------------
    def handle_any(self):
        self.t0 = time.monotonic()
        self.sent = 0
        self.status = 0
        try:
            if not self.read_body():
                self.close_connection = True
                self.send_json(400, {"version": self.server.version,
                                     "error": "bad request body"})
            else:
                self.route()
        finally:
            self.access_log()

    def route(self):
        v = self.server.version
        m = self.command
        path = self.path.split("?", 1)[0]
        mo = re.fullmatch(r"/api/items/" + ID_RE, path)
        if mo:
            i = mo.group(1)
            if m in ("GET", "HEAD"):
                self.send_json(200, {"version": v, "id": i, "items": [
                    {"sku": i + "-a", "qty": 1}, {"sku": i + "-b", "qty": 2}]})
            elif m == "POST":
                self.send_json(201, {"version": v, "id": i, "method": m,
                                     "ok": True})
            elif m in ("PUT", "PATCH"):
                self.send_json(200, {"version": v, "id": i, "method": m,
                                     "ok": True})
            elif m == "DELETE":
                self.send_empty(204)
            elif m == "OPTIONS":
                self.send_empty(204, (("Allow", ALLOW),))
            return
        if path == "/api/items":
            if m in ("GET", "HEAD"):
                self.send_json(200, {"version": v, "items": [
                    {"id": "1"}, {"id": "2"}, {"id": "3"}]})
            else:
                self.send_json(405, {"version": v,
                                     "error": "method not allowed"})
            return
        mo = re.fullmatch(r"/same/" + ID_RE, path)
        if mo:
            i = mo.group(1)
            self.send_json(200, {"id": i, "items": [
                {"sku": i + "-a", "qty": 1}, {"sku": i + "-b", "qty": 2}]})
            return
        mo = re.fullmatch(r"/(big|chunked|slow|status|lag)/([0-9]{1,10})", path)
        if mo:
            kind, n = mo.group(1), int(mo.group(2))
            if kind == "big" and n <= MAX_BIG:
                self.send_pattern(n)
            elif kind == "chunked" and n <= MAX_BIG:
                self.send_chunked(n)
            elif kind == "slow" and n <= MAX_SLOW_MS:
                time.sleep(n / 1000.0)
                self.send_json(200, {"version": v, "slept_ms": n})
            elif kind == "lag" and n <= MAX_SLOW_MS:
                if self.server.lag_route:
                    time.sleep(n / 1000.0)
                self.send_json(200, {"version": v, "lag_ms": n})
            elif kind == "status" and 200 <= n <= 599:
                if n in (204, 304):
                    self.send_empty(n)
                else:
                    self.send_json(n, {"version": v, "status": n})
            else:
                self.send_json(400, {"version": v, "error": "out of range"})
            return
        mo = re.fullmatch(r"/cmp/(rename|number|stamp|error|slow|gzip|same)/"
                          r"([0-9]{1,9})", path)
        if mo:
            self.send_cmp(mo.group(1), int(mo.group(2)), v)
            return
        if path == "/reset":
            if self.server.reset_route and m != "HEAD":
                self.send_reset()
            else:
                self.send_pattern(RESET_TOTAL)
            return
        self.send_json(404, {"version": v, "error": "not found"})

    # --- /cmp: the comparator's lab scenario (one difference per route) ---
    def send_cmp(self, kind, i, v):
        """Version 2 differs from version 1 in one way per route: a renamed
        field, a number beyond tolerance, an added (ignored) timestamp, a 500,
        3 s of delay, a gzip-encoded body; /cmp/same is identical."""
        doc = {"id": i, "name": "item-%d" % i, "price": 10.25,
               "tags": ["a", "b"], "meta": {"owner": "lab", "rev": 3}}
        if v == 1 or kind == "same":
            self.send_json(200, doc)
            return
        if kind == "rename":
            doc["title"] = doc.pop("name")
        elif kind == "number":
            doc["price"] = 10.75
        elif kind == "stamp":
            doc["meta"]["timestamp"] = time.time()
        elif kind == "error":
            self.send_json(500, {"error": "internal", "id": i})
            return
        elif kind == "slow":
            time.sleep(3.0)
        elif kind == "gzip":
            import gzip
            body = gzip.compress(dumps(doc), mtime=0)
            self.send_bytes(200, body, JSON_TYPE,
                            extra=(("Content-Encoding", "gzip"),))
            return
        self.send_json(200, doc)

    def access_log(self):
        t = time.localtime()
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", t)
        ua = self.headers.get("User-Agent", "-") if self.headers else "-"
        addr = self.client_address[0]
        if addr.startswith("::ffff:") and "." in addr:
            addr = addr[7:]  # an IPv4 client of the dual-stack socket
        line = '%s - - [%s] "%s" %d %d %.3f "%s"\n' % (
            addr, stamp, self.requestline, self.status, self.sent,
            time.monotonic() - self.t0, ua)
        self.server.log(line)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = handle_any
    do_DELETE = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, addr, family, version, reset_route, logpath,
                 lag_route=False, max_requests_per_conn=0):
        self.address_family = family
        self.max_requests_per_conn = max_requests_per_conn
        self.version = version
        self.reset_route = reset_route
        self.lag_route = lag_route
        self.log_lock = threading.Lock()
        self.logf = open(logpath, "a", buffering=1)
        self.resets = set()
        super().__init__(addr, Handler)

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            # "::" takes IPv4 too: one server for 10.88.0.20 and fd88::20.
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def log(self, line):
        with self.log_lock:
            self.logf.write(line)

    def mark_reset(self, sock):
        with self.log_lock:
            self.resets.add(sock)

    def shutdown_request(self, request):
        # A reset connection is closed without shutdown(SHUT_WR), which
        # would send a FIN before the RST.
        with self.log_lock:
            reset = request in self.resets
            self.resets.discard(request)
        if reset:
            self.close_request(request)
        else:
            super().shutdown_request(request)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="::")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--version", type=int, required=True)
    ap.add_argument("--reset-route", action="store_true",
                    help="/reset sends part of its body then a TCP RST")
    ap.add_argument("--lag-route", action="store_true",
                    help="/lag/{ms} answers after ms (else at once)")
    ap.add_argument("--max-requests-per-conn", type=int, default=0,
                    metavar="N",
                    help="close a connection after its Nth answer, which "
                    "says 'Connection: close' (0, the default: no limit)")
    ap.add_argument("--log", required=True, help="access log (appended)")
    ap.add_argument("--pidfile", help="written once listening")
    ap.add_argument("--tag", help="ignored; marks the command line")
    a = ap.parse_args()
    family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    if a.max_requests_per_conn < 0:
        ap.error("--max-requests-per-conn must be 0 or more")
    srv = Server((a.host, a.port), family, a.version, a.reset_route, a.log,
                 a.lag_route, a.max_requests_per_conn)
    if a.pidfile:
        tmp = a.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, a.pidfile)
    try:
        srv.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
