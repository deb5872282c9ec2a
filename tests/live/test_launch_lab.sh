#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The launch lifecycle end to end in the lab (scripts/lab, docs/lab.md),
# steered with umbractl while keep-alive clients run (40 pooled
# connections, a GET every 100 ms each, URIs tagged with a request id):
#  A. with Redis (a redis-server on a unix socket, started here): start at
#     10%, raise to 50% live (the appliance follows within a second; more
#     connections reach the shadow), pause (the shadow's access log stops
#     growing), resume (it grows again), rollback (no connection from umbra
#     left on the shadow host within a second, checked with ss in its
#     namespace; resume is then refused, exit 5), status --json (state,
#     share, this appliance following with its last report);
#  B. with Redis, a second launch: promote (the frozen statistics are in
#     Redis, the launch's :final hash, and do not move afterwards);
#  C. without Redis, through the appliance's control socket: the same
#     share, pause, resume and rollback, then status.
# Production is untouched throughout: every client request is answered.
# usage: tests/live/test_launch_lab.sh UMBRA UMBRACTL
#   (prints 'N passed, N failed[, N skipped]'). Root only (skips otherwise).
#   About a minute and a half. Takes the lab down at the end.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 UMBRA UMBRACTL" >&2; exit 2; }
UMBRA=$(realpath "$1")
CTL=$(realpath "$2")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${UMB_PY:-/usr/bin/python3}
. "$ROOT/tests/live/lib.sh"
live_need_root
command -v redis-server >/dev/null || { ko "redis-server" "not installed"; finish; }
W=$(mktemp -d /tmp/umb-launch.XXXXXX)
PREFIX=umblaunch$$
upid= rpid= cpid=
cleanup() {
  [ -n "$cpid" ] && { touch "$W/stop"; sleep 0.3; kill "$cpid" 2>/dev/null; }
  [ -n "$upid" ] && kill -9 "$upid" 2>/dev/null
  [ -n "$rpid" ] && kill "$rpid" 2>/dev/null
  lab_cleanup "$PREFIX*"
}
trap cleanup EXIT
lab_fresh
CLIENT=(ip netns exec "$CLIENT_NS")

redis-server --port 0 --unixsocket "$W/redis.sock" --unixsocketperm 700 \
  --save "" --appendonly no --dir "$W" >"$W/redis.out" 2>&1 &
rpid=$!
for _ in $(seq 1 50); do [ -S "$W/redis.sock" ] && break; sleep 0.1; done
[ -S "$W/redis.sock" ] || { ko "redis-server" "$(tail -n 3 "$W/redis.out")"; finish; }
RURL="unix://$W/redis.sock"
rcli() { redis-cli -s "$W/redis.sock" "$@"; }

