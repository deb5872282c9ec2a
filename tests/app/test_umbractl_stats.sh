#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# umbractl's appliance commands (stats, routes, route, share), from the
# outside, against a live umbra: it replays a capture forever from a pcap
# vdev for a few seconds (--duration) while the checks talk to its DPDK
# telemetry socket through --file-prefix, --socket and global-option forms;
# then, once it has exited, the same command must say unreachable (exit 3).
# Socket discovery (no --socket/--file-prefix) is checked in a private
# runtime directory ($RUNTIME_DIRECTORY) against small fake telemetry
# servers written here: one umbra, two umbras, a DPDK app without /umbra/
# commands, a stale socket, and a server that never answers (the 2 s
# deadline). Usage errors must never contact an appliance.
# usage: tests/app/test_umbractl_stats.sh UMBRACTL UMBRA
#        (prints 'ok NAME' / 'FAIL NAME: why', then 'N passed, N failed')
set -uo pipefail
if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -x "$2" ]; then
  echo "usage: $0 path/to/umbractl path/to/umbra" >&2; exit 2
fi
U=$(realpath "$1")
UMBRA=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX=umbctl$$
W=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$W" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# run ARGS...: exit code in $rc, stdout in $W/out, stderr in $W/err
run() { timeout 20 "$U" "$@" >"$W/out" 2>"$W/err"; rc=$?; }
out() { cat "$W/out"; }
err() { cat "$W/err"; }
one_err_line() { [ "$(grep -c . "$W/err")" -eq 1 ]; }
# check_rc NAME RC [PATTERN]: exit RC, nothing on stdout, one stderr line
# (matching PATTERN when given)
check_rc() {
  if [ "$rc" -eq "$2" ] && [ ! -s "$W/out" ] && one_err_line &&
      { [ $# -lt 3 ] || grep -q -- "$3" "$W/err"; }; then ok "$1"
  else ko "$1" "exit $rc (want $2), stdout: $(out | head -n 2) stderr: $(err | head -n 3)"; fi
}
# pyjson NAME EXPR: exit 0 and python3 asserts EXPR on d = the JSON on stdout
pyjson() {
  if [ "$rc" -eq 0 ] && python3 - "$W/out" "$2" 2>/dev/null <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
assert eval(sys.argv[2]), d
EOF
  then ok "$1"; else ko "$1" "exit $rc, stdout: $(out | head -c 400) stderr: $(err | head -n 2)"; fi
}
# grep_out NAME PATTERN: exit 0 and PATTERN (extended regex) on stdout
grep_out() {
  if [ "$rc" -eq 0 ] && grep -Eq -- "$2" "$W/out"; then ok "$1"
  else ko "$1" "exit $rc, stdout: $(out | head -n 5) stderr: $(err | head -n 2)"; fi
}

cd "$W" || exit 2

# ---- dispatch and usage errors (no appliance is contacted) -------------------------
run help
if [ $rc -eq 0 ] && grep -q '^  stats ' "$W/out" && grep -q '^  routes ' "$W/out" &&
    grep -q '^  route ' "$W/out" && grep -q '^  share ' "$W/out"; then
  ok "help lists stats, routes, route, share"
else ko "help lists the commands" "exit $rc: $(out)"; fi
run help stats
grep_out "help stats shows its usage and exit codes" "usage: umbractl .*stats.*--json"
# A socket that would hang is the proof nothing was contacted: any attempt
# would wait 2 s. Usage errors must be immediate.
BAD=/nonexistent/umbctl$$.sock
t0=$(date +%s%N)
run --socket "$BAD" share 150
check_rc "share 150 is a usage error" 2 "'150'"
run --socket "$BAD" share x
check_rc "share x is a usage error" 2 "'x'"
run --socket "$BAD" share 100.5
check_rc "share 100.5 is a usage error" 2
run --socket "$BAD" share 5e1
check_rc "share 5e1 is a usage error" 2
run --socket "$BAD" share ""
check_rc "share '' is a usage error" 2
run --socket "$BAD" share 12.34567
check_rc "share with 5 decimals is a usage error" 2
run --socket "$BAD" share 10 20
check_rc "share with two values is a usage error" 2
run --socket "$BAD" route
check_rc "route without a route is a usage error" 2 "which route"
run --socket "$BAD" stats extra
check_rc "stats with an operand is a usage error" 2 "unexpected argument"
run --socket "$BAD" stats --frobnicate
check_rc "an unknown option is a usage error" 2 "unknown option '--frobnicate'"
run --socket "$BAD" --file-prefix x stats
check_rc "--socket with --file-prefix is a usage error" 2 "one of --socket and --file-prefix"
run --file-prefix ../etc stats
check_rc "a --file-prefix with '/' is a usage error" 2 "file-prefix"
run --socket
check_rc "--socket without a value is a usage error" 2 "needs a value"
run --socket "$BAD"
check_rc "--socket without a command is a usage error" 2 "without a command"
run --socket "$BAD" diff a b
check_rc "diff rejects --socket" 2 "unknown option '--socket'"
t1=$(date +%s%N)
if [ $(((t1 - t0) / 1000000)) -lt 1500 ]; then ok "usage errors contact nothing (immediate)"
else ko "usage errors contact nothing" "took $(((t1 - t0) / 1000000)) ms"; fi

# ---- discovery and deadlines, against fake telemetry servers -----------------------
cat >"$W/fake.py" <<'EOF'
# fake.py SOCKET MODE READY: a DPDK telemetry v2 server. MODE umbra answers
# /umbra/stats, other answers null to everything, silent never greets.
import json, os, socket, sys
path, mode, ready = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(os.path.dirname(path), exist_ok=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
s.listen(16)
open(ready, "w").close()
held = []
while True:
    c, _ = s.accept()
    if mode == "silent":
        held.append(c)
        continue
    c.send(json.dumps({"version": "DPDK 22.11.11", "pid": os.getpid(),
                       "max_output_len": 16384}).encode())
    while True:
        r = c.recv(1024)
        if not r:
            break
        cmd = r.decode().split(",")[0]
        data = None
        if mode == "umbra" and cmd == "/umbra/stats":
            data = {"rx": {"packets": 7}, "records_in_flight": 0}
        c.send(json.dumps({cmd: data}, separators=(",", ":")).encode())
    c.close()
EOF
RT=$W/rt
mkdir -p "$RT/dpdk/empty"
fake() { # fake PREFIX MODE
  python3 "$W/fake.py" "$RT/dpdk/$1/dpdk_telemetry.v2" "$2" "$W/ready.$1" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -e "$W/ready.$1" ] && return 0; sleep 0.05; done
  echo "fake server $1 did not start" >&2
}
# a stale socket: bound, its server gone
mkdir -p "$RT/dpdk/stale"
python3 -c "import socket; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind('$RT/dpdk/stale/dpdk_telemetry.v2')"
fake other other
export RUNTIME_DIRECTORY=$RT
run stats
check_rc "discovery: no umbra among stale and foreign sockets is exit 3" 3 "no umbra appliance answers under $RT/dpdk"
run --socket "$RT/dpdk/other/dpdk_telemetry.v2" stats
check_rc "a DPDK app without /umbra/stats is exit 4" 4 "answered an error"
run --socket "$RT/dpdk/stale/dpdk_telemetry.v2" stats
check_rc "a stale socket is exit 3" 3 "refuses connections"
fake solo umbra
run stats --json
pyjson "discovery: the one umbra is found" "d['socket'] == '$RT/dpdk/solo/dpdk_telemetry.v2' and d['stats']['rx']['packets'] == 7"
fake second umbra
run stats
check_rc "discovery: two umbras is exit 2 listing their prefixes" 2 "file prefixes: second, solo"
fake silent silent
t0=$(date +%s%N)
run --file-prefix silent stats
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ $rc -eq 3 ] && one_err_line && grep -q "within 2 s" "$W/err" && [ $ms -lt 4000 ]; then
  ok "a server that never answers is exit 3 after the 2 s deadline (${ms} ms)"
else ko "silent server" "exit $rc after $ms ms: $(err)"; fi
unset RUNTIME_DIRECTORY

# ---- a live appliance ----------------------------------------------------------------
SOCK=/var/run/dpdk/$PREFIX/dpdk_telemetry.v2
CAP=$ROOT/tests/cases/keepalive-many/capture.pcap
"$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix=$PREFIX \
  --vdev "net_pcap0,rx_pcap=$CAP,infinite_rx=1" --log-level=lib.eal:error \
  -- --duration 5 --exchanges /dev/null >"$W/umbra.out" 2>&1 &
UPID=$!
PIDS+=($UPID)
up=0
for _ in $(seq 150); do # 15 s
  if [ -S "$SOCK" ] && timeout 5 "$U" --socket "$SOCK" stats >/dev/null 2>&1; then up=1; break; fi
  kill -0 $UPID 2>/dev/null || break
  sleep 0.1
done
if [ $up -eq 1 ]; then ok "umbra answers on $SOCK"
else ko "umbra answers" "no answer on $SOCK: $(tail -n 5 "$W/umbra.out")"; fi

# let traffic flow: wait (bounded) until requests are counted
for _ in $(seq 30); do
  run --file-prefix $PREFIX stats --json
  python3 -c "import json,sys; sys.exit(0 if json.load(open('$W/out'))['stats']['http']['requests'] > 0 else 1)" 2>/dev/null && break
  sleep 0.1
done

run --file-prefix $PREFIX stats
if [ $rc -eq 0 ] && grep -Eq "^requests +[1-9][0-9]*$" "$W/out" &&
    grep -Eq "^exchanges +[1-9][0-9]* +complete=[1-9]" "$W/out" &&
    grep -Eq "^rx packets +[1-9]" "$W/out" && grep -Eq "^decode errors +0$" "$W/out" &&
    grep -Eq "^records in flight +[0-9]+$" "$W/out" &&
    grep -q "^non-zero counters:" "$W/out" && grep -Eq "^http\.requests [1-9]" "$W/out" &&
    ! grep -Eq "^[a-z_]+\.[a-z_0-9]+ 0$" "$W/out"; then
  ok "stats text: summary lines and non-zero counters"
else ko "stats text" "exit $rc: $(out | head -n 12) $(err)"; fi
run --file-prefix $PREFIX stats --json
pyjson "stats --json: socket and counters > 0" \
  "d['socket'] == '$SOCK' and d['stats']['http']['requests'] > 0 and d['stats']['rx']['packets'] > 0 and 'records_in_flight' in d['stats'] and set(d) == {'socket', 'stats'}"
run --socket "$SOCK" stats --json
pyjson "--socket PATH before the command" "d['stats']['outcome']['complete'] > 0"
run stats --socket="$SOCK" --json
pyjson "--socket=PATH after the command" "d['socket'] == '$SOCK'"
run stats --json --file-prefix=$PREFIX
pyjson "--file-prefix=PREFIX after the command" "d['socket'] == '$SOCK'"

run --file-prefix $PREFIX routes
if [ $rc -eq 0 ] && head -n 1 "$W/out" | grep -Eq "^ +id +route +exchanges +compared +mismatch +slow$" &&
    [ "$(sed -n '2,$p' "$W/out" | grep -c 'GET /')" -ge 1 ]; then
  ok "routes lists at least one route"
else ko "routes" "exit $rc: $(out | head -n 4) $(err)"; fi
run --file-prefix $PREFIX routes --json
pyjson "routes --json: busiest first" \
  "len(d['routes']) >= 1 and all(a['exchanges'] >= b['exchanges'] for a, b in zip(d['routes'], d['routes'][1:])) and set(d['routes'][0]) == {'id', 'route', 'exchanges', 'compared', 'mismatched', 'slow'}"
NAME=$(python3 -c "import json; print([r['route'] for r in json.load(open('$W/out'))['routes'] if r['id'] == 0][0])" 2>/dev/null)
run --file-prefix $PREFIX route 0
if [ $rc -eq 0 ] && grep -Eq "^route +$NAME$" "$W/out" && grep -q "^  production_ttfb" "$W/out" &&
    grep -Eq "^outcomes +complete=[1-9]" "$W/out"; then
  ok "route 0 shows the route"
else ko "route 0" "exit $rc: $(out | head -n 8) $(err)"; fi
run --file-prefix $PREFIX route "$NAME" --json
pyjson "route NAME --json" \
  "d['route']['route'] == '$NAME' and d['route']['exchanges'] > 0 and 'p99_us' in d['route']['production_ttfb'] and isinstance(d['route']['differences'], list)"
run --file-prefix $PREFIX route 999
check_rc "route 999 is exit 4" 4 "no route '999'"
run --file-prefix $PREFIX route "GET /no/such/route"
check_rc "an unknown route name is exit 4" 4 "no route"

run --file-prefix $PREFIX share
if [ $rc -eq 0 ] && [ "$(out)" = "share 100%" ]; then ok "share reads 100"
else ko "share reads 100" "exit $rc: $(out) $(err)"; fi
run --file-prefix $PREFIX share 50
if [ $rc -eq 0 ] && [ "$(out)" = "share 50% (was 100%)" ]; then ok "share 50 sets it"
else ko "share 50" "exit $rc: $(out) $(err)"; fi
run --file-prefix $PREFIX share
if [ $rc -eq 0 ] && [ "$(out)" = "share 50%" ]; then ok "share reads 50 after"
else ko "share reads 50" "exit $rc: $(out) $(err)"; fi
run --file-prefix $PREFIX share 12.5 --json
pyjson "share 12.5 --json" "d['share_percent'] == 12.5 and d['share_ppm'] == 125000 and d['previous_percent'] == 50"
run --file-prefix $PREFIX share --json
pyjson "share --json reads it" "d == {'socket': '$SOCK', 'share_percent': 12.5, 'share_ppm': 125000}"

run --socket "/var/run/dpdk/$PREFIX/no-such.sock" stats
check_rc "a wrong --socket path is exit 3 with one line" 3 "no appliance socket at"
run --file-prefix no-such-prefix-$$ routes
check_rc "a --file-prefix with no appliance is exit 3" 3

# ---- after the appliance exits -------------------------------------------------------
for _ in $(seq 300); do kill -0 $UPID 2>/dev/null || break; sleep 0.1; done # 30 s
if kill -0 $UPID 2>/dev/null; then ko "umbra exits after --duration" "still running"
else ok "umbra exited after --duration"; fi
run stats --file-prefix $PREFIX
check_rc "stats after umbra exited is exit 3" 3

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
