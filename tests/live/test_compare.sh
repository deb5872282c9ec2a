#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The comparator end to end, in the lab (scripts/lab, docs/lab.md): umbra
# mirrors every flow to the shadow ("version 2" of tests/lab/server.py) and
# compares its answers with production's under config/lab/compare.ini.
# Version 2 differs on the /cmp routes one way each:
#   /cmp/rename  a field renamed         -> mismatch: removed $.name, added $.title
#   /cmp/number  a number beyond tolerance -> mismatch: changed $.price
#   /cmp/stamp   an added $..timestamp (ignored by the rules) -> match
#   /cmp/error   500 instead of 200      -> shadow_error, a status difference
#   /cmp/slow    3 s slower              -> match, flagged shadow_slower
#   /cmp/gzip    the same JSON gzip-encoded -> match (decoded before comparing)
#   /cmp/same    identical               -> match
# Each shows on its own route and path, and nothing else does: no difference
# from Date, Server, Connection or Content-Length headers. Every line parses
# with a strict JSON parser; the summary's routes, the telemetry's
# /umbra/routes and the exchange lines agree; the accounting adds up. Run
# twice: one lcore with every role, and two lcores with a comparator each
# (flows sharded by id, statistics merged).
# usage: tests/live/test_compare.sh UMBRA  (prints 'N passed, N failed[, N skipped]')
# Root only (skips otherwise). About a minute. Takes the lab down at the end.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 UMBRA" >&2; exit 2; }
UMBRA=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${UMB_PY:-/usr/bin/python3}
. "$ROOT/tests/live/lib.sh"
live_need_root
W=$(mktemp -d /tmp/umb-compare.XXXXXX)
PREFIX=umbcmp$$
upid=
RPID=
cleanup() {
  [ -n "$upid" ] && kill -9 "$upid" 2>/dev/null
  [ -n "$RPID" ] && kill "$RPID" 2>/dev/null
  lab_cleanup "$PREFIX"
}
trap cleanup EXIT
lab_fresh

