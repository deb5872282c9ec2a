#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Capture tests: every capture in shared/pcaps goes through the real umbra
binary, and the multiset of (method, uri) and the multiset of response status
codes must equal what tshark reads from the same file, except for the
differences a file's expected/<capture>.txt declares with a reason.

tshark is asked for HTTP over TCP only ('http.request && tcp'): SSDP over UDP
is also "HTTP" to tshark but is not an exchange umbra follows. Its EK output
gives one JSON array per field, so pipelined requests in one frame are split
without guessing at commas. Interim responses (1xx other than 101) are not
counted on tshark's side: an exchange pairs a request with its final
response, and umbra reports the final status only. On umbra's side, the
status of a response cut off by the end of the capture (outcome
`incomplete`) or with bytes the capture lost (`resp_gap`) is not counted:
tshark shows a response only once its whole message is reassembled.

expected/<capture>.txt, one line per difference, each under a '#' reason:
    + req METHOD URI      umbra reports it, tshark does not
    - req METHOD URI      tshark reports it, umbra does not
    + status CODE         (same for status codes)
    - status CODE
A line may end with ' xN' for N copies. Lines are compared exactly: a new
difference, or a declared one that disappeared, fails the test.

usage: check_tshark.py UMBRA PCAP_DIR [NAME...]   (prints 'N passed, N failed')
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def tshark_fields(path, filt, fields):
    out = subprocess.run(
        ["tshark", "-n", "-r", path, "-Y", filt, "-T", "ek"] +
        sum([["-e", f] for f in fields], []),
        capture_output=True, text=True, timeout=300).stdout
    rows = []
    for line in out.splitlines():
        if '"layers"' not in line:
            continue
        layers = json.loads(line)["layers"]
        cols = [layers.get(f.replace(".", "_"), []) for f in fields]
        n = max(len(c) for c in cols) if cols else 0
        for i in range(n):
            rows.append(tuple(c[i] if i < len(c) else "" for c in cols))
    return rows


def tshark_view(path):
    reqs = collections.Counter(
        ("req", m, u) for m, u in
        tshark_fields(path, "http.request && tcp",
                      ["http.request.method", "http.request.uri"]))
    stats = collections.Counter(
        ("status", c) for (c,) in
        tshark_fields(path, "http.response && tcp", ["http.response.code"])
        if not (c.startswith("1") and len(c) == 3 and c != "101"))
    return reqs + stats


def umbra_view(umbra, path, workdir):
    out = os.path.join(workdir, "x.jsonl")
    summ = os.path.join(workdir, "s.json")
    r = subprocess.run([umbra, "--pcap", path, "--exchanges", out,
                        "--summary-json", summ, "--quiet"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("umbra exit %d: %s" % (r.returncode, r.stderr[-400:]))
    view = collections.Counter()
    with open(out) as f:
        for line in f:
            x = json.loads(line)
            view[("req", x["method"], x["uri"])] += 1
            if (x["status"] is not None and x["outcome"] != "incomplete"
                    and not x["resp_gap"]):
                view[("status", str(x["status"]))] += 1
    with open(summ) as f:
        s = json.load(f)
    if not s.get("accounting_ok"):
        raise RuntimeError("accounting: " + s.get("accounting", "?"))
    return view


def fmt(sign, key, n):
    body = " ".join(key)
    return "%s %s%s" % (sign, body, "" if n == 1 else " x%d" % n)


def diff_lines(mine, theirs):
    lines = []
    for k in sorted(set(mine) | set(theirs)):
        d = mine[k] - theirs[k]
        if d > 0:
            lines.append(fmt("+", k, d))
        elif d < 0:
            lines.append(fmt("-", k, -d))
    return lines


def expected_lines(name):
    p = os.path.join(HERE, "expected", name + ".txt")
    if not os.path.exists(p):
        return [], True
    lines, reasoned = [], True
    pending_reason = False
    with open(p) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("#"):
                pending_reason = True
                continue
            if not line.strip():
                continue
            if not pending_reason:
                reasoned = False
            lines.append(line)
    return lines, reasoned


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    umbra, pcap_dir = sys.argv[1], sys.argv[2]
    names = sys.argv[3:]
    if not names:
        with open(os.path.join(pcap_dir, "INDEX.tsv")) as f:
            names = [l.split("\t")[0] for l in f.read().splitlines()[1:] if l]
    write = os.environ.get("UMB_WRITE_EXPECTED") == "1"
    passed = failed = 0
    for name in names:
        path = os.path.join(pcap_dir, name)
        try:
            with tempfile.TemporaryDirectory() as wd:
                mine = umbra_view(umbra, path, wd)
            got = diff_lines(mine, tshark_view(path))
        except Exception as e:  # a crash or a bad run is a failure, said why
            print("FAIL %s: %s" % (name, e))
            failed += 1
            continue
        want, reasoned = expected_lines(name)
        if write and got != want:
            with open(os.path.join(HERE, "expected", name + ".txt"), "w") as f:
                f.write("# TODO: explain\n" + "\n".join(got) + "\n")
        if sorted(got) == sorted(want) and reasoned:
            print("ok %s (%d declared differences)" % (name, len(want)))
            passed += 1
        else:
            failed += 1
            print("FAIL %s" % name)
            if not reasoned:
                print("    a declared difference has no '#' reason above it")
            for l in sorted(set(got) - set(want)):
                print("    new:      " + l)
            for l in sorted(set(want) - set(got)):
                print("    missing:  " + l)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
