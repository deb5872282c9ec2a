# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers of the capture cases (tests/cases/<case>/).

What the servers send is a pure function of the request (body_bytes,
chunk_sizes, echo_body), so a case script computes the bytes it expects the
appliance to see from what it asked for, never from the appliance's output.
Hashes are XXH64 seed 0 computed by the xxhsum tool (Debian package xxhash),
an implementation independent of the appliance's libxxhash calls.

Also: expected.json writing and the request sets several cases drive with
curl (REQSETS). Scapy helpers for mutations live in mutate.py.
"""

import json
import os
import random
import subprocess
import sys

def body_bytes(n, seed=None):
    """The n body bytes the servers send for /bytes/N (pseudo-random)."""
    if seed is None:
        seed = n
    return random.Random(seed).randbytes(n)


def chunk_sizes(n, seed, max_chunk):
    """Sizes (1..max_chunk) the chunked routes cut an n-byte body into."""
    rng = random.Random(seed * 7919 + 13)
    sizes = []
    left = n
    while left > 0:
        s = min(left, rng.randint(1, max_chunk))
        sizes.append(s)
        left -= s
    return sizes


def echo_body(method, req_body):
    """Response body of /echo/...: says what the server received."""
    import hashlib
    return ("%s %d %s\n" % (method, len(req_body),
                            hashlib.sha1(req_body).hexdigest())).encode()


def xxh64(data):
    """XXH64 seed 0 of data as 16 lowercase hex digits, via xxhsum -H1."""
    out = subprocess.run(["xxhsum", "-H1", "-"], input=data,
                         stdout=subprocess.PIPE, check=True).stdout
    h = out.split()[0].decode()
    if len(h) != 16:
        raise RuntimeError("unexpected xxhsum output: %r" % out)
    return h


def exchange(method, uri, status, body=None, outcome="complete", **extra):
    """One expected exchange. body (bytes) sets resp_body_bytes and hash."""
    x = {"method": method, "uri": uri, "status": status, "outcome": outcome}
    if body is not None:
        x["resp_body_bytes"] = len(body)
        x["resp_body_hash"] = xxh64(body)
    x.update(extra)
    return x


def out_path(case_dir, name):
    """Where a case script writes NAME: $UMB_OUT while make.sh runs (it
    moves the files into the case folder once its checks passed)."""
    return os.path.join(os.environ.get("UMB_OUT", case_dir), name)


def write_expected(case_dir, notes, exchanges, counters, **extra):
    doc = {"notes": notes, "exchanges": exchanges, "counters": counters}
    doc.update(extra)
    path = out_path(case_dir, "expected.json")
    # one exchange per line: a diff of expected.json reads like a table
    parts = []
    for k, v in doc.items():
        if k == "exchanges":
            body = ",\n".join("  " + json.dumps(x) for x in v)
            parts.append(' "exchanges": [\n%s\n ]' % body if v
                         else ' "exchanges": []')
        else:
            parts.append(" %s: %s" % (json.dumps(k), json.dumps(v)))
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")
    json.load(open(path))


# --- request sets driven by curl against lib/httpd.py ------------------------

# name -> [(method, uri, request body size or None)]; request body i of a set
# is body_bytes(size, 900 + i). Used by umb_curl_reqs (common.sh).
REQSETS = {
    # a keep-alive mix: multi-segment request body, a 100 KB Content-Length
    # body, a 404 with a body, a chunked body, a tiny body
    "base": [("GET", "/bytes/3000", None),
             ("POST", "/echo/200", 6000),
             ("GET", "/bytes/100000", None),
             ("GET", "/status/404/120", None),
             ("GET", "/chunked/20000", None),
             ("GET", "/bytes/10", None)],
    # four requests with distinct statuses; the second response is large
    "four": [("GET", "/bytes/2000", None),
             ("GET", "/status/404/30000", None),
             ("GET", "/status/202/700", None),
             ("GET", "/bytes/5000", None)],
    "short": [("GET", "/bytes/700", None)],
    "pair": [("GET", "/bytes/1500", None),
             ("GET", "/bytes/40000", None)],
}


def request_body(setname, i):
    size = REQSETS[setname][i][2]
    return body_bytes(size, 900 + i) if size is not None else b""


def response_of(method, uri, req_body):
    """(status, body) lib/httpd.py answers; mirrors its routes."""
    parts = uri.split("?")[0].strip("/").split("/")
    args = [int(x) for x in parts[1:] if x.isdigit()]
    n = args[0] if args else 0
    route = parts[0]
    if route in ("bytes", "chunked", "trailers", "close10", "close11",
                 "clclose"):
        status, body = 200, body_bytes(n)
    elif route == "delay":
        status, body = 200, body_bytes(args[1] if len(args) > 1 else 0)
    elif route == "drip":
        status, body = 200, body_bytes(n)
    elif route == "status":
        status = n
        body = body_bytes(args[1] if len(args) > 1 else 0)
    elif route == "echo":
        status, body = n or 200, echo_body(method, req_body)
    else:
        status, body = 404, b"not found\n"
    if method == "HEAD" or status in (204, 304):
        body = b""
    return status, body


def reqset_exchanges(setname, port, cport, host="127.0.0.1", **extra):
    """Expected exchanges (all complete) of one umb_curl_reqs connection."""
    ep = "[%s]" % host if ":" in host else host
    out = []
    for i, (m, u, _) in enumerate(REQSETS[setname]):
        req = request_body(setname, i)
        status, body = response_of(m, u, req)
        x = exchange(m, u, status, body, req_body_bytes=len(req),
                     host="%s:%d" % (ep, port),
                     client="%s:%d" % (ep, cport),
                     server="%s:%d" % (ep, port),
                     midstream=False, pipelined=False)
        x.update(extra)
        out.append(x)
    return out


if __name__ == "__main__":
    # umbcase.py body N [SEED]: write body_bytes(N, SEED) to stdout, so a
    # make.sh can cmp what a client downloaded with what the server sent.
    # umbcase.py reqs SET DIR: write request bodies DIR/reqI, print
    # "method uri bodyfile|-" lines for umb_curl_reqs.
    # umbcase.py check SET DIR: DIR/respI must be what the server sends.
    if len(sys.argv) >= 3 and sys.argv[1] == "body":
        seed = int(sys.argv[3]) if len(sys.argv) > 3 else None
        sys.stdout.buffer.write(body_bytes(int(sys.argv[2]), seed))
    elif len(sys.argv) == 4 and sys.argv[1] == "reqs":
        for i, (m, u, n) in enumerate(REQSETS[sys.argv[2]]):
            f = "-"
            if n is not None:
                f = os.path.join(sys.argv[3], "req%d" % i)
                with open(f, "wb") as out:
                    out.write(request_body(sys.argv[2], i))
            print(m, u, f)
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        for i, (m, u, n) in enumerate(REQSETS[sys.argv[2]]):
            _, body = response_of(m, u, request_body(sys.argv[2], i))
            with open(os.path.join(sys.argv[3], "resp%d" % i), "rb") as f:
                if f.read() != body:
                    sys.exit("response %d (%s %s) is not what httpd.py "
                             "sends" % (i, m, u))
    else:
        sys.exit("usage: umbcase.py body N [SEED] | reqs SET DIR | "
                 "check SET DIR")