mkdir -p "$W/conf"
cp "$ROOT"/config/lab/*.ini "$W/conf/"
sed -i -E '/^[[:space:]]*sample_share[[:space:]]*=/d' "$W/conf/umbra.ini"
echo "sample_share = 100" >>"$W/conf/umbra.ini"
cat >"$W/ana.py" <<'PY'
import json, sys
xf, sf, rt, r1, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def check(c, m, why=""):
    print(("ok " if c else "FAIL ") + m + ("" if c else ": " + str(why)))
def strict(line):
    def no_const(x):
        raise ValueError("non-standard constant " + x)
    return json.loads(line, parse_constant=no_const)
xs, bad = [], []
for line in open(xf, encoding="utf-8", errors="strict"):
    try:
        xs.append(strict(line))
    except Exception as e:
        bad.append(repr(e))
check(xs and not bad, "every exchange line is strict JSON (%d)" % len(xs), bad[:2])
cmp_ = [x for x in xs if x.get("uri", "").startswith("/cmp/")]
def kind(x):
    return x["uri"].split("/")[2]
def dk(x):
    return sorted((d["kind"], d.get("path", "")) for d in x.get("diffs", []))
want = {
    "rename": ("mismatch", [("added", "$.title"), ("removed", "$.name")]),
    "number": ("mismatch", [("changed", "$.price")]),
    "stamp": ("match", []),
    "error": ("shadow_error", None),
    "slow": ("match", []),
    "gzip": ("match", []),
    "same": ("match", []),
}
for k, (out, diffs) in want.items():
    got = [x for x in cmp_ if kind(x) == k]
    wrong = [(x["uri"], x.get("outcome"), dk(x)) for x in got
             if x.get("outcome") != out or (diffs is not None and dk(x) != diffs)]
    check(len(got) == n and not wrong,
          "/cmp/%s: %d exchanges, outcome %s, differences %s" % (k, len(got), out, diffs),
          wrong[:2] or "%d lines" % len(got))
    routes = {x.get("route") for x in got}
    check(routes == {"GET /cmp/%s/{id}" % k}, "/cmp/%s: route GET /cmp/%s/{id}" % (k, k), routes)
err = [x for x in cmp_ if kind(x) == "error"]
check(err and all(("status", "") in dk(x) and x.get("shadow_status") == 500 for x in err),
      "/cmp/error: a status difference 200 -> 500", [dk(x) for x in err[:1]])
nb = [d for x in err for d in x.get("diffs", []) if d["kind"] not in ("status", "changed", "added", "removed", "type_changed")]
slow = [x for x in cmp_ if kind(x) == "slow"]
check(slow and all(x.get("shadow_slower") is True for x in slow),
      "/cmp/slow: every exchange flagged shadow_slower", [x.get("shadow_slower") for x in slow])
others = [x for x in cmp_ if kind(x) != "slow" and x.get("shadow_slower")]
check(not others, "no other route is flagged slower", [(x["uri"]) for x in others[:3]])
hd = [(x["uri"], d) for x in cmp_ for d in x.get("diffs", []) if d["kind"] == "header"]
check(not hd, "no header difference (Date, Server, Connection, Content-Length ignored)", hd[:3])
num = [d for x in cmp_ if kind(x) == "number" for d in x.get("diffs", [])]
check(num and all(d.get("production") == 10.25 and d.get("shadow") == 10.75 for d in num),
      "/cmp/number: production 10.25, shadow 10.75 in the difference", num[:1])
s = json.load(open(sf))
routes = {r["route"]: r for r in s.get("routes", [])}
r = routes.get("GET /cmp/rename/{id}", {})
fields = {(d["kind"], d["path"]) for d in r.get("differences", [])}
check(r.get("compared") == n and r.get("mismatched") == n and
      fields == {("added", "$.title"), ("removed", "$.name")},
      "summary: route GET /cmp/rename/{id} compared %d, mismatched %d, two differing paths" % (n, n), r)
r = routes.get("GET /cmp/slow/{id}", {})
lat = r.get("latency_us", {})
check(r.get("slow") == n and lat.get("shadow_ttlb", {}).get("p50", 0) >= 2.5e6 and
      lat.get("production_ttlb", {}).get("p50", 1e9) < 1e6,
      "summary: /cmp/slow flagged %d times, shadow p50 >= 2.5 s, production p50 < 1 s" % n,
      {k: r.get(k) for k in ("slow", "latency_us")})
r = routes.get("GET /cmp/error/{id}", {})
check(r.get("outcomes", {}).get("shadow_error") == n and
      any(p["production"] == 200 and p["shadow"] == 500 for p in r.get("status_pairs", [])),
      "summary: /cmp/error shadow_error %d, status pair 200 -> 500" % n, r.get("status_pairs"))
outs = s.get("outcome", {})
total = sum(outs.values())
check(total == len(xs) and s.get("accounting_ok") is True,
      "outcomes add up to the exchange lines (%d) and the accounting is ok" % len(xs),
      (total, len(xs), s.get("accounting")))
check(len(s.get("mismatch_samples", [])) >= 2 * n,
      "summary: mismatch samples kept (%d)" % len(s.get("mismatch_samples", [])), "")
try:
    t = {r["route"]: r for r in json.loads(open(rt).read())["/umbra/routes"].values()}
    check(t.get("GET /cmp/rename/{id}", {}).get("mismatched") == n,
          "telemetry /umbra/routes: GET /cmp/rename/{id} mismatched %d" % n, t)
except Exception as e:
    check(False, "telemetry /umbra/routes answers", repr(e) + open(rt).read()[:200])
try:
    t = json.loads(open(r1).read())["/umbra/route"]
    check(t.get("compared") == n and "removed $.name %d" % n in t.get("differences", []),
          "telemetry /umbra/route,NAME: the route's differences", t)
except Exception as e:
    check(False, "telemetry /umbra/route answers", repr(e) + open(r1).read()[:200])
PY

SOCK=

# scenario TAG LCORES [ROLES]: one umbra run in the lab, the traffic, the
# checks (prefixed by TAG).
N=4
scenario() {
  local T=$1 LC=$2 ROLES=${3:-} rargs=() up=0 c k p rc line pids=() urls
  [ -n "$ROLES" ] && rargs=(--roles "$ROLES")
  # The first run also exports to a real Redis (docs/redis.md): its
  # mismatch samples land in the launch's stream.
  if [ "$T" = one ] && [ -n "$RSOCK" ]; then
    rargs+=(--redis "unix://$RSOCK" --launch "cmp$$")
  fi
  SOCK=/var/run/dpdk/$PREFIX-$T/dpdk_telemetry.v2
  "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l "$LC" --file-prefix="$PREFIX-$T" \
    --log-level=lib.eal:error -- --config "$W/conf/umbra.ini" "${rargs[@]}" \
    --exchanges "$W/$T.x.jsonl" --summary-json "$W/$T.s.json" >"$W/$T.out" 2>&1 &
  upid=$!
  for _ in $(seq 1 100); do
    if [ -S "$SOCK" ] && tel /umbra/routes >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.1
  done
  if [ $up -eq 1 ] && kill -0 "$upid" 2>/dev/null; then
    ok "$T: umbra runs in the lab with compare.ini (lcores $LC${ROLES:+, roles $ROLES})"
  else
    ko "$T: umbra start" "$(tail -n 5 "$W/$T.out")"; return
  fi
  sleep 0.5
  # N keep-alive connections, each asking every /cmp route once (slow on
  # connections of its own, in parallel, so the run stays short).
  for c in $(seq 1 $N); do
    urls=()
    for k in rename number stamp error gzip same; do
      urls+=(-o /dev/null "http://$PROD_IP/cmp/$k/$c")
    done
    timeout 60 ip netns exec "$CLIENT_NS" curl -sS -m 20 -w '%{http_code}\n' "${urls[@]}" \
      >"$W/$T.codes.$c" 2>&1 &
    pids+=($!)
    timeout 60 ip netns exec "$CLIENT_NS" curl -sS -m 20 -w '%{http_code}\n' \
      -o /dev/null "http://$PROD_IP/cmp/slow/$c" >"$W/$T.codes.slow.$c" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  if [ "$(cat "$W/$T".codes.* | grep -c '^200$')" -eq $((N * 7)) ]; then
    ok "$T: production answered every request 200 ($((N * 7)))"
  else
    ko "$T: production answers" "$(cat "$W/$T".codes.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  fi
  # The shadow's /cmp/slow takes 3 s: wait for its lines.
  for _ in $(seq 1 50); do
    [ "$(grep -c '"uri":"/cmp/' "$W/$T.x.jsonl" 2>/dev/null)" -ge $((N * 7)) ] && break
    sleep 0.2
  done
  tel /umbra/routes >"$W/$T.routes.tel" 2>&1
  tel "/umbra/route,GET /cmp/rename/{id}" >"$W/$T.route.tel" 2>&1
  kill -INT "$upid"
  for _ in $(seq 1 300); do kill -0 "$upid" 2>/dev/null || break; sleep 0.1; done
  wait "$upid"
  rc=$?
  upid=
  if [ $rc -eq 0 ] && grep -q "accounting: ok" "$W/$T.out"; then
    ok "$T: SIGINT stops umbra (exit 0, accounting: ok)"
  else
    ko "$T: umbra stop" "exit $rc: $(tail -n 5 "$W/$T.out" | tr '\n' ' ')"
  fi
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W/$T.out"; then
    ko "$T: no sanitizer report" "$(grep -m 3 -E 'ERROR: |runtime error:' "$W/$T.out" | tr '\n' ' ')"
  else
    ok "$T: no sanitizer report"
  fi
  timeout 60 "$PY" "$W/ana.py" "$W/$T.x.jsonl" "$W/$T.s.json" "$W/$T.routes.tel" \
    "$W/$T.route.tel" "$N" >"$W/$T.ana" 2>&1
  while IFS= read -r line; do
    case "$line" in
    "ok "*) pass=$((pass + 1)); echo "ok $T: ${line#ok }" ;;
    "FAIL "*) fail=$((fail + 1)); echo "FAIL $T: ${line#FAIL }" ;;
    *) echo "$line" ;;
    esac
  done <"$W/$T.ana"
  grep -qE '^(ok|FAIL) ' "$W/$T.ana" || ko "$T: analysis" "$(tail -n 5 "$W/$T.ana")"
  if [ "$T" = one ] && [ -n "$RSOCK" ]; then
    local xl mm
    xl=$(redis-cli -s "$RSOCK" XLEN "umbra:v1:launch:cmp$$:mismatches" 2>/dev/null)
    mm=$(redis-cli -s "$RSOCK" HGET "umbra:v1:launch:cmp$$:counters" outcome.mismatch 2>/dev/null)
    if [ "${xl:-0}" -ge $((2 * N)) ] && [ "${mm:-0}" -eq $((2 * N)) ]; then
      ok "$T: Redis holds the mismatch samples ($xl) and outcome.mismatch = $mm"
    else
      ko "$T: Redis samples" "XLEN $xl, outcome.mismatch $mm (want >= $((2 * N)), $((2 * N)))"
    fi
  fi
}

# A real redis-server on a unix socket for the first run (skipped if absent).
RSOCK=
if command -v redis-server >/dev/null 2>&1; then
  redis-server --port 0 --unixsocket "$W/r.sock" --unixsocketperm 700 --save '' \
    --appendonly no --daemonize no >"$W/redis.out" 2>&1 &
  RPID=$!
  for _ in $(seq 1 50); do
    redis-cli -s "$W/r.sock" ping >/dev/null 2>&1 && { RSOCK=$W/r.sock; break; }
    sleep 0.1
  done
fi

# One lcore running every role; then two lcores with a comparator on each
# (flows sharded between them: their statistics merge in the summary).
scenario one 0
scenario two 0-1 "0:rx+export+shadow+compare,1:reasm+compare"
finish
