#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Mirroring coverage on keep-alive connections, in the lab (scripts/lab,
# docs/lab.md; issue 9). Every request carries a unique id in its URI
# (/api/items/N?rid=ID) and is looked up by it in the shadow server's own
# access log; the clients are python http.client connections in the client
# namespace, one thread per connection.
#  a. mixed methods (GET/HEAD/OPTIONS/POST/PUT/PATCH/DELETE, 60% allowed)
#     on 10 keep-alive connections (100 requests each, 40 ms between an
#     answer and the next request), 5% loss each way on the shadow link,
#     share 100%: at least 99% of the allowed requests reach the shadow,
#     none of the others, none twice; every allowed request the shadow did
#     not get has a line saying why (not_mirrored or capped, with a
#     mirror_reason; the reasons are counted in the ok/FAIL line), and no
#     line says not sent (not_mirrored, capped, suppressed) of a request
#     the shadow logged;
#  b. a shadow whose keepalive limit (3 requests, server.py
#     --max-requests-per-conn 3) is below production's (GET/HEAD/OPTIONS,
#     10 connections of 60 requests, 40 ms apart): at least 99% of the
#     requests still reach it, the same lines and checks as a;
#  c. 20 pooled keep-alive connections already carrying GETs (10/s each)
#     when umbra starts: at least 95% of the requests sent from 1 s after
#     its telemetry socket answers reach the shadow (5 s); kill -9 mid-run
#     and a restart: the same from 1 s after the restart (4 s); production
#     answers every request 2xx throughout;
#  d. on the same pooled connections, once each is mirrored again (at most
#     12 s more), the share lowered live from 100 to 0: from 0.5 s after,
#     no request reaches the shadow (3 s); raised back to 100: requests
#     reach it again on every connection (3 s).
# In a and b the clients start once umbra's data path runs (a probe
# request's line is written), not merely its telemetry.
# After each run: SIGINT stops umbra with exit 0 and "accounting: ok", no
# sanitizer report, the tap port sent nothing, and the shadow holds no
# connection from umbra (but those a kill -9 left).
# usage: tests/live/test_coverage.sh UMBRA  (prints 'N passed, N failed[, N skipped]')
# Root only (skips otherwise). About 45 s; stops itself after
# UMB_COVERAGE_BUDGET (170) s. Takes the lab down at the end.
# UMB_KEEP=1 keeps the work directory (client records, exchange lines,
# summaries, umbra's output).
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 UMBRA" >&2; exit 2; }
UMBRA=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${UMB_PY:-/usr/bin/python3}
. "$ROOT/tests/live/lib.sh"
skip=0
# finish: lib.sh's, plus the skips this suite counts
finish() {
  [ -n "${WD:-}" ] && kill "$WD" 2>/dev/null
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

W=$(mktemp -d /tmp/umb-coverage.XXXXXX)
PREFIX=umbcov$$
upid=
BG=()
# shellcheck disable=SC2317 # run by the trap
cleanup() {
  local p
  for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ -n "$upid" ] && kill -9 "$upid" 2>/dev/null && wait "$upid" 2>/dev/null
  [ -n "${WD:-}" ] && kill "$WD" 2>/dev/null
  lab_cleanup "$PREFIX-*"
}
trap cleanup EXIT
# The whole run is bounded: past the budget the test stops where it is
# (a foreground client is bounded to 60 s), reports it and cleans up.
BUDGET=${UMB_COVERAGE_BUDGET:-170}
(
  trap 'kill "$sp" 2>/dev/null; exit 0' TERM
  sleep "$BUDGET" &
  sp=$!
  wait "$sp" && kill -TERM $$
) 2>/dev/null &
WD=$!
trap 'WD=; ko "time budget" "still running after $BUDGET s: stopped"; finish' TERM
lab() { timeout 60 "$ROOT/scripts/lab" "$@"; }  # tighter than lib.sh's: the budget
now() { date +%s.%N; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", a + b }'; }

lab_fresh
export W
P=$PROD_IP
CLIENT=(ip netns exec "$CLIENT_NS")

# ---------------------------------------------------------------------------
# The clients (client namespace). Each request is one JSON record
# {rid, m (method), conn, t (wall-clock send time), st (production's
# status, null on error)[, err]}; exit 1 when a status is not the expected
# one.
cat >"$W/client.py" <<'PY'
import http.client, json, os, random, sys, threading, time

EXPECT = {"GET": 200, "HEAD": 200, "OPTIONS": 204, "POST": 201, "PUT": 200,
          "PATCH": 200, "DELETE": 204}


def request(c, ua, method, path):
    hdr = {"User-Agent": ua}
    body = None
    if method in ("POST", "PUT", "PATCH"):
        body = b'{"qty":3}'
        hdr["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=hdr)
    r = c.getresponse()
    r.read()
    return r.status


def one(c, ua, rec, k, rid, method, path):
    x = {"rid": rid, "m": method, "conn": k, "t": time.time()}
    try:
        x["st"] = request(c, ua, method, path)
    except Exception as e:
        x["st"], x["err"] = None, repr(e)
        c.close()  # http.client reconnects on the next request
    rec.append(x)


def run(host, nconn, work, out):
    """One thread per keep-alive connection; work(k, conn, records)."""
    recs = [[] for _ in range(nconn)]

    def worker(k):
        c = http.client.HTTPConnection(host, 80, timeout=10)
        try:
            work(k, c, recs[k])
        finally:
            c.close()

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(nconn)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bad = 0
    with open(out + ".tmp", "w") as f:
        for r in recs:
            for x in r:
                f.write(json.dumps(x, separators=(",", ":")) + "\n")
                bad += x.get("st") != EXPECT[x["m"]]
    os.rename(out + ".tmp", out)
    return 1 if bad else 0


def cmd_mixed(host, ua, prefix, nconn, nreq, methods, seed, think_ms, out):
    """nconn keep-alive connections, nreq requests each, methods drawn
    (seeded) from the comma list, think_ms between an answer and the next
    request."""
    mix = methods.split(",")

    def work(k, c, rec):
        rnd = random.Random("%s-%d" % (seed, k))
        for i in range(nreq):
            m = rnd.choice(mix)
            rid = "%s-%d-%d" % (prefix, k, i)
            one(c, ua, rec, k, rid, m, "/api/items/%d?rid=%s" % (rnd.randrange(1000), rid))
            time.sleep(think_ms / 1000.0)
    return run(host, nconn, work, out)


def cmd_pool(host, ua, prefix, nconn, period_ms, d, max_secs):
    """nconn keep-alive connections, a GET every period_ms on each (the
    connections staggered), until d/stop or max_secs; d/started once every
    connection has been answered; the records in d/pool.jsonl."""
    t0 = time.monotonic()
    answered = set()
    lock = threading.Lock()
    period = period_ms / 1000.0

    def work(k, c, rec):
        nxt = t0 + period * k / nconn
        i = 0
        while time.monotonic() - t0 < max_secs and not os.path.exists(os.path.join(d, "stop")):
            left = nxt - time.monotonic()
            if left > 0:
                time.sleep(left)
            nxt = max(nxt + period, time.monotonic())
            rid = "%s-%d-%d" % (prefix, k, i)
            one(c, ua, rec, k, rid, "GET", "/api/items/%d?rid=%s" % (k, rid))
            i += 1
            if i == 1:
                with lock:
                    answered.add(k)
                    if len(answered) == nconn:
                        open(os.path.join(d, "started"), "w").close()
    return run(host, nconn, work, os.path.join(d, "pool.jsonl"))


a = sys.argv[1:]
if a[0] == "mixed":
    sys.exit(cmd_mixed(a[1], a[2], a[3], int(a[4]), int(a[5]), a[6], a[7], float(a[8]), a[9]))
if a[0] == "pool":
    sys.exit(cmd_pool(a[1], a[2], a[3], int(a[4]), float(a[5]), a[6], float(a[7])))
sys.exit(2)
PY

# ---------------------------------------------------------------------------
# The checks: client records, the shadow's access log, umbra's exchange
# lines. Prints 'ok ...' / 'FAIL ...: ...' lines and '  ...' notes.
cat >"$W/ana.py" <<'PY'
import collections, json, re, sys

ALLOWED = ("GET", "HEAD", "OPTIONS")
LOG_RE = re.compile(r'^(\S+) - - \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d+) (\d+) \S+ "(.*)"$')
RID_RE = re.compile(r"[?&]rid=([A-Za-z0-9_-]+)")
NOT_SENT = ("not_mirrored", "capped", "suppressed")


def ok(m):
    print("ok " + m)


def ko(m, why):
    print("FAIL %s: %s" % (m, why))


def check(cond, m, why):
    ok(m) if cond else ko(m, why)


def records(path):
    out = []
    try:
        with open(path) as f:
            for ln in f:
                out.append(json.loads(ln))
    except (OSError, ValueError) as e:
        ko("client records %s" % path, repr(e))
    return out


def shadow(path):
    """rid -> [(method, status)] from the shadow's access log."""
    got = collections.defaultdict(list)
    try:
        with open(path, errors="replace") as f:
            for ln in f:
                m = LOG_RE.match(ln.rstrip("\n"))
                r = m and RID_RE.search(m.group(3))
                if r:
                    got[r.group(1)].append((m.group(2), int(m.group(4))))
    except OSError:
        pass
    return got


def exchanges(path):
    """rid -> [line] from umbra's exchange lines."""
    by = collections.defaultdict(list)
    try:
        with open(path, errors="replace") as f:
            for ln in f:
                try:
                    x = json.loads(ln)
                except ValueError:
                    continue
                r = RID_RE.search(x.get("uri") or "")
                if r:
                    by[r.group(1)].append(x)
    except OSError:
        pass
    return by


def why(xs):
    """Outcome/reason of a request's line, for the counts of the misses."""
    if not xs:
        return "no line"
    x = xs[0]
    o = x.get("outcome")
    return "%s/%s" % (o, x["mirror_reason"]) if x.get("mirror_reason") else o


def short(x):
    keys = ("method", "uri", "status", "outcome", "mirror_reason", "shadow_status",
            "flow", "index", "midstream", "pipelined")
    return json.dumps({k: x.get(k) for k in keys if k in x}, separators=(",", ":"))


def production(name, recs):
    exp = {"GET": 200, "HEAD": 200, "OPTIONS": 204, "POST": 201, "PUT": 200,
           "PATCH": 200, "DELETE": 204}
    bad = [r for r in recs if r.get("st") != exp[r["m"]]]
    check(recs and not bad,
          "%s: production answered every client request as expected (%d)" % (name, len(recs)),
          "%d of %d not: %s" % (len(bad), len(recs), bad[:3]))


def coverage(name, recs, sh, xf, pct, what):
    """At least pct% of the allowed recs in the shadow's log; every miss
    explained (not_mirrored or capped with a reason) when xf is given."""
    allowed = [r for r in recs if r["m"] in ALLOWED]
    got = [r for r in allowed if r["rid"] in sh]
    miss = [r for r in allowed if r["rid"] not in sh]
    n, k = len(allowed), len(got)
    share = 100.0 * k / n if n else 0.0
    xs = exchanges(xf) if xf else {}
    reasons = collections.Counter(why(xs.get(r["rid"])) for r in miss)
    rs = ", ".join("%s %d" % kv for kv in sorted(reasons.items())) or "none"
    check(n and k * 100 >= pct * n,
          "%s: %s: %d of %d allowed requests reached the shadow (%.1f%%, at least %g%%); missed: %s"
          % (name, what, k, n, share, pct, rs),
          "below %g%%; first missed: %s" % (pct, [r["rid"] for r in miss[:5]]))
    return allowed, miss, xs


def explained(name, miss, xs):
    """Every allowed request the shadow did not get has one line saying
    not_mirrored or capped, with a mirror_reason."""
    bad = []
    for r in miss:
        ls = xs.get(r["rid"], [])
        if not (len(ls) == 1 and ls[0].get("outcome") in ("not_mirrored", "capped")
                and ls[0].get("mirror_reason")):
            bad.append("%s: %s" % (r["rid"], [short(x) for x in ls] or "no line"))
    check(not bad,
          "%s: every allowed request the shadow did not get says why (not_mirrored/capped with a mirror_reason; %d)"
          % (name, len(miss)), "%d do not: %s" % (len(bad), bad[:4]))


def consistent(name, recs, sh, xs):
    """One line per request; no request twice on the shadow; none whose
    line says it was not sent there."""
    nolines = [r["rid"] for r in recs if len(xs.get(r["rid"], [])) != 1]
    check(not nolines, "%s: one exchange line per request (%d)" % (name, len(recs)),
          "%d requests with no line or several: %s" % (len(nolines), nolines[:5]))
    twice = {rid: v for rid, v in sh.items() if len(v) > 1}
    check(not twice, "%s: no request reached the shadow twice" % name,
          "%d: %s" % (len(twice), list(twice.items())[:4]))
    liars = [short(x) for r in recs for x in xs.get(r["rid"], [])
             if x.get("outcome") in NOT_SENT and r["rid"] in sh]
    check(not liars, "%s: no line says not sent of a request the shadow logged" % name,
          "%d: %s" % (len(liars), liars[:4]))


def outcomes(name, recs, xs):
    c = collections.Counter(why(xs.get(r["rid"])) for r in recs)
    print("  %s: outcomes %s" % (name, dict(sorted(c.items()))))


def mixed(name, cf, xf, logf, pct):
    recs = records(cf)
    sh = shadow(logf)
    production(name, recs)
    allowed, miss, xs = coverage(name, recs, sh, xf, float(pct), "GET/HEAD/OPTIONS")
    denied = [r for r in recs if r["m"] not in ALLOWED]
    leaked = [(r["rid"], r["m"]) for r in denied if r["rid"] in sh]
    if denied or leaked:
        check(not leaked,
              "%s: none of the %d POST/PUT/PATCH/DELETE requests reached the shadow" % (name, len(denied)),
              "%d did: %s" % (len(leaked), leaked[:5]))
    explained(name, miss, xs)
    consistent(name, recs, sh, xs)
    outcomes(name, recs, xs)


def window(name, cf, logf, t0, t1, pct, xf=""):
    """Requests sent in [t0, t1): at least pct% reach the shadow."""
    recs = [r for r in records(cf) if float(t0) <= r["t"] < float(t1)]
    sh = shadow(logf)
    coverage(name, recs, sh, xf, float(pct),
             "GETs sent in %.1f s" % (float(t1) - float(t0)))


def pooled(name, cf, logf, xf, ts):
    """The pooled run: production, nothing before umbra, the share
    lowered to 0 and raised back (d)."""
    ts = {k: float(v) for k, v in (kv.split("=") for kv in ts.split(","))}
    recs = records(cf)
    sh = shadow(logf)
    production(name, recs)
    errs = [r for r in recs if r.get("err")]
    check(recs and not errs, "%s: no client error on the %d pooled connections"
          % (name, len({r["conn"] for r in recs})), "%d: %s" % (len(errs), errs[:3]))
    before = [r["rid"] for r in recs if r["t"] < ts["launch1"] and r["rid"] in sh]
    check(not before, "%s: nothing sent before umbra was launched reached the shadow" % name,
          "%s" % before[:5])
    xs = exchanges(xf)
    quiet = [r for r in recs if ts["share0"] + 0.5 <= r["t"] < ts["share100"]]
    leaked = [r["rid"] for r in quiet if r["rid"] in sh]
    late = [r for r in recs if ts["share0"] <= r["t"] < ts["share0"] + 0.5]
    check(quiet and not leaked,
          "d: share lowered to 0 live: none of the %d requests sent from 0.5 s after reached the shadow "
          "(%d of the %d sent in the first 0.5 s did)"
          % (len(quiet), sum(1 for r in late if r["rid"] in sh), len(late)),
          "%d of %d did: %s" % (len(leaked), len(quiet), leaked[:5]))
    c = collections.Counter(why(xs.get(r["rid"])) for r in quiet)
    print("  d: lines of the requests sent at share 0: %s" % dict(sorted(c.items())))
    after = [r for r in recs if ts["share100"] <= r["t"] < ts["end"]]
    conns = {r["conn"] for r in recs}
    resumed = {r["conn"] for r in after if r["rid"] in sh}
    n1 = [r for r in after if r["t"] >= ts["share100"] + 1]
    k1 = sum(1 for r in n1 if r["rid"] in sh)
    c = collections.Counter(why(xs.get(r["rid"])) for r in n1 if r["rid"] not in sh)
    check(after and resumed == conns,
          "d: share raised back to 100: requests reach the shadow again on all %d connections "
          "(%d of %d sent after the raise; from 1 s after %d of %d, missed: %s)"
          % (len(resumed), sum(1 for r in after if r["rid"] in sh), len(after), k1, len(n1),
             dict(sorted(c.items())) or "none"),
          "connections resumed %d of %d; %d of %d requests after the raise"
          % (len(resumed), len(conns), sum(1 for r in after if r["rid"] in sh), len(after)))


args = sys.argv[1:]
globals()[args[0]](*args[1:])
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
# umbra runs.
tap_tx() { cat /sys/class/net/umb-tap/statistics/tx_packets 2>/dev/null || echo missing; }
# mkconf DIR SHARE [KEY=VALUE...]: a copy of config/lab with these settings.
mkconf() {
  local d=$1 share=$2 kv
  shift 2
  mkdir -p "$d"
  cp "$ROOT/config/lab/tap.ini" "$ROOT/config/lab/shadow.ini" "$ROOT/config/lab/umbra.ini" "$ROOT/config/lab/compare.ini" "$d/"
  sed -i -E '/^[[:space:]]*sample_share[[:space:]]*=/d' "$d/umbra.ini"
  echo "sample_share = $share" >>"$d/umbra.ini"
  for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}" >>"$d/umbra.ini"; done
}
# tel: lib.sh
RUN='' SOCK='' TX0='' UP='' LAUNCH=''
# start_umbra RUN CONFDIR: umbra in the background; returns once its
# telemetry socket answers; the time it was launched in $LAUNCH, the time
# its telemetry answered in $UP.
start_umbra() {
  RUN=$1
  SOCK=/var/run/dpdk/$PREFIX-$RUN/dpdk_telemetry.v2
  TX0=$(tap_tx)
  LAUNCH=$(now)
  "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix="$PREFIX-$RUN" \
    --log-level=lib.eal:error -- --config "$2/umbra.ini" \
    --exchanges "$W/$RUN.x.jsonl" --summary-json "$W/$RUN.s.json" >"$W/$RUN.out" 2>&1 &
  upid=$!

  for _ in $(seq 1 150); do
    if [ -S "$SOCK" ] && tel /umbra/share >/dev/null 2>&1; then
      UP=$(now)
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
# ready RUN: umbra's data path runs (some time after its telemetry socket
# answers; what arrives before its ports start is not seen): a probe
# request every 0.5 s until the line of one is written, at most 10 s.
ready() {
  local i
  for i in $(seq 1 20); do
    "${CLIENT[@]}" curl -s -m 2 -o /dev/null "http://$P/api/items/0?rid=probe-$1-$i"
    sleep 0.5
    grep -q "rid=probe-$1-" "$W/$1.x.jsonl" 2>/dev/null && return 0
  done
  ko "$1: umbra's data path" "no line for a probe request after 10 s"
  return 1
}
# all_conns LOG OFFSET N PREFIX: the log's lines after OFFSET hold requests
# of N connections PREFIX-K-.
all_conns() {
  "$PY" - "$@" <<'PY'
import re, sys
with open(sys.argv[1], errors="replace") as f:
    f.seek(int(sys.argv[2]))
    conns = set(re.findall(r"rid=%s-(\d+)-" % sys.argv[4], f.read()))
sys.exit(0 if len(conns) >= int(sys.argv[3]) else 1)
PY
}
# Connections on the shadow whose peer is umbra, in any state but
# TIME-WAIT, less those listed in $W/stale (left by a kill -9).
: >"$W/stale"
shadow_conns() {
  ip netns exec "$SHADOW_NS" ss -Htan 2>/dev/null |
    awk -v ip="$UMBRA_SHADOW_IP" '$1 != "TIME-WAIT" && $1 != "LISTEN" {
      n = split($5, a, ":"); p = a[n]; h = substr($5, 1, length($5) - length(p) - 1)
      gsub(/^\[(::ffff:)?|\]$/, "", h); if (h == ip) print $1, $4, $5 }' |
    grep -vFf <(awk '{print " " $2 " " $3}' "$W/stale"; echo "@none@")
}
# wait_no_shadow_conns SECS [STATE]: until no such connection (or none in
# STATE) is left.
wait_no_shadow_conns() {
  local out
  for _ in $(seq 1 $(($1 * 5))); do
    out=$(shadow_conns)
    grep -qE "^${2:-[A-Z-]+} " <<<"$out" || return 0
    sleep 0.2
  done
  return 1
}
# wait_umbra_idle SECS: until umbra has no shadow connection open by its
# own counters (opened minus every kind of close; a handshake still in its
# SYN backoff is invisible on the shadow host), at most SECS. Stopping umbra
# earlier would end what those connections carry as incomplete.
wait_umbra_idle() {
  for _ in $(seq 1 $(($1 * 5))); do
    timeout 5 "$PY" - "$SOCK" <<'PY' && return 0
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(3)
s.connect(sys.argv[1])
s.recv(16384)
s.send(b"/umbra/stats")
p = json.loads(s.recv(1 << 22).decode())["/umbra/stats"]["peer"]
left = p["opened"] - sum(p.get(k, 0) for k in (
    "closed_clean", "closed_shadow_rst", "closed_abort", "closed_idle", "closed_retries"))
sys.exit(0 if left <= 0 else 1)
PY
    sleep 0.2
  done
  return 1
}
# wait_lines RUN N SECS: until the run's exchange file has N lines.
wait_lines() {
  local n
  for _ in $(seq 1 $(($3 * 5))); do
    n=$(wc -l <"$W/$1.x.jsonl" 2>/dev/null)
    [ "${n:-0}" -ge "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
# stop_umbra: SIGINT, then the end-of-run checks.
stop_umbra() {
  local rc=0 tx1
  if ! kill -0 "$upid" 2>/dev/null; then
    wait "$upid"
    ko "$RUN: umbra still running at the end" "it exited (code $?): $(tail -n 8 "$W/$RUN.out")"
    upid=
    return 1
  fi
  kill -INT "$upid"
  for _ in $(seq 1 150); do
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$upid" 2>/dev/null; then
    kill -9 "$upid"
    wait "$upid"
    ko "$RUN: SIGINT stops umbra" "still running after 15 s: killed"
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
  tx1=$(tap_tx)
  if [ "$TX0" = "$tx1" ]; then
    ok "$RUN: the tap port sent nothing"
  else
    ko "$RUN: tap tx" "$TX0 -> $tx1 packets"
  fi
  if wait_no_shadow_conns 5; then
    ok "$RUN: no connection from umbra left on the shadow"
  else
    ko "$RUN: shadow connections after the stop" "$(shadow_conns | head -n 5 | tr '\n' ';')"
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
     "rto_retransmits", "fast_retransmits", "rx_no_conn", "rst_sent")}
print("  outcomes %s\n  mirror %s\n  peer %s" % (o, m, p))
PY
  return 0
}

# ===========================================================================
# a. Mixed methods on keep-alive connections, 5% loss on the shadow link.
mkconf "$W/conf" 100
lab loss 5 >>"$W/lab.out" 2>&1 || ko "lab loss 5" "$(tail -n 2 "$W/lab.out")"
if start_umbra ra "$W/conf"; then
  if ready ra; then
    probes=$(grep -c . "$W/ra.x.jsonl")
    timeout 60 "${CLIENT[@]}" "$PY" "$W/client.py" mixed "$P" umb-cov/a ca 10 100 \
      GET,GET,GET,GET,HEAD,OPTIONS,POST,PUT,PATCH,DELETE seed-a 40 "$W/a.jsonl" >"$W/a.client.out" 2>&1
    n=$(wc -l <"$W/a.jsonl" 2>/dev/null)
    wait_lines ra "$((${n:-1000} + probes))" 20
  fi
  lab loss 0 >>"$W/lab.out" 2>&1 || ko "lab loss 0" "$(tail -n 2 "$W/lab.out")"
  wait_umbra_idle 20
  wait_no_shadow_conns 15
  stop_umbra
  cp "$SHADOW_LOG" "$W/shadow-a.log"  # (restarting the shadow empties it)
  [ -s "$W/a.jsonl" ] && ana mixed a "$W/a.jsonl" "$W/ra.x.jsonl" "$W/shadow-a.log" 99
fi
lab loss 0 >>"$W/lab.out" 2>&1

# ===========================================================================
# b. The shadow's keepalive limit (3) below production's (100000).
lab shadow stop >>"$W/lab.out" 2>&1 || ko "lab shadow stop" "$(tail -n 2 "$W/lab.out")"
BLOG=$W/shadow-b.log
: >"$BLOG"
ip netns exec "$SHADOW_NS" setsid "$PY" "$ROOT/tests/lab/server.py" --host :: --port 80 \
  --version 2 --max-requests-per-conn 3 --log "$BLOG" --pidfile "$W/shadow-b.pid" \
  --tag umb-lab >"$W/shadow-b.out" 2>&1 </dev/null &
for _ in $(seq 1 50); do
  [ -s "$W/shadow-b.pid" ] && ip netns exec "$SHADOW_NS" ss -Htln 'sport = :80' | grep -q . && break
  sleep 0.1
done
if ! ip netns exec "$SHADOW_NS" ss -Htln 'sport = :80' | grep -q .; then
  ko "b: shadow with --max-requests-per-conn 3" "does not listen: $(tail -n 3 "$W/shadow-b.out")"
elif start_umbra rb "$W/conf"; then
  if ready rb; then
    probes=$(grep -c . "$W/rb.x.jsonl")
    timeout 60 "${CLIENT[@]}" "$PY" "$W/client.py" mixed "$P" umb-cov/b cb 10 60 \
      GET,GET,HEAD,OPTIONS seed-b 40 "$W/b.jsonl" >"$W/b.client.out" 2>&1
    n=$(wc -l <"$W/b.jsonl" 2>/dev/null)
    wait_lines rb "$((${n:-600} + probes))" 20
  fi
  wait_umbra_idle 20
  wait_no_shadow_conns 15
  stop_umbra
  [ -s "$W/b.jsonl" ] && ana mixed b "$W/b.jsonl" "$W/rb.x.jsonl" "$BLOG" 99
fi
[ -s "$W/shadow-b.pid" ] && kill "$(cat "$W/shadow-b.pid")" 2>/dev/null
sleep 0.3
lab shadow start >>"$W/lab.out" 2>&1 || ko "lab shadow start" "$(tail -n 2 "$W/lab.out")"

# ===========================================================================
# c, d. Pooled keep-alive connections carrying GETs before umbra starts;
# kill -9 and a restart; then, once every connection is mirrored again,
# the share lowered to 0 and raised back live.
mkdir -p "$W/pool"
timeout 90 "${CLIENT[@]}" "$PY" "$W/client.py" pool "$P" umb-cov/c cc 20 100 "$W/pool" 80 \
  >"$W/pool.out" 2>&1 &
cpid=$!
BG+=("$cpid")
for _ in $(seq 1 50); do [ -e "$W/pool/started" ] && break; sleep 0.1; done
[ -e "$W/pool/started" ] || ko "c: pooled clients" "not started: $(head -c 300 "$W/pool.out")"
sleep 1
if start_umbra rc1 "$W/conf"; then
  up1=$UP
  launch1=$LAUNCH
  sleep 5
  kill1=$(now)
  kill -9 "$upid"
  wait "$upid" 2>/dev/null
  upid=
  sleep 0.5
  # The killed umbra's shadow connections stay (nobody closes them).
  shadow_conns >"$W/stale"
  echo "  c: kill -9 left $(wc -l <"$W/stale") connections from umbra on the shadow"
  if start_umbra rc2 "$W/conf"; then
    up2=$UP
    sleep 5
    end2=$(now)
    # d needs every pooled connection mirrored: at most 12 s more.
    for _ in $(seq 1 12); do
      off=$(stat -c %s "$SHADOW_LOG")
      sleep 1
      all_conns "$SHADOW_LOG" "$off" 20 cc && break
    done
    echo "  d: every pooled connection mirrored $(awk -v a="$(now)" -v b="$up2" 'BEGIN { printf "%.1f", a - b }') s after the restart"
    share0=$(now)
    out=$(tel /umbra/share,0)
    echo "$out" | grep -q '"share_ppm": *0[,}]' || ko "d: telemetry sets the share to 0" "$out"
    sleep 3
    share100=$(now)
    out=$(tel /umbra/share,100)
    echo "$out" | grep -q '"share_ppm": *1000000[,}]' || ko "d: telemetry sets the share to 100" "$out"
    sleep 3
    end=$(now)
    touch "$W/pool/stop"
    wait "$cpid"
    wait_no_shadow_conns 10
    stop_umbra
    cp "$SHADOW_LOG" "$W/shadow-c.log"
    ana window "c: from 1 s after umbra started" "$W/pool/pool.jsonl" "$SHADOW_LOG" \
      "$(add "$up1" 1)" "$(add "$kill1" -0.3)" 95 "$W/rc1.x.jsonl"
    ana window "c: from 1 s after the restart (kill -9 before)" "$W/pool/pool.jsonl" "$SHADOW_LOG" \
      "$(add "$up2" 1)" "$end2" 95 "$W/rc2.x.jsonl"
    ana pooled c "$W/pool/pool.jsonl" "$SHADOW_LOG" "$W/rc2.x.jsonl" \
      "launch1=$launch1,start1=$up1,kill1=$kill1,start2=$up2,share0=$share0,share100=$share100,end=$end"
  fi
fi
touch "$W/pool/stop"
wait "$cpid" 2>/dev/null

finish