mkdir -p "$W/conf"
cp "$ROOT"/config/lab/*.ini "$W/conf/"

# The clients: pooled keep-alive connections, each a GET every 100 ms,
# /api/items/lc-CONN-SEQ; results in $W/client.json at $W/stop.
cat >"$W/client.py" <<'PY'
import http.client, json, os, sys, time
host, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
conns = [[i, None, 0] for i in range(n)]
errors, sent, seq = [], 0, 0
t0 = time.monotonic()
while not os.path.exists(os.path.join(d, "stop")) and time.monotonic() - t0 < 300:
    tick = time.monotonic()
    for e in conns:
        try:
            if e[1] is None:
                e[1] = http.client.HTTPConnection(host, 80, timeout=10)
            e[1].request("GET", "/api/items/lc-%d-%d" % (e[0], seq),
                         headers={"User-Agent": "umb-launch"})
            r = e[1].getresponse()
            r.read()
            sent += 1
            if r.status != 200:
                errors.append("status %d" % r.status)
        except Exception as ex:
            errors.append(repr(ex))
            try:
                e[1].close()
            except Exception:
                pass
            e[1] = None
    seq += 1
    left = 0.1 - (time.monotonic() - tick)
    if left > 0:
        time.sleep(left)
json.dump({"sent": sent, "errors": errors[:10], "nerrors": len(errors)},
          open(os.path.join(d, "client.json"), "w"))
PY
# Shadow log: request lines of this test ("lc-"), and connections seen.
shadow_count() { grep -c '/api/items/lc-' "$SHADOW_LOG" 2>/dev/null || echo 0; }
shadow_conns_since() { # LINE: distinct client connections logged after line LINE
  tail -n +"$(($1 + 1))" "$SHADOW_LOG" 2>/dev/null | grep -o '/api/items/lc-[0-9]*-' | sort -u | wc -l
}
umbra_conns() { # established connections from umbra on the shadow host
  # (the shadow server listens on ::, so IPv4 peers show as [::ffff:A])
  ip netns exec "$SHADOW_NS" ss -Htn state established 2>/dev/null |
    grep -cE "[[:space:]]\[?(::ffff:)?${UMBRA_SHADOW_IP//./\\.}\]?:[0-9]+[[:space:]]*\$" || true
}
tel() { tel_at "/var/run/dpdk/$1/dpdk_telemetry.v2" "$2"; } # tel PREFIX CMD
share_is() { # share_is PREFIX PCT: within 1.5 s the appliance applies PCT
  local want=$(( $2 * 10000 ))
  for _ in $(seq 1 15); do
    tel "$1" /umbra/share 2>/dev/null | grep -q "\"share_ppm\": *$want[,}]" && return 0
    sleep 0.1
  done
  return 1
}
start_umbra() { # start_umbra TAG PREFIX [umbra options]
  local tag=$1 pfx=$2
  shift 2
  "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix "$pfx" \
    --log-level=lib.eal:error -- --config "$W/conf/umbra.ini" \
    --exchanges "$W/$tag.x.jsonl" --summary-json "$W/$tag.s.json" "$@" \
    >"$W/$tag.out" 2>&1 &
  upid=$!
  # Ready once its own telemetry commands answer (the socket comes first).
  for _ in $(seq 1 100); do
    [ -S "/var/run/dpdk/$pfx/dpdk_telemetry.v2" ] &&
      tel "$pfx" /umbra/share 2>/dev/null | grep -q share_ppm && return 0
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}
stop_umbra() { # stop_umbra TAG: SIGINT, exit 0, accounting ok
  kill -INT "$upid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$upid" 2>/dev/null || break; sleep 0.1; done
  if wait "$upid"; then
    ok "$1: umbra stops with exit 0"
  else
    ko "$1: umbra exit" "$(tail -n 5 "$W/$1.out")"
  fi
  upid=
  if grep -qE '"accounting_ok":[[:space:]]*true' "$W/$1.s.json" 2>/dev/null; then
    ok "$1: accounting ok"
  else
    ko "$1: accounting" "$(head -c 300 "$W/$1.s.json" 2>/dev/null)"
  fi
}
start_clients() {
  rm -f "$W/stop" "$W/client.json"
  "${CLIENT[@]}" "$PY" "$W/client.py" "$PROD_IP" "$W" 40 >"$W/client.out" 2>&1 &
  cpid=$!
}
stop_clients() { # stop_clients TAG
  touch "$W/stop"
  wait "$cpid" 2>/dev/null
  cpid=
  if "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["sent"] > 0 and r["nerrors"] == 0 else 1)' "$W/client.json" 2>/dev/null; then
    ok "$1: production answered every client request ($(sed -nE 's/.*"sent": ([0-9]+).*/\1/p' "$W/client.json"))"
  else
    ko "$1: clients" "$(cat "$W/client.json" "$W/client.out" 2>/dev/null | head -c 400)"
  fi
}
ctl() { "$CTL" "$@" >"$W/ctl.out" 2>&1; }
grows() { # grows SECONDS: the shadow log got new lines of ours in that time
  local a b
  a=$(shadow_count); sleep "$1"; b=$(shadow_count)
  [ "$b" -gt "$a" ]
}
# rollback_check TAG HOW UMBRACTL-OPTIONS...: umbractl launch rollback, then
# no connection from umbra left on the shadow host within a second
rollback_check() {
  local tag=$1 how=$2 before left t0
  shift 2
  before=$(umbra_conns)
  ctl "$@" launch rollback || ko "$tag: rollback" "$(cat "$W/ctl.out")"
  t0=$(date +%s%N)
  left=-1
  for _ in $(seq 1 30); do
    if [ "$(umbra_conns)" -eq 0 ]; then left=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
    sleep 0.05
  done
  if [ "$before" -gt 0 ] && [ "$left" -ge 0 ] && [ "$left" -le 1000 ]; then
    ok "$tag: rollback $how: $before shadow connections from umbra before, none left after $left ms"
  else
    ko "$tag: rollback" "$before connections before; after 1.5 s: $(umbra_conns) ($left ms)"
  fi
}
still() { # still SECONDS: no new line in that time
  local a b
  a=$(shadow_count); sleep "$1"; b=$(shadow_count)
  echo "$a -> $b"
  [ "$b" -eq "$a" ]
}

