#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live mirroring end to end, in the lab (scripts/lab, docs/lab.md): umbra
# reads the SPAN tap and is the shadow's TCP peer on the shadow link.
#  1. share 100%: every request is mirrored and completes; equal bodies give
#     equal hashes (/same, /big, /chunked), version 1 vs 2 differ (/api);
#     the shadow's access log holds exactly the mirrored requests, from
#     umbra's address; keep-alive connections stay one flow;
#  2. share 10% over 2000 connections: sampled flows within binomial
#     bounds; raised to 50% live while keep-alive connections run: flows
#     sampled before keep being mirrored (every request), flows the raise
#     picks are mirrored from their next request, new flows are sampled at
#     about 50%;
#  3. methods: only GET/HEAD/OPTIONS reach the shadow; POST/PUT/PATCH/DELETE
#     are suppressed (no byte of them reaches the shadow) while production
#     answers them all; the allowed requests after them on the same
#     connection go on a new shadow connection;
#  4. production is untouched: every client request succeeds while umbra
#     runs, once it has stopped, and across a kill -9;
#  5. faults: 5% loss on the shadow link (all complete), 20% of its frames
#     reordered each way (all complete, bodies equal), the shadow
#     unreachable (shadow_timeout, umbra keeps answering, then completes
#     again), a route 3 s slower on the shadow (shadow ttfb), a route slower
#     than the response timeout, a reset mid-response (shadow_reset), the
#     shadow refusing connections (shadow_reset);
#  6. 50 requests on one connection, 5 MB and chunked 3 MB responses, a
#     suppressed 3 MB POST;
#  7. IPv6 clients, mirrored over IPv6 (umbra answers the shadow's neighbour
#     solicitations and resolves it);
#  8. two reassembly lcores: every exchange completes (IPv4 and IPv6).
# After each run: SIGINT stops umbra with exit 0 and "accounting: ok", no
# sanitizer report, the tap port sent nothing, and the shadow holds no
# connection from umbra (every session ended in FIN or RST).
# usage: tests/live/test_mirror.sh UMBRA  (prints 'N passed, N failed[, N skipped]')
# Root only (skips otherwise). About a minute. Takes the lab down at the end.
# UMB_KEEP=1 keeps the work directory (exchange lines, summaries, output).
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 UMBRA" >&2; exit 2; }
UMBRA=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${UMB_PY:-/usr/bin/python3}
. "$ROOT/tests/live/lib.sh"
skip=0
# finish: lib.sh's, plus the skips this suite counts
finish() {
  if [ "$skip" -gt 0 ]; then
    echo "$pass passed, $fail failed, $skip skipped"
  else
    echo "$pass passed, $fail failed"
  fi
  [ "$fail" -eq 0 ]
  exit
}

live_need_root
[ -x "$UMBRA" ] || { ko "umbra binary" "$UMBRA is not executable"; finish; }

W=$(mktemp -d /tmp/umb-mirror.XXXXXX)
PREFIX=umbmirror$$
upid=
BG=()
# shellcheck disable=SC2317 # run by the trap
cleanup() {
  local p
  for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ -n "$upid" ] && kill -9 "$upid" 2>/dev/null
  lab_cleanup "$PREFIX-*"
}
trap cleanup EXIT

# A fresh lab: servers started by this version of scripts/lab (the shadow
# needs --lag-route).
lab_fresh
export W SHADOW_LOG PROD_LOG UMBRA_SHADOW_IP UMBRA_SHADOW_IP6  # for ana.py
P=$PROD_IP
CLIENT=(timeout 60 ip netns exec "$CLIENT_NS")

# ---------------------------------------------------------------------------
# Helpers run in the client namespace (python: one connection per request,
# keep-alive sequences, a persistent-connection driver).
cat >"$W/client.py" <<'PY'
import http.client, json, os, re, sys, threading, time

EXPECT = {"GET": 200, "HEAD": 200, "OPTIONS": 204, "POST": 201, "PUT": 200,
          "PATCH": 200, "DELETE": 204}


def expected(method, path):
    return EXPECT[method] if path.startswith("/api/items/") else 200


def one(c, ua, method, path, body=None):
    hdr = {"User-Agent": ua}
    if body is not None:
        hdr["Content-Type"] = "application/octet-stream"
    c.request(method, path, body=body, headers=hdr)
    r = c.getresponse()
    return r.status, len(r.read())


