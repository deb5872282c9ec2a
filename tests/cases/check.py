#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check umbra's output for one capture case against its expected.json.

usage: check.py EXPECTED.json EXCHANGES.jsonl SUMMARY.json

expected.json:
  {"notes": "...",
   "exchanges": [{"method": "GET", "uri": "/a", "status": 200, ...}, ...],
   "counters": {"tcp.retransmit": ">=1", "decode.not_ip": "==2"}}

Every output line must be a JSON object with the exchange keys and types
(schema check). Expected exchanges list only the keys they check; they are
matched to output lines as a multiset: each line matched once, every line
matched, counts equal (a maximum bipartite matching, so partial entries can
not steal a line another entry needs). A value is compared for equality,
types included (true is not 1); for numeric keys a string "OP N" with OP in
== != >= <= > < compares instead, and a list of such strings must all hold
(a range: [">=10", "<20"]). Counters are "group.name" of the summary
JSON, with the same OP strings or a plain integer (==); a counter missing
from the summary is a failure.

Prints nothing and exits 0 when the output matches; otherwise the first line
says why and the following lines show the difference; exits 1.
Python 3 standard library only.
"""

import json
import re
import sys

OUTCOMES = {"complete", "no_response", "incomplete", "gap", "parse_error",
            "unsupported"}
NUMERIC = {"ts", "status", "req_body_bytes", "resp_body_bytes", "ttfb_us",
           "ttlb_us"}
OP_RE = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$")
EP4_RE = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{1,3}){3}:[0-9]{1,5}$")
EP6_RE = re.compile(r"^\[[0-9a-fA-F:.]+\]:[0-9]{1,5}$")
HASH_RE = re.compile(r"^[0-9a-f]{16}$")
MAX_SHOWN = 12


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def schema_errors(x):
    """Reasons an output line is not a well-formed exchange record."""
    errs = []

    def need(key, ok, what):
        if key not in x:
            errs.append("missing key %s" % key)
        elif not ok(x[key]):
            errs.append("%s=%s is not %s" % (key, json.dumps(x[key]), what))

    need("ts", lambda v: is_num(v) and v > 0, "a positive number")
    for k in ("client", "server"):
        need(k, lambda v: isinstance(v, str) and
             (EP4_RE.match(v) or EP6_RE.match(v)), "ip:port / [ip6]:port")
    need("method", lambda v: isinstance(v, str) and v, "a non-empty string")
    need("uri", lambda v: isinstance(v, str), "a string")
    need("host", lambda v: v is None or isinstance(v, str), "string or null")
    need("status", lambda v: v is None or (is_int(v) and 100 <= v <= 999),
         "null or an int 100..999")
    for k in ("req_body_bytes", "resp_body_bytes"):
        need(k, lambda v: is_int(v) and v >= 0, "an int >= 0")
    need("resp_body_hash", lambda v: v is None or
         (isinstance(v, str) and HASH_RE.match(v)),
         "null or 16 lowercase hex digits")
    for k in ("ttfb_us", "ttlb_us"):
        need(k, lambda v: v is None or (is_int(v) and v >= 0),
             "null or an int >= 0")
    need("outcome", lambda v: v in OUTCOMES, "one of " + ",".join(
        sorted(OUTCOMES)))
    for k in ("midstream", "pipelined"):
        need(k, lambda v: isinstance(v, bool), "a bool")
    if errs:
        return errs
    if is_int(x["ttfb_us"]) and is_int(x["ttlb_us"]) and \
            x["ttlb_us"] < x["ttfb_us"]:
        errs.append("ttlb_us %d < ttfb_us %d" % (x["ttlb_us"], x["ttfb_us"]))
    if x["outcome"] == "complete":
        for k in ("status", "ttfb_us", "ttlb_us", "resp_body_hash"):
            if x[k] is None:
                errs.append("outcome complete but %s is null" % k)
    return errs


def value_ok(key, exp, act):
    if isinstance(exp, list) and key in NUMERIC:
        return all(value_ok(key, e, act) for e in exp)
    if isinstance(exp, str) and key in NUMERIC:
        m = OP_RE.match(exp)
        if not m:
            raise ValueError("bad expectation %s=%r" % (key, exp))
        return compare(act, m.group(1), float(m.group(2)))
    if isinstance(exp, bool) or isinstance(act, bool):
        return isinstance(exp, bool) and isinstance(act, bool) and exp == act
    if exp is None or act is None:
        return exp is None and act is None
    if is_num(exp) and is_num(act):
        return exp == act
    return type(exp) is type(act) and exp == act


def compare(act, op, n):
    if not is_num(act):
        return False
    return {"==": act == n, "!=": act != n, ">=": act >= n, "<=": act <= n,
            ">": act > n, "<": act < n}[op]


def entry_ok(exp, act):
    return all(k in act and value_ok(k, v, act[k]) for k, v in exp.items())


def match(expected, actual):
    """Maximum bipartite matching (Kuhn). Returns exp index -> act index."""
    adj = [[j for j, a in enumerate(actual) if entry_ok(e, a)]
           for e in expected]
    owner = {}

    def augment(i, seen):
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(expected)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def brief(x, keys=None):
    if keys is None:
        keys = [k for k in ("method", "uri", "status", "outcome",
                            "resp_body_bytes", "req_body_bytes",
                            "resp_body_hash", "ttfb_us", "ttlb_us",
                            "midstream", "pipelined",
                            "client", "server") if k in x]
    return "{" + ", ".join("%s: %s" % (k, json.dumps(x.get(k)))
                           for k in keys) + "}"


def diff_lines(expected, actual, m):
    out = []
    used = set(m.values())
    free = [j for j in range(len(actual)) if j not in used]
    missing = [i for i in range(len(expected)) if i not in m]
    for i in missing[:MAX_SHOWN]:
        e = expected[i]
        out.append("  expected #%d not found: %s" % (i, brief(e, list(e))))
        cands = free or list(range(len(actual)))
        if not cands:
            continue
        best = max(cands, key=lambda j: sum(
            1 for k, v in e.items()
            if k in actual[j] and value_ok(k, v, actual[j][k])))
        a = actual[best]
        bad = ["%s: expected %s, got %s" % (k, json.dumps(v),
                                            json.dumps(a.get(k, "<absent>")))
               for k, v in e.items()
               if k not in a or not value_ok(k, v, a[k])]
        out.append("    closest output line %d: %s" % (best + 1, "; ".join(
            bad)))
    if len(missing) > MAX_SHOWN:
        out.append("  ... %d more expected entries not found" %
                   (len(missing) - MAX_SHOWN))
    for j in free[:MAX_SHOWN]:
        out.append("  unexpected output line %d: %s" % (j + 1,
                                                        brief(actual[j])))
    if len(free) > MAX_SHOWN:
        out.append("  ... %d more unexpected output lines" %
                   (len(free) - MAX_SHOWN))
    return out


def check_counters(counters, summary):
    out = []
    for name, exp in counters.items():
        group, _, ctr = name.partition(".")
        g = summary.get(group)
        if not isinstance(g, dict) or ctr not in g:
            out.append("  counter %s missing from the summary" % name)
            continue
        act = g[ctr]
        if is_int(exp):
            op, n = "==", exp
        else:
            m = OP_RE.match(str(exp))
            if not m:
                raise ValueError("bad counter expectation %s=%r" % (name, exp))
            op, n = m.group(1), float(m.group(2))
        if not compare(act, op, n):
            out.append("  counter %s = %s, expected %s" % (
                name, json.dumps(act), exp if not is_int(exp) else
                "== %d" % exp))
    return out


def main(argv):
    if len(argv) != 4:
        print("usage: check.py EXPECTED.json EXCHANGES.jsonl SUMMARY.json")
        return 2
    with open(argv[1]) as f:
        exp = json.load(f)
    actual = []
    problems = []
    try:
        with open(argv[2], "rb") as f:
            raw = f.read()
    except OSError as e:
        print("no exchanges file: %s" % e)
        return 1
    for n, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            problems.append("  line %d is empty" % n)
            continue
        try:
            x = json.loads(line)
        except ValueError as e:
            problems.append("  line %d is not JSON (%s): %s" % (n, e,
                                                                line[:200]))
            continue
        if not isinstance(x, dict):
            problems.append("  line %d is not an object" % n)
            continue
        for err in schema_errors(x):
            problems.append("  line %d: %s" % (n, err))
        actual.append(x)
    if problems:
        print("malformed exchange records (%d problems)" % len(problems))
        print("\n".join(problems[:MAX_SHOWN * 2]))
        return 1
    try:
        with open(argv[3]) as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        print("summary JSON unreadable: %s" % e)
        return 1
    if not isinstance(summary, dict):
        print("summary JSON is not an object")
        return 1

    expected = exp.get("exchanges", [])
    m = match(expected, actual)
    reasons = []
    details = []
    if len(m) != len(expected) or len(actual) != len(expected):
        reasons.append("exchanges differ (%d expected, %d output, %d matched)"
                       % (len(expected), len(actual), len(m)))
        details += diff_lines(expected, actual, m)
    cdiff = check_counters(exp.get("counters", {}), summary)
    if cdiff:
        reasons.append("%d counter(s) wrong" % len(cdiff))
        details += cdiff
    if reasons:
        print("; ".join(reasons))
        print("\n".join(details))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