# ---- A. with Redis: start 10%, 50%, pause, resume, rollback ----
L=lablife$$
if ctl --redis "$RURL" --launch "$L" launch start 10; then
  ok "A: umbractl launch start 10 (Redis)"
else
  ko "A: launch start" "$(cat "$W/ctl.out")"
fi
if ! start_umbra A "$PREFIX" --redis "$RURL" --launch "$L"; then
  ko "A: umbra start" "$(tail -n 5 "$W/A.out")"; finish
fi
if share_is "$PREFIX" 10; then ok "A: the appliance follows the record: share 10%"; else
  ko "A: share 10%" "$(tel "$PREFIX" /umbra/share 2>&1)"; fi
start_clients
sleep 3
l10=$(shadow_count)
c10=$(shadow_conns_since 0)
t0=$(date +%s.%N)
ctl --redis "$RURL" --launch "$L" launch share 50
if share_is "$PREFIX" 50; then
  ok "A: share 50% applied within a second ($(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s)"
else
  ko "A: share 50%" "$(cat "$W/ctl.out"; tel "$PREFIX" /umbra/share 2>&1)"
fi
sleep 3
c50=$(shadow_conns_since "$l10")
if [ "$c10" -ge 1 ] && [ "$c50" -gt "$c10" ]; then
  ok "A: raised live on pooled connections: $c10 connections mirrored at 10%, $c50 after the raise (of 40)"
else
  ko "A: raise to 50%" "$c10 connections at 10%, $c50 after"
fi
ctl --redis "$RURL" --launch "$L" launch pause || ko "A: pause" "$(cat "$W/ctl.out")"
sleep 1.2
if r=$(still 2); then ok "A: paused: the shadow's access log stops growing ($r)"; else
  ko "A: pause" "the shadow log still grows: $r"; fi
ctl --redis "$RURL" --launch "$L" launch resume || ko "A: resume" "$(cat "$W/ctl.out")"
if grows 2; then ok "A: resumed: the shadow's access log grows again"; else
  ko "A: resume" "no new line in the shadow log"; fi
rollback_check A "through Redis" --redis "$RURL" --launch "$L"
sleep 0.3
if r=$(still 2); then ok "A: rolled back: nothing reaches the shadow ($r)"; else
  ko "A: rolled back" "the shadow log still grows: $r"; fi
"$CTL" --redis "$RURL" --launch "$L" launch resume >"$W/ctl.out" 2>&1
rc=$?
if [ $rc -eq 5 ] && [ "$(wc -l <"$W/ctl.out")" -eq 1 ]; then
  ok "A: resume after rollback refused (exit 5): $(cat "$W/ctl.out")"