def cmd_conn(host, ua, specs):
    """One connection; SPEC = METHOD:PATH[:BODY_BYTES] or SLEEP:MS."""
    c = http.client.HTTPConnection(host, 80, timeout=30)
    bad = 0
    for spec in specs:
        parts = spec.split(":")
        if parts[0] == "SLEEP":
            time.sleep(int(parts[1]) / 1000.0)
            continue
        method, path = parts[0], parts[1]
        body = None
        if len(parts) > 2:
            n = int(parts[2])
            body = (b"0123456789abcdef" * (n // 16 + 1))[:n]
        try:
            st, n = one(c, ua, method, path, body)
        except Exception as e:
            print("%s %s ERR %r" % (method, path, e))
            return 1
        print("%s %s %d %d" % (method, path, st, n))
        if st != expected(method, path):
            bad = 1
    c.close()
    return bad


def cmd_short(host, ua, prefix, n, rate, threads):
    """n connections, one GET each, the client closing first (its port
    stays in TIME_WAIT: no 4-tuple is used twice), at most rate/s."""
    res = {"n": n, "ok": 0, "bad": []}
    lock = threading.Lock()
    t0 = time.monotonic()

    def worker(k):
        for i in range(k, n, threads):
            d = t0 + i / rate - time.monotonic()
            if d > 0:
                time.sleep(d)
            path = "/api/items/%s-%d" % (prefix, i)
            try:
                c = http.client.HTTPConnection(host, 80, timeout=10)
                st, _ = one(c, ua, "GET", path)
                c.close()
                good, why = st == 200, "status %d" % st
            except Exception as e:
                good, why = False, repr(e)
            with lock:
                if good:
                    res["ok"] += 1
                elif len(res["bad"]) < 10:
                    res["bad"].append("%s: %s" % (path, why))

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    res["seconds"] = round(time.monotonic() - t0, 2)
    print(json.dumps(res))
    return 0 if res["ok"] == n else 1


def cmd_keep(host, ua, prefix, d, shadow_log, max_secs):
    """Persistent connections, a GET each every 100 ms on each, URI
    /api/items/PREFIX-CONN-PHASE-SEQ (PHASE b once d/phase_b exists).
    Starts 20, adds 10 a second (up to 80) until the shadow log shows 3 of
    them, then creates d/ready. Ends at d/stop or max_secs; d/keep.json."""
    conns, errors = [], []

    def add(k):
        for _ in range(k):
            conns.append([len(conns), http.client.HTTPConnection(host, 80, timeout=10),
                          {"a": 0, "b": 0}])

    def mirrored():
        try:
            with open(shadow_log, errors="replace") as f:
                text = f.read()
        except OSError:
            return 0
        return len(set(re.findall(r"/api/items/%s-(\d+)-" % re.escape(prefix), text)))

    add(20)
    t0 = last_add = time.monotonic()
    ready, seq = False, 0
    while time.monotonic() - t0 < max_secs and not os.path.exists(os.path.join(d, "stop")):
        tick = time.monotonic()
        # Between rounds, the test may pause the driver (d/pause; we
        # answer d/paused) to change the share before phase b starts, so
        # no "a" request is in flight across the change.
        if os.path.exists(os.path.join(d, "pause")) and \
                not os.path.exists(os.path.join(d, "phase_b")):
            open(os.path.join(d, "paused"), "w").close()
            while not os.path.exists(os.path.join(d, "phase_b")) and \
                    time.monotonic() - t0 < max_secs:
                time.sleep(0.02)
            tick = time.monotonic()
        phase = "b" if os.path.exists(os.path.join(d, "phase_b")) else "a"
        for e in conns:
            if e[1] is None:
                continue
            path = "/api/items/%s-%d-%s-%d" % (prefix, e[0], phase, seq)
            try:
                st, _ = one(e[1], ua, "GET", path)
                e[2][phase] += 1
                if st != 200:
                    errors.append("%s: status %d" % (path, st))
            except Exception as ex:
                errors.append("%s: %r" % (path, ex))
                e[1].close()
                e[1] = None
        seq += 1
        if not ready and tick - last_add >= 1.0:
            last_add = tick
            if mirrored() >= 3 or len(conns) >= 80:
                ready = True
                open(os.path.join(d, "ready"), "w").close()
            else:
                add(10)
        left = 0.1 - (time.monotonic() - tick)
        if left > 0:
            time.sleep(left)
    for e in conns:
        if e[1] is not None:
            e[1].close()
    out = {"conns": {str(e[0]): e[2] for e in conns},
           "alive": sum(1 for e in conns if e[1] is not None),
           "errors": errors[:20], "nerrors": len(errors)}
    with open(os.path.join(d, "keep.json"), "w") as f:
        json.dump(out, f)
    return 0 if not errors else 1


a = sys.argv[1:]
if a[0] == "conn":
    sys.exit(cmd_conn(a[1], a[2], a[3:]))
if a[0] == "short":
    sys.exit(cmd_short(a[1], a[2], a[3], int(a[4]), float(a[5]), int(a[6])))
if a[0] == "keep":
    sys.exit(cmd_keep(a[1], a[2], a[3], a[4], a[5], float(a[6])))
sys.exit(2)
PY

# ---------------------------------------------------------------------------
# The checks on umbra's exchange lines and the servers' access logs. Each
# test's requests carry a tag in their URI ('/api/items/t3-...', '?t1-...');
# $W/expect.TEST lists them as 'CONN METHOD URI STATUS'.
# usage: ana.py TEST XJSONL [ARGS]; prints 'ok ...' / 'FAIL ...: ...' lines.
cat >"$W/ana.py" <<'PY'
import collections, json, math, os, re, sys

W = os.environ["W"]
SHADOW_LOG, PROD_LOG = os.environ["SHADOW_LOG"], os.environ["PROD_LOG"]
UMBRA_IP = os.environ["UMBRA_SHADOW_IP"]
UMBRA_IP6 = os.environ["UMBRA_SHADOW_IP6"]
LOG_RE = re.compile(r'^(\S+) - - \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d+) (\d+) \S+ "(.*)"$')


def ok(m):
    print("ok " + m)


def ko(m, why):
    print("FAIL %s: %s" % (m, why))


# A mirrored exchange both sides completed ends compared: match or mismatch.
DONE = ("match", "mismatch")


def check(cond, m, why):
    ok(m) if cond else ko(m, why)


def tagged(tag, uri):
    return re.search(r"[/?]%s-" % re.escape(tag), uri) is not None


def lines(path, tag):
    out = []
    try:
        f = open(path, errors="replace")
    except OSError:
        return out
    with f:
        for ln in f:
            try:
                x = json.loads(ln)
            except ValueError:
                continue
            if tagged(tag, x.get("uri", "")):
                out.append(x)
    return out


def access(path, tag):
    """(addr, method, uri, status) of the access-log lines of a tag."""
    out = []
    try:
        f = open(path, errors="replace")
    except OSError:
        return out
    with f:
        for ln in f:
            m = LOG_RE.match(ln.rstrip("\n"))
            if m and tagged(tag, m.group(3)):
                out.append((m.group(1), m.group(2), m.group(3), int(m.group(4))))
    return out


def expect(test):
    out = []
    try:
        with open(os.path.join(W, "expect." + test)) as f:
            for ln in f:
                c, m, u, s = ln.split()
                out.append((c, m, u, int(s)))
    except OSError:
        pass
    return out


def short(x):
    keys = ("method", "uri", "status", "outcome", "shadow_status", "ttfb_us",
            "shadow_ttfb_us", "resp_body_bytes", "shadow_resp_body_bytes",
            "resp_body_hash", "shadow_resp_body_hash", "flow", "index")
    return json.dumps({k: x.get(k) for k in keys if k in x}, separators=(",", ":"))


def basic(test, xs, exp):
    """One line per request (and none other), production's status, and
    one flow per client connection."""
    by = collections.defaultdict(list)
    for x in xs:
        by[x["uri"]].append(x)
    missing = [u for _, _, u, _ in exp if u not in by]
    dup = [u for u, v in by.items() if len(v) > 1]
    extra = [u for u in by if u not in {e[2] for e in exp}]
    check(not missing and not dup and not extra and len(xs) == len(exp),
          "%s: one exchange line per request (%d)" % (test, len(exp)),
          "%d lines for %d requests; missing %s; twice %s; unexpected %s"
          % (len(xs), len(exp), missing[:5], dup[:5], extra[:5]))
    bad = [(u, s, by[u][0].get("status")) for _, _, u, s in exp
           if u in by and by[u][0].get("status") != s]
    check(not bad, "%s: production's status on every line" % test,
          "uri, expected, line: %s" % bad[:5])
    flows = collections.defaultdict(set)
    for c, _, u, _ in exp:
        if u in by:
            flows[c].add(by[u][0]["flow"])
    owners = collections.Counter(f for v in flows.values() for f in v)
    split = {c: sorted(v) for c, v in flows.items() if len(v) > 1}
    shared = [f for f, n in owners.items() if n > 1]
    check(not split and not shared,
          "%s: each client connection is one flow (%d connections)" % (test, len(flows)),
          "connections with several flows %s, flows shared by connections %s"
          % (list(split.items())[:3], shared[:5]))
    return {u: v[0] for u, v in by.items()}


def binom(k, n, p):
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    return abs(k - mean) <= 5 * sd, "%d of %d, expected %.0f +- %.0f (5 sigma)" % (
        k, n, mean, 5 * sd)


def shadow_matches(test, exp_allowed, tag, umbra_ip=UMBRA_IP):
    sh = access(SHADOW_LOG, tag)
    got = collections.Counter((m, u) for _, m, u, _ in sh)
    want = collections.Counter((m, u) for _, m, u, _ in exp_allowed)
    check(got == want,
          "%s: the shadow's access log holds exactly the mirrored requests (%d)"
          % (test, sum(want.values())),
          "missing %s; unexpected %s" % (list((want - got).elements())[:5],
                                         list((got - want).elements())[:5]))
    addrs = sorted({a for a, _, _, _ in sh})
    ips = umbra_ip if isinstance(umbra_ip, tuple) else (umbra_ip,)
    check(all(a in ips for a in addrs),
          "%s: the shadow sees umbra's address %s" % (test, " or ".join(ips)),
          "addresses %s" % addrs)


def all_complete_same_bodies(test, xf, what, umbra_ip=UMBRA_IP):
    """Every line of TEST complete on both sides with the same body (the
    hash too, except /api where the versions differ); the shadow's log
    holds exactly those requests, from umbra's address."""
    exp = expect(test)
    xs = lines(xf, test)
    basic(test, xs, exp)
    bad = [short(x) for x in xs if x.get("outcome") not in DONE or x.get("shadow_status") != 200
           or x.get("shadow_resp_body_bytes") != x.get("resp_body_bytes")
           or (not x["uri"].startswith("/api/")
               and x.get("shadow_resp_body_hash") != x.get("resp_body_hash"))]
    check(xs and not bad,
          "%s: %s: all %d exchanges complete, same bodies "
          "(hashes equal where the versions do not differ)" % (test, what, len(xs)),
          "%d bad: %s" % (len(bad), bad[:3]))
    shadow_matches(test, exp, test, umbra_ip)
    return xs


def t1(xf):
    exp = expect("t1")
    xs = lines(xf, "t1")
    by = basic("t1", xs, exp)
    bad = [short(x) for x in xs if x.get("outcome") not in DONE or x.get("shadow_status") != 200]
    check(xs and not bad, "t1: every line complete with shadow_status 200",
          "%d bad: %s" % (len(bad), bad[:3]))
    same = [x for x in xs if x["uri"].startswith("/same/")]
    api = [x for x in xs if x["uri"].startswith("/api/items/")]
    gen = [x for x in xs if x["uri"].startswith(("/big/", "/chunked/"))]
    b1 = [short(x) for x in same + gen if x.get("resp_body_hash") is None
          or x.get("shadow_resp_body_hash") != x.get("resp_body_hash")]
    check(same and gen and not b1,
          "t1: equal bodies, equal hashes (%d /same, %d /big and /chunked)" % (len(same), len(gen)),
          "%s" % b1[:3])
    b2 = [short(x) for x in api if x.get("shadow_resp_body_hash") is None
          or x.get("shadow_resp_body_hash") == x.get("resp_body_hash")]
    check(api and not b2, "t1: version 1 vs 2 bodies, different hashes (%d /api/items)" % len(api),
          "%s" % b2[:3])
    b3 = []
    for x in gen:
        n = int(re.match(r"/\w+/(\d+)", x["uri"]).group(1))
        if x.get("resp_body_bytes") != n or x.get("shadow_resp_body_bytes") != n:
            b3.append(short(x))
    check(gen and not b3, "t1: /big and /chunked body bytes on both sides", "%s" % b3[:3])
    shadow_matches("t1", exp, "t1")


def t3(xf):
    exp = expect("t3")
    xs = lines(xf, "t3")
    by = basic("t3", xs, exp)
    prod = collections.Counter((m, u) for _, m, u, _ in access(PROD_LOG, "t3"))
    want = collections.Counter((m, u) for _, m, u, _ in exp)
    check(prod == want, "t3: production's access log shows every method (%d requests)" % len(exp),
          "missing %s; unexpected %s" % (list((want - prod).elements())[:5],
                                         list((prod - want).elements())[:5]))
    denied = ("POST", "PUT", "PATCH", "DELETE")
    everything = []
    try:
        with open(SHADOW_LOG, errors="replace") as f:
            for ln in f:
                m = LOG_RE.match(ln.rstrip("\n"))
                if m and m.group(2) in denied:
                    everything.append(ln.strip())
    except OSError:
        pass
    check(not everything, "t3: the shadow's access log has no POST, PUT, PATCH or DELETE at all",
          "%s" % everything[:3])
    # Per connection: requests before the first denied one are mirrored and
    # complete; the denied one is suppressed; the allowed ones after it go on
    # a new shadow connection (or say why not: not_mirrored, reopening).
    conns = collections.OrderedDict()
    for c, m, u, s in exp:
        conns.setdefault(c, []).append((m, u))
    allowed, sup_bad, before_bad, after = [], [], [], []
    for c, reqs in conns.items():
        cut = next((i for i, (m, _) in enumerate(reqs) if m in denied), len(reqs))
        for i, (m, u) in enumerate(reqs):
            x = by.get(u)
            if x is None:
                continue
            if i < cut:
                allowed.append((c, m, u, 0))
                if x.get("outcome") not in DONE or x.get("shadow_status") is None:
                    before_bad.append(short(x))
            elif i == cut:
                if x.get("outcome") != "suppressed" or x.get("shadow_status") is not None:
                    sup_bad.append(short(x))
            else:
                after.append(x)
    ndenied = sum(1 for _, m, _, _ in exp if m in denied)
    check(ndenied and not sup_bad,
          "t3: POST/PUT/PATCH/DELETE lines have outcome suppressed, no shadow status (%d)" % ndenied,
          "%s" % sup_bad[:4])
    check(allowed and not before_bad,
          "t3: GET/HEAD/OPTIONS before them complete with a shadow status (%d)" % len(allowed),
          "%s" % before_bad[:4])
    after_ok = [x for x in after if x.get("method") not in denied]
    after_bad = [short(x) for x in after_ok if not (
        x.get("outcome") in DONE and x.get("shadow_status") is not None)]
    after_mirrored = [x for x in after_ok if x.get("shadow_status") is not None]
    # The bytes of a request that comes while the previous shadow
    # connection closes are kept for the next one: every allowed request
    # after a denied one is mirrored, on a new connection.
    check(after_ok and not after_bad,
          "t3: allowed requests after a suppressed one go on a new shadow connection (%d of %d, outcomes %s)"
          % (len(after_mirrored), len(after_ok),
             dict(collections.Counter(x.get("outcome") for x in after_ok))),
          "%s" % after_bad[:4])
    allowed += [(None, x.get("method"), x.get("uri"), 0) for x in after_mirrored]
    sh_status = {u: s for _, m, u, s in access(SHADOW_LOG, "t3")}
    st_bad = [(u, by[u].get("shadow_status"), sh_status.get(u)) for _, _, u, _ in allowed
              if u in by and by[u].get("shadow_status") != sh_status.get(u)]
    check(not st_bad, "t3: shadow_status is the status the shadow logged", "%s" % st_bad[:4])
    shadow_matches("t3", allowed, "t3")


def t6(xf):
    exp = expect("t6")
    xs = lines(xf, "t6")
    by = basic("t6", xs, exp)
    many = [x for c, _, u, _ in exp if c == "many" for x in [by.get(u)] if x]
    bad = [short(x) for x in many if x.get("outcome") not in DONE or x.get("shadow_status") != 200]
    idx = sorted(x.get("index") for x in many)
    check(len(many) == 50 and not bad and idx == list(range(50)),
          "t6: 50 requests on one connection, all complete, indices 0..49",
          "%d lines, bad %s, indices %s" % (len(many), bad[:3], idx[:5]))
    for u, n, chunked in (("/big/5000000?t6-big", 5000000, False),
                          ("/chunked/3000000?t6-chunked", 3000000, True)):
        x = by.get(u)
        good = (x is not None and x.get("outcome") in DONE and
                x.get("shadow_status") == 200 and x.get("resp_body_bytes") == n and
                x.get("shadow_resp_body_bytes") == n and x.get("resp_body_hash") and
                x.get("shadow_resp_body_hash") == x.get("resp_body_hash") and
                bool(x.get("chunked")) == chunked)
        check(good, "t6: %s: complete, %d body bytes and the same hash on both sides" % (u, n),
              short(x) if x else "no line")
    x = by.get("/api/items/t6-post")
    good = (x is not None and x.get("outcome") == "suppressed" and x.get("status") == 201 and
            x.get("req_body_bytes") == 3 << 20 and x.get("shadow_status") is None)
    check(good, "t6: a 3 MiB POST: production answers 201, outcome suppressed",
          (short(x) + " req_body_bytes=%s" % x.get("req_body_bytes")) if x else "no line")
    burst = [by[u] for c, _, u, _ in exp if c == "burst" and u in by]
    outs = [x.get("outcome") for x in sorted(burst, key=lambda x: x.get("index", 0))]
    ncomplete = next((i for i, o in enumerate(outs) if o not in DONE), len(outs))
    tail_ok = all(o == "capped" for o in outs[ncomplete:])
    good = (len(burst) == 40 and ncomplete >= 32 and tail_ok and
            all(x.get("shadow_status") == 200 for x in burst if x.get("outcome") in DONE) and
            all(x.get("shadow_status") is None for x in burst if x.get("outcome") == "capped"))
    check(good, "t6: 40 requests back to back: %d complete, then %d capped (at most 32 wait for the shadow)"
          % (ncomplete, len(outs) - ncomplete),
          "outcomes in order %s" % outs)
    capped = {x["uri"] for x in burst if x.get("outcome") == "capped"}
    allowed = [e for e in exp if e[1] != "POST" and e[0] != "post" and e[2] not in capped]
    shadow_matches("t6", allowed, "t6")


def t5run1(xf):
    exp = expect("t5c")
    xs = lines(xf, "t5c")
    by = basic("t5c", xs, exp)
    lag = [x for x in xs if x["uri"].startswith("/lag/3000")]
    bad = [short(x) for x in lag if x.get("outcome") not in DONE or x.get("shadow_status") != 200
           or x.get("ttfb_us") is None or x.get("shadow_ttfb_us") is None
           or x["shadow_ttfb_us"] - x["ttfb_us"] < 2500000
           or x["shadow_ttfb_us"] > 6000000]
    check(lag and not bad,
          "t5: /lag/3000 (3 s slower on the shadow only): complete, shadow_ttfb_us - ttfb_us >= 2.5 s (%s)"
          % ", ".join("%.2f s" % ((x.get("shadow_ttfb_us") or 0) / 1e6) for x in lag),
          "%s" % bad[:3])
    rest = [short(x) for x in xs if x not in lag and (x.get("outcome") not in DONE
                                                       or x.get("shadow_status") != 200)]
    check(not rest, "t5: the request paced behind a lagging one completes", "%s" % rest[:3])
    exp = expect("t5a")
    xs = lines(xf, "t5a")
    by = basic("t5a", xs, exp)
    bad = [short(x) for x in xs if x.get("outcome") not in DONE or x.get("shadow_status") != 200
           or x.get("shadow_resp_body_bytes") != x.get("resp_body_bytes")]
    check(xs and not bad,
          "t5: 5%% loss on the shadow link: all %d exchanges complete, same body bytes" % len(xs),
          "%d bad: %s" % (len(bad), bad[:3]))
    shadow_matches("t5a", exp, "t5a")
    all_complete_same_bodies("t5r", xf, "reordering on the shadow link")


def t5run2(xf):
    def outcome(test, tag, want, what):
        exp = expect(test)
        xs = [x for x in lines(xf, tag)]
        basic(test, xs, exp)
        bad = [short(x) for x in xs if x.get("outcome") not in
               (DONE if want == "complete" else (want,))]
        check(xs and not bad, "%s: %s: outcome %s (%d)" % (test, what, want, len(xs)),
              "%s" % bad[:3])
        return xs
    xs = outcome("t5d", "t5d", "shadow_reset", "the shadow resets mid-response (/reset)")
    bad = [short(x) for x in xs if x.get("status") != 200 or x.get("resp_body_bytes") != 65536]
    check(not bad, "t5d: production's /reset answer is whole (65536 bytes)", "%s" % bad[:3])
    outcome("t5e", "t5e", "shadow_timeout", "the shadow answers after the response timeout (/lag/4000, timeout 2 s)")
    outcome("t5b-down", "t5bd", "shadow_timeout", "the shadow unreachable (100% loss)")
    outcome("t5b-up", "t5bu", "complete", "after the loss is removed")
    outcome("t5f-down", "t5fd", "shadow_reset", "the shadow refuses connections (server stopped)")
    outcome("t5f-up", "t5fu", "complete", "after the shadow server is back")


def t2(xf):
    res = {}
    for k in ("t2a", "t2c"):
        try:
            with open(os.path.join(W, k + ".json")) as f:
                res[k] = json.load(f)
        except (OSError, ValueError):
            res[k] = {"n": 0, "ok": 0}
    # 2a: 10% of the short connections
    xa = lines(xf, "t2a")
    fa = {x["flow"] for x in xa}
    good, why = binom(len(fa), res["t2a"]["ok"], 0.10)
    check(res["t2a"]["ok"] > 0 and good and len(fa) == len(xa),
          "t2: share 10%%: sampled flows within binomial bounds: %s" % why,
          "%s; %d lines" % (why, len(xa)))
    bad = [short(x) for x in xa if x.get("outcome") not in DONE or x.get("shadow_status") != 200]
    check(xa and not bad, "t2: the sampled short connections are mirrored, complete (%d)" % len(xa),
          "%d bad: %s" % (len(bad), bad[:3]))
    sh = collections.Counter(u for _, _, u, _ in access(SHADOW_LOG, "t2a"))
    want = collections.Counter(x["uri"] for x in xa)
    check(sh == want, "t2: the shadow got exactly the sampled short connections' requests",
          "missing %s; unexpected %s" % (list((want - sh).elements())[:5],
                                         list((sh - want).elements())[:5]))
    # 2b: keep-alive connections across the raise to 50%
    try:
        with open(os.path.join(W, "keep", "keep.json")) as f:
            keep = json.load(f)
    except (OSError, ValueError) as e:
        ko("t2: keep-alive driver", "no result: %r" % e)
        keep = {"conns": {}, "nerrors": -1}
    xk = lines(xf, "t2k")
    per = collections.defaultdict(lambda: {"a": [], "b": []})
    for x in xk:
        m = re.match(r"/api/items/t2k-(\d+)-([ab])-\d+$", x["uri"])
        if m:
            per[m.group(1)][m.group(2)].append(x)
    sampled = sorted((c for c, v in per.items() if v["a"]), key=int)
    nconn = len(keep["conns"])
    check(sampled, "t2: keep-alive connections sampled at 10%%: %d of %d" % (len(sampled), nconn),
          "none of %d (expected about %d)" % (nconn, nconn // 10))
    bad = []
    for c in sampled:
        k = keep["conns"].get(c, {"a": -1, "b": -1})
        flows = {x["flow"] for x in per[c]["a"] + per[c]["b"]}
        if (len(per[c]["a"]) != k["a"] or len(per[c]["b"]) != k["b"] or k["b"] <= 0
                or len(flows) != 1):
            bad.append("conn %s: lines a/b %d/%d, sent %d/%d, flows %s" % (
                c, len(per[c]["a"]), len(per[c]["b"]), k["a"], k["b"], sorted(flows)))
    check(sampled and not bad,
          "t2: after the raise to 50%%, the %d flows sampled before keep their flow id and get a line for every request"
          % len(sampled), "%s" % bad[:4])
    late = sorted((c for c, v in per.items() if not v["a"] and v["b"]), key=int)
    check(late, "t2: keep-alive flows the raise to 50%% picks are mirrored from their next request (%d)"
          % len(late), "no connection got lines after the raise")
    bad = [short(x) for x in xk if x.get("outcome") not in DONE or x.get("shadow_status") != 200]
    check(xk and not bad, "t2: the keep-alive lines are complete (%d)" % len(xk),
          "%d bad: %s" % (len(bad), bad[:3]))
    check(keep.get("nerrors") == 0, "t2: the keep-alive clients saw no error",
          "%s" % keep.get("errors"))
    # 2c: 50% of new short connections
    xc = lines(xf, "t2c")
    fc = {x["flow"] for x in xc}
    good, why = binom(len(fc), res["t2c"]["ok"], 0.50)
    check(res["t2c"]["ok"] > 0 and good and len(fc) == len(xc),
          "t2: share 50%%: new flows sampled within binomial bounds: %s" % why,
          "%s; %d lines" % (why, len(xc)))
    bad = [short(x) for x in xc if x.get("outcome") not in DONE or x.get("shadow_status") != 200]
    check(xc and not bad, "t2: the flows sampled at 50%% are mirrored, complete (%d)" % len(xc),
          "%d bad (outcomes %s): %s" % (len(bad), dict(collections.Counter(
              x.get("outcome") for x in xc)), bad[:3]))


def t7(xf):
    """IPv6 clients: mirrored over IPv6 to the shadow's IPv6 address."""
    xs = all_complete_same_bodies("t7", xf, "IPv6 clients, mirrored over IPv6", UMBRA_IP6)
    v6 = [short(x) for x in xs if not (x.get("client") or "").startswith("[fd77::10]:")]
    check(xs and not v6, "t7: the lines name the IPv6 client", "%s" % v6[:3])


def t8(xf):
    """Two reassembly lcores."""
    s = json.load(open(xf.replace(".x.jsonl", ".s.json")))
    check(s["run"]["reasm_lcores"] == 2, "t8: the run had 2 reassembly lcores",
          "%s" % s["run"])
    all_complete_same_bodies("t8", xf, "two reassembly lcores, IPv4 and IPv6",
                             (UMBRA_IP, UMBRA_IP6))


def unmirrored(xf):
    """Lines of flows umbra did not mirror carry no shadow_* key; lines of
    mirrored flows carry all five."""
    keys = ("shadow_status", "shadow_ttfb_us", "shadow_ttlb_us",
            "shadow_resp_body_bytes", "shadow_resp_body_hash")
    bad = []
    n = 0
    with open(xf, errors="replace") as f:
        for ln in f:
            x = json.loads(ln)
            n += 1
            have = [k for k in keys if k in x]
            if have and len(have) != len(keys):
                bad.append(short(x))
    check(n and not bad, "every line has all five shadow_* keys or none (%d lines)" % n,
          "%s" % bad[:3])


globals()[sys.argv[1]](sys.argv[2])
PY

# Run the analysis; count its ok/FAIL lines.
ana() {
  local line rc
  timeout 60 "$PY" "$W/ana.py" "$@" >"$W/ana.out" 2>&1
  rc=$?
  while IFS= read -r line; do
    case "$line" in
    "ok "*) pass=$((pass + 1)) ;;
    "FAIL "*) fail=$((fail + 1)) ;;
    esac
    echo "$line"
  done <"$W/ana.out"
  [ $rc -eq 0 ] || ko "analysis $1" "exit $rc"
}

# ---------------------------------------------------------------------------
# Requests. Every client failure is written to $W/client.bad (test 4).
# creq TEST CONN PATH...: one curl, one connection (keep-alive across PATHs).
creq() {
  local t=$1 c=$2 u out rc codes want=""
  shift 2
  local args=()
  for u in "$@"; do
    args+=(-o /dev/null "http://$P$u")
    echo "$c GET $u 200" >>"$W/expect.$t"
    want="$want 200"
  done
  out=$("${CLIENT[@]}" curl -sS -m 30 -A "umb-e2e/$t" -w '%{http_code}\n' "${args[@]}" 2>&1)
  rc=$?
  codes=$(echo "$out" | grep -E '^[0-9]{3}$' | tr '\n' ' ')
  if [ $rc -ne 0 ] || [ "$codes" != "${want# } " ]; then
    echo "$t curl $*: exit $rc, $out" >>"$W/client.bad"
  fi
}
# pconn TEST CONN SPEC...: one python connection (SPEC: METHOD:PATH[:BYTES]).
pconn() {
  local t=$1 c=$2 s m u st out
  shift 2
  for s in "$@"; do
    IFS=: read -r m u _ <<<"$s"
    [ "$m" = SLEEP ] && continue
    case "$u:$m" in
    /api/items/*:POST) st=201 ;;
    /api/items/*:OPTIONS | /api/items/*:DELETE) st=204 ;;
    *) st=200 ;;
    esac
    echo "$c $m $u $st" >>"$W/expect.$t"
  done
  if ! out=$("${CLIENT[@]}" "$PY" "$W/client.py" conn "$P" "umb-e2e/$t" "$@" 2>&1); then
    echo "$t conn $c: $(echo "$out" | grep -v ' 20[014] ' | head -n 3)" >>"$W/client.bad"
  fi
}
# wait_lines RUN TAG N SECS: until N lines of TAG are in the run's exchange
# file (export writes them when idle), at most SECS.
wait_lines() {
  local i n
  for i in $(seq 1 $(($4 * 5))); do
    n=$(grep -cE "\"uri\":\"[^\"]*[/?]$2-" "$W/$1.x.jsonl" 2>/dev/null)
    [ "${n:-0}" -ge "$3" ] && return 0
    sleep 0.2
  done
  return 1
}

# ---------------------------------------------------------------------------
# umbra runs.
tap_tx() { cat /sys/class/net/umb-tap/statistics/tx_packets 2>/dev/null || echo missing; }
# mkconf DIR SHARE [KEY=VALUE...]: a copy of config/lab with these settings.
mkconf() {
  local d=$1 share=$2 kv
  shift 2
  mkdir -p "$d"
  cp "$ROOT/config/lab/tap.ini" "$ROOT/config/lab/shadow.ini" "$ROOT/config/lab/umbra.ini" "$ROOT/config/lab/compare.ini" "$d/"
  sed -i -E '/^[[:space:]]*(sample_share|shadow_response_timeout|shadow_idle_timeout)[[:space:]]*=/d' "$d/umbra.ini"
  echo "sample_share = $share" >>"$d/umbra.ini"
  for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}" >>"$d/umbra.ini"; done
}
# tel: lib.sh
RUN='' SOCK='' TX0=''
# start_umbra RUN CONFDIR: umbra in the background, up when its telemetry
# socket answers.
EAL=(-m 1024 -l 0)   # start_umbra's lcores and memory; a run may change them
start_umbra() {
  RUN=$1
  SOCK=/var/run/dpdk/$PREFIX-$RUN/dpdk_telemetry.v2
  TX0=$(tap_tx)
  "$UMBRA" --no-huge --no-pci --no-shconf "${EAL[@]}" --file-prefix="$PREFIX-$RUN" \
    --log-level=lib.eal:error -- --config "$2/umbra.ini" \
    --exchanges "$W/$RUN.x.jsonl" --summary-json "$W/$RUN.s.json" >"$W/$RUN.out" 2>&1 &
  upid=$!
  local i
  for i in $(seq 1 100); do
    if [ -S "$SOCK" ] && tel /umbra/share >/dev/null 2>&1; then
      sleep 0.5
      ok "$RUN: umbra runs (telemetry answers)"
      return 0
    fi
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.1
  done
  ko "$RUN: umbra start" "$(tail -n 5 "$W/$RUN.out")"
  kill -9 "$upid" 2>/dev/null
  upid=
  return 1
}
# Connections on the shadow whose peer is umbra, in any state but
# TIME-WAIT (which holds no process state).
shadow_conns() {
  ip netns exec "$SHADOW_NS" ss -Htan 2>/dev/null |
    awk -v ip="$UMBRA_SHADOW_IP" '$1 != "TIME-WAIT" && $1 != "LISTEN" {
      n = split($5, a, ":"); p = a[n]; h = substr($5, 1, length($5) - length(p) - 1)
      gsub(/^\[(::ffff:)?|\]$/, "", h); if (h == ip) print $1, $4, $5 }'
}
# wait_no_shadow_conns SECS [STATE]: until no such connection (or none in
# STATE) is left.
wait_no_shadow_conns() {
  local i out
  for i in $(seq 1 $(($1 * 5))); do
    out=$(shadow_conns)
    grep -qE "^${2:-[A-Z-]+} " <<<"$out" || return 0
    sleep 0.2
  done
  return 1
}
# stop_umbra: SIGINT, then the end-of-run checks.
stop_umbra() {
  local rc=0 i
  if ! kill -0 "$upid" 2>/dev/null; then
    wait "$upid"
    ko "$RUN: umbra still running at the end" "it exited (code $?): $(tail -n 8 "$W/$RUN.out")"
    upid=
    return 1
  fi
  ok "$RUN: umbra still running at the end"
  kill -INT "$upid"
  for i in $(seq 1 300); do
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$upid" 2>/dev/null; then
    kill -9 "$upid"
    wait "$upid"
    ko "$RUN: SIGINT stops umbra" "still running after 30 s: killed"
    upid=
    return 1
  fi
  wait "$upid"
  rc=$?
  upid=
  if [ $rc -eq 0 ] && grep -q "accounting: ok" "$W/$RUN.out" &&
    grep -qE '"accounting_ok":[[:space:]]*true' "$W/$RUN.s.json" 2>/dev/null; then
    ok "$RUN: SIGINT stops umbra cleanly (exit 0, accounting: ok)"
  else
    ko "$RUN: SIGINT stop" "exit $rc: $(grep -E 'accounting|exchanges by outcome' "$W/$RUN.out" | tr '\n' ' ') $(tail -n 3 "$W/$RUN.out" | tr '\n' ' ')"
  fi
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined)' "$W/$RUN.out"; then
    ko "$RUN: no sanitizer report" "$(grep -m 3 -E 'ERROR: |runtime error:|SUMMARY:' "$W/$RUN.out" | tr '\n' ' ')"
  else
    ok "$RUN: no sanitizer report"
  fi
  local tx1
  tx1=$(tap_tx)
  if [ "$TX0" = "$tx1" ]; then
    ok "$RUN: the tap port sent nothing"
  else
    ko "$RUN: tap tx" "$TX0 -> $tx1 packets"
  fi
  if wait_no_shadow_conns 5 ESTAB; then
    ok "$RUN: no established connection from umbra left on the shadow"
  else
    ko "$RUN: shadow connections after the stop" "$(shadow_conns | head -n 5 | tr '\n' ';')"
  fi
  if wait_no_shadow_conns 5; then
    ok "$RUN: no half-closed connection from umbra left on the shadow either"
  else
    ko "$RUN: half-closed shadow connections after the stop" "$(shadow_conns | head -n 5 | tr '\n' ';')"
  fi
  "$PY" - "$W/$RUN.s.json" <<'PY'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception as e:
    print("  (no summary: %r)" % e); sys.exit(0)
o = {k: v for k, v in s.get("outcome", {}).items() if v}
m = {k: v for k, v in s.get("mirror", {}).items() if v}
p = {k: s.get("peer", {}).get(k, 0) for k in ("opened", "established", "closed_clean",
     "closed_shadow_rst", "closed_abort", "closed_idle", "closed_retries",
     "rto_retransmits", "fast_retransmits", "rx_no_conn", "tx_no_mac",
     "held_ref_bytes", "held_copy_bytes", "ref_pool_empty")}
ports = ["%s: %s" % (q.get("name"), {k: q.get(k) for k in ("ipackets", "imissed", "ierrors", "rx_nombuf")})
         for q in s.get("ports", [])]
gaps = {k: v for k, v in s.get("tcp", {}).items() if v and ("gap" in k or "hole" in k)}
print("  outcomes %s\n  mirror %s\n  peer %s\n  flow sampled %s not_sampled %s\n  ports %s\n  tcp gaps %s"
      % (o, m, p, s.get("flow", {}).get("sampled"), s.get("flow", {}).get("not_sampled"),
         "; ".join(ports), gaps))
PY
  return 0
}
client_bad_check() {  # client_bad_check NAME
  if [ ! -s "$W/client.bad" ]; then
    ok "$1"
  else
    ko "$1" "$(head -n 5 "$W/client.bad" | tr '\n' ';')"
  fi
  : >"$W/client.bad"
}
: >"$W/client.bad"

# ===========================================================================
# Run 1: share 100% (default timeouts): tests 1, 3, 6, 5 (lag, 5% loss),
# then 2 (10% -> 50% live).
mkconf "$W/conf1" 100
if start_umbra r1 "$W/conf1"; then
  # --- 1. share 100%: 30 requests, 12 alone and 3 keep-alive sets of 6
  for i in 1 2 3; do
    creq t1 "s$i-a" "/api/items/t1-$i"
    creq t1 "s$i-b" "/same/t1-$i"
  done
  creq t1 s4-a "/big/100000?t1-1"
  creq t1 s4-b "/chunked/50000?t1-2"
  creq t1 s5-a "/big/100000?t1-3"
  creq t1 s5-b "/chunked/50000?t1-4"
  creq t1 s6-a "/api/items/t1-4"
  creq t1 s6-b "/same/t1-4"
  for k in 1 2 3; do
    creq t1 "k$k" "/api/items/t1-k$k-1" "/same/t1-k$k-2" "/big/100000?t1-k$k-3" \
      "/chunked/50000?t1-k$k-4" "/api/items/t1-k$k-5" "/same/t1-k$k-6"
  done
  wait_lines r1 t1 30 20

  # --- 3. methods
  pconn t3 A GET:/api/items/t3-a1 HEAD:/api/items/t3-a2 OPTIONS:/api/items/t3-a3 GET:/api/items/t3-a4
  pconn t3 B GET:/api/items/t3-b1 POST:/api/items/t3-b2:100 GET:/api/items/t3-b3 HEAD:/api/items/t3-b4
  pconn t3 C PUT:/api/items/t3-c1:20 GET:/api/items/t3-c2
  pconn t3 D GET:/api/items/t3-d1 OPTIONS:/api/items/t3-d2 PATCH:/api/items/t3-d3:20 GET:/api/items/t3-d4
  pconn t3 E DELETE:/api/items/t3-e1 GET:/api/items/t3-e2
  pconn t3 F POST:/api/items/t3-f1:0 OPTIONS:/api/items/t3-f2
  pconn t3 G HEAD:/api/items/t3-g1 DELETE:/api/items/t3-g2 POST:/api/items/t3-g3:10 GET:/api/items/t3-g4
  pconn t3 H PUT:/api/items/t3-h1:5
  pconn t3 I PATCH:/api/items/t3-i1:5
  wait_lines r1 t3 24 20

  # --- 6. 50 requests on one connection (2 ms apart: the shadow keeps
  # up); 40 back to back (the shadow may fall more than 32 requests
  # behind: the rest of the connection is then capped); large bodies; a
  # 3 MiB POST
  specs=()
  for i in $(seq 1 25); do specs+=("GET:/same/t6-m$i" SLEEP:2 "GET:/api/items/t6-n$i" SLEEP:2); done
  pconn t6 many "${specs[@]}"
  specs=()
  for i in $(seq 1 40); do specs+=("GET:/same/t6-q$i"); done
  pconn t6 burst "${specs[@]}"
  pconn t6 bigs "GET:/big/5000000?t6-big" "GET:/chunked/3000000?t6-chunked" "GET:/same/t6-after"
  pconn t6 post "POST:/api/items/t6-post:3145728"
  wait_lines r1 t6 94 30

  # --- 7. IPv6 clients: the shadow is reached over IPv6 (neighbour
  # discovery both ways on the shadow link)
  P="[$PROD_IP6]" creq t7 v1 "/same/t7-1"
  P="[$PROD_IP6]" creq t7 v2 "/api/items/t7-2" "/big/200000?t7-3" "/chunked/100000?t7-4"
  wait_lines r1 t7 4 20

  # --- 5. a route 3 s slower on the shadow only
  creq t5c l1 "/lag/3000?t5c-1"
  creq t5c l2 "/lag/3000?t5c-2"
  creq t5c l3 "/lag/3000?t5c-3" "/same/t5c-4"
  wait_lines r1 t5c 4 15

  # --- 5. 5% loss each way on the shadow link
  if wait_no_shadow_conns 10; then
    ok "r1: every shadow session closed after its client closed"
  else
    ko "r1: shadow sessions still open before the loss test" "$(shadow_conns | head -n 5 | tr '\n' ';')"
  fi
  lab loss 5 >>"$W/lab.out" 2>&1 || ko "lab loss 5" "$(tail -n 2 "$W/lab.out")"
  for i in $(seq 1 8); do
    creq t5a "a$i" "/api/items/t5a-$i" "/big/300000?t5a-b$i" "/same/t5a-s$i"
  done
  wait_lines r1 t5a 24 45
  wait_no_shadow_conns 20
  lab loss 0 >>"$W/lab.out" 2>&1 || ko "lab loss 0" "$(tail -n 2 "$W/lab.out")"

  # --- 5. reordering on the shadow link: a relay sends 20% of the frames
  # each way after the next one (tests/lab/reorder.py)
  lab reorder 20 >>"$W/lab.out" 2>&1 || ko "lab reorder 20" "$(tail -n 2 "$W/lab.out")"
  for i in $(seq 1 8); do
    creq t5r "r$i" "/same/t5r-s$i" "/big/300000?t5r-b$i" "/chunked/200000?t5r-c$i" \
      "/api/items/t5r-$i"
  done
  wait_lines r1 t5r 32 45
  wait_no_shadow_conns 20
  lab reorder 0 >>"$W/lab.out" 2>&1 || ko "lab reorder 0" "$(tail -n 2 "$W/lab.out")"
  read -r _ ab _ abs _ ba _ bas <"$LAB_DIR/reorder.stats" 2>/dev/null || ab=x
  if [ "${abs:-0}" -gt 0 ] 2>/dev/null && [ "${bas:-0}" -gt 0 ]; then
    ok "t5r: the relay reordered both ways ($abs of $ab frames toward the shadow, $bas of $ba back)"
  else
    ko "t5r: relay counters" "$(cat "$LAB_DIR/reorder.stats" 2>/dev/null)"
  fi

  # --- 2. share 10% over 2000 connections, then 50% live
  set10=$(tel /umbra/share,10)
  if echo "$set10" | grep -q '"share_ppm": *100000[,}]'; then
    ok "t2: telemetry sets the share to 10%"
  else
    ko "t2: telemetry set 10%" "$set10"
  fi
  mkdir -p "$W/keep"
  "${CLIENT[@]}" "$PY" "$W/client.py" keep "$P" umb-e2e/t2 t2k "$W/keep" "$SHADOW_LOG" 50 \
    >"$W/keep.out" 2>&1 &
  BG+=($!)
  kpid=$!
  for _ in $(seq 1 60); do [ -e "$W/keep/ready" ] && break; sleep 0.2; done
  "${CLIENT[@]}" "$PY" "$W/client.py" short "$P" umb-e2e/t2 t2a 2000 500 4 >"$W/t2a.json" 2>&1 ||
    echo "t2a: $(head -c 300 "$W/t2a.json")" >>"$W/client.bad"
  touch "$W/keep/pause"
  for _ in $(seq 1 100); do [ -e "$W/keep/paused" ] && break; sleep 0.1; done
  set50=$(tel /umbra/share,50)
  touch "$W/keep/phase_b"
  if echo "$set50" | grep -q '"share_ppm": *500000[,}]'; then
    ok "t2: telemetry raises the share to 50% live"
  else
    ko "t2: telemetry set 50%" "$set50"
  fi
  sleep 1
  "${CLIENT[@]}" "$PY" "$W/client.py" short "$P" umb-e2e/t2 t2c 1000 500 4 >"$W/t2c.json" 2>&1 ||
    echo "t2c: $(head -c 300 "$W/t2c.json")" >>"$W/client.bad"
  sleep 1
  touch "$W/keep/stop"
  wait "$kpid" || echo "t2 keep-alive: $(cat "$W/keep.out") $(head -c 300 "$W/keep/keep.json" 2>/dev/null)" >>"$W/client.bad"
  sleep 2

  client_bad_check "t4: every client request succeeded while umbra ran (run 1)"
  stop_umbra
  # Client bytes go to the shadow as references to the received mbufs.
  held=$("$PY" -c 'import json, sys; p = json.load(open(sys.argv[1]))["peer"]
print(p["held_ref_bytes"], p["held_copy_bytes"])' "$W/r1.s.json" 2>/dev/null)
  read -r href hcopy <<<"${held:-0 0}"
  if [ "${href:-0}" -gt 0 ] && [ "$href" -gt "$((hcopy * 4))" ] 2>/dev/null; then
    ok "r1: client bytes held for the shadow by reference, not copied ($href bytes; $hcopy copied)"
  else
    ko "r1: held by reference" "held_ref_bytes ${href:-?} held_copy_bytes ${hcopy:-?}"
  fi
  ana t1 "$W/r1.x.jsonl"
  ana t3 "$W/r1.x.jsonl"
  ana t6 "$W/r1.x.jsonl"
  ana t7 "$W/r1.x.jsonl"
  ana t5run1 "$W/r1.x.jsonl"
  ana t2 "$W/r1.x.jsonl"
  ana unmirrored "$W/r1.x.jsonl"
fi

# --- 4. production with umbra stopped
for i in $(seq 1 10); do creq t4s "s$i" "/api/items/t4s-$i" "/big/100000?t4s-$i"; done
client_bad_check "t4: every client request succeeds with umbra stopped (20)"

# ===========================================================================
# Run 2: faults, short shadow timeouts (response 2 s, idle 3 s).
mkconf "$W/conf2" 100 shadow_response_timeout=2 shadow_idle_timeout=3
if start_umbra r2 "$W/conf2"; then
  # a reset mid-response
  creq t5d d1 "/reset?t5d-1"
  creq t5d d2 "/reset?t5d-2"
  # slower than the response timeout
  creq t5e e1 "/lag/4000?t5e-1"
  wait_lines r2 t5d 2 10
  wait_lines r2 t5e 1 10
  # unreachable: 100% loss (no session may be open when it starts)
  wait_no_shadow_conns 10 || ko "r2: shadow sessions still open before the 100% loss" "$(shadow_conns | head -n 5 | tr '\n' ';')"
  lab loss 100 >>"$W/lab.out" 2>&1 || ko "lab loss 100" "$(tail -n 2 "$W/lab.out")"
  creq t5b-down b1 "/api/items/t5bd-1"
  creq t5b-down b2 "/api/items/t5bd-2" "/same/t5bd-3"
  wait_lines r2 t5bd 3 15
  share=$(tel /umbra/share 2>&1)
  if kill -0 "$upid" 2>/dev/null && echo "$share" | grep -q share_ppm; then
    ok "t5: umbra still answers telemetry after the shadow timeouts"
  else
    ko "t5: umbra after the shadow timeouts" "$share; $(tail -n 3 "$W/r2.out")"
  fi
  lab loss 0 >>"$W/lab.out" 2>&1 || ko "lab loss 0" "$(tail -n 2 "$W/lab.out")"
  creq t5b-up u1 "/api/items/t5bu-1"
  creq t5b-up u2 "/api/items/t5bu-2" "/same/t5bu-3"
  wait_lines r2 t5bu 3 10
  # refused: the shadow server stopped
  wait_no_shadow_conns 10
  lab shadow stop >>"$W/lab.out" 2>&1 || ko "lab shadow stop" "$(tail -n 2 "$W/lab.out")"
  creq t5f-down f1 "/api/items/t5fd-1"
  creq t5f-down f2 "/same/t5fd-2"
  wait_lines r2 t5fd 2 10
  lab shadow start >>"$W/lab.out" 2>&1 || ko "lab shadow start" "$(tail -n 2 "$W/lab.out")"
  creq t5f-up g1 "/api/items/t5fu-1" "/same/t5fu-2"
  wait_lines r2 t5fu 2 10
  sleep 1
  client_bad_check "t4: every client request succeeded while umbra ran (run 2)"
  stop_umbra
  ana t5run2 "$W/r2.x.jsonl"
  ana unmirrored "$W/r2.x.jsonl"
fi

# ===========================================================================
# Run 4: two reassembly lcores (flows sharded by hash, shadow sessions by
# SNAT port class): every exchange completes, IPv4 and IPv6.
mkconf "$W/conf4" 100 "roles=0:rx+export+shadow+reasm,1:reasm"
EAL=(-m 1536 --lcores 0-1)
if start_umbra r4 "$W/conf4"; then
  for i in $(seq 1 6); do
    creq t8 "c$i" "/same/t8-s$i" "/big/100000?t8-b$i" "/api/items/t8-$i"
  done
  P="[$PROD_IP6]" creq t8 v6 "/same/t8-v6" "/chunked/50000?t8-c6"
  wait_lines r4 t8 20 20
  client_bad_check "t4: every client request succeeded while umbra ran (run 4)"
  stop_umbra
  ana t8 "$W/r4.x.jsonl"
fi
EAL=(-m 1024 -l 0)

# ===========================================================================
# Run 3: kill -9 in the middle of client traffic.
mkconf "$W/conf3" 100
if start_umbra r3 "$W/conf3"; then
  (
    for i in $(seq 1 40); do
      creq t4k "c$i" "/api/items/t4k-$i"
      sleep 0.05
    done
  ) &
  loop1=$!
  BG+=("$loop1")
  specs=()
  for i in $(seq 1 40); do specs+=("GET:/same/t4k-p$i" SLEEP:50); done
  pconn t4k p "${specs[@]}" &
  loop2=$!
  BG+=("$loop2")
  sleep 1
  if kill -0 "$upid" 2>/dev/null; then
    kill -9 "$upid"
    wait "$upid" 2>/dev/null
    upid=
    killed=1
  else
    killed=0
  fi
  wait "$loop1" "$loop2"
  for i in $(seq 1 5); do creq t4k "after$i" "/api/items/t4k-after-$i"; done
  sent=$(wc -l <"$W/expect.t4k")
  if [ "$killed" = 1 ]; then
    client_bad_check "t4: kill -9 mid-run: all $sent client requests across it succeeded"
  else
    ko "t4: kill -9" "umbra had already exited: $(tail -n 5 "$W/r3.out")"
  fi
  tx1=$(tap_tx)
  if [ "$TX0" = "$tx1" ]; then
    ok "r3: the tap port sent nothing"
  else
    ko "r3: tap tx" "$TX0 -> $tx1 packets"
  fi
  # (Not a check: a killed umbra cannot close its shadow sessions.)
  echo "  after kill -9: $(shadow_conns | grep -c '^ESTAB ') shadow connections from umbra still established"
fi

finish