else
  ko "A: resume after rollback" "exit $rc: $(cat "$W/ctl.out")"
fi
if "$CTL" --redis "$RURL" --launch "$L" launch status --json >"$W/status.json" 2>"$W/ctl.out" &&
  "$PY" - "$W/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
st = json.dumps(s)
assert s.get("state") == "rolled_back", s.get("state")
app = s.get("appliances") or []
assert len(app) >= 1, "no appliance following"

PY
then
  ok "A: status --json: rolled_back, the appliance following with its last report"
else
  ko "A: status --json" "$(head -c 600 "$W/status.json"; cat "$W/ctl.out")"
fi
stop_clients A
stop_umbra A
if grep -qE '"rollback_closes":[[:space:]]*[1-9]' "$W/A.s.json"; then
  ok "A: the summary counts the rollback's closes"
else
  ko "A: rollback counters" "$(grep -o '"rollback[a-z_]*": *[0-9]*' "$W/A.s.json" | tr '\n' ' ')"
fi

# ---- B. with Redis: promote freezes the statistics ----
L2=labprom$$
ctl --redis "$RURL" --launch "$L2" launch start 100 || ko "B: start" "$(cat "$W/ctl.out")"
if ! start_umbra B "$PREFIX"b --redis "$RURL" --launch "$L2"; then
  ko "B: umbra start" "$(tail -n 5 "$W/B.out")"; finish
fi
start_clients
sleep 3
ctl --redis "$RURL" --launch "$L2" launch promote || ko "B: promote" "$(cat "$W/ctl.out")"
sleep 2.5
k="umbra:v1:launch:$L2:final"
f1=$(rcli HGETALL "$k" | paste -sd' ')
sleep 2
f2=$(rcli HGETALL "$k" | paste -sd' ')
if [ -n "$f1" ] && [ "$f1" = "$f2" ] && echo "$f1" | grep -qE '[0-9]'; then
  ok "B: promote: the frozen statistics are in Redis ($k, $(rcli HLEN "$k") fields) and stay"
else
  ko "B: promote" "final: '${f1:0:300}' then '${f2:0:300}'"
fi
if r=$(still 2); then ok "B: promoted: mirroring stops ($r)"; else
  ko "B: promoted" "the shadow log still grows: $r"; fi
stop_clients B
stop_umbra B

# ---- C. without Redis, through the control socket ----
P3=${PREFIX}c
if ! start_umbra C "$P3"; then
  ko "C: umbra start" "$(tail -n 5 "$W/C.out")"; finish
fi
start_clients
ctl --file-prefix "$P3" launch share 10 || ko "C: share 10" "$(cat "$W/ctl.out")"
if share_is "$P3" 10; then ok "C: share 10% through the control socket"; else
  ko "C: share 10%" "$(tel "$P3" /umbra/share 2>&1)"; fi
sleep 2
ctl --file-prefix "$P3" launch pause || ko "C: pause" "$(cat "$W/ctl.out")"
sleep 1.2
if r=$(still 2); then ok "C: paused through the socket: the shadow log stops growing ($r)"; else
  ko "C: pause" "the shadow log still grows: $r"; fi
ctl --file-prefix "$P3" launch resume || ko "C: resume" "$(cat "$W/ctl.out")"
ctl --file-prefix "$P3" launch share 100 || ko "C: share 100" "$(cat "$W/ctl.out")"
if grows 2; then ok "C: resumed at 100%: the shadow log grows"; else ko "C: resume" "no new line"; fi
rollback_check C "through the socket" --file-prefix "$P3"
if "$CTL" --file-prefix "$P3" launch status --json >"$W/status3.json" 2>"$W/ctl.out" &&
  grep -q '"rolled_back"' "$W/status3.json"; then
  ok "C: status --json through the socket says rolled_back"
else
  ko "C: status" "$(head -c 400 "$W/status3.json"; cat "$W/ctl.out")"
fi
stop_clients C
stop_umbra C
finish
