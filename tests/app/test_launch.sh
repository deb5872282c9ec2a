#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The launch lifecycle (docs/umbractl.md, docs/redis.md), with no lab:
#  - usage errors of `umbractl launch`: one line, exit 2, nothing contacted,
#    no password echoed;
#  - embedded (no Redis), through the telemetry socket, on live appliances
#    whose tap is a net_pcap vdev replaying a capture forever and whose
#    shadow port is net_null with the in-process responder (so flows really
#    are mirrored): status, start/share/pause/resume/promote, unchanged
#    verbs, illegal transitions (exit 5), pause stops mirroring and resume
#    brings it back, rollback shuts the open shadow connections at once;
#  - Redis (a redis-server started here on a unix socket): umbractl changes
#    the record (history stream, PUBLISH, :final on promote), a live
#    appliance follows within 1 s (read back through /umbra/share), refuses
#    local verbs, shuts its shadow connections on rollback; an appliance
#    restarted mid-launch resumes the record's state; a promoted launch gets
#    the appliance's final flush; two offline appliances on one launch:
#    `launch status` requests, mirrored and outcomes are the sums of their
#    summaries (test_redis.sh checks every counter); Redis killed: umbractl
#    says unreachable (exit 3), the appliance runs on and subscribes again;
#    wrong and right passwords (URL, environment, file), a record that is
#    not understood;
#  - the appliance's subscriber (SUBSCRIBE to the launch's :events channel):
#    with it up, a change through umbractl is applied within 200 ms in at
#    least 9 of 10 tries; a change made with HSET alone (no PUBLISH: the
#    message missed) is still applied within 1 s (the periodic re-read); a
#    subscriber answered garbage, a huge string and a huge array (a proxy)
#    counts each as an error and reconnects, the batch connection untouched;
#    with every answer on the batch connection 1.2 s late (a proxy), pause
#    and rollback are still applied within 900 ms, from their message, and
#    the late record answers do not undo them.
# Every wait is bounded; everything started here is stopped on exit.
# usage: tests/app/test_launch.sh UMBRACTL UMBRA   (prints 'N passed, N failed')
set -uo pipefail
if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -x "$2" ]; then
  echo "usage: $0 path/to/umbractl path/to/umbra" >&2; exit 2
fi
U=$(realpath "$1")
UMBRA=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CAP=$ROOT/tests/cases/keepalive-many/capture.pcap
CAP2=$ROOT/tests/cases/pipelined/capture.pcap
RULES=$ROOT/config/lab/compare.ini
P=umblaunch$$
W=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$W" /var/run/dpdk/"$P"*
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
for t in redis-server redis-cli python3; do
  command -v "$t" >/dev/null || { ko setup "$t not installed (scripts/setup)"; finish; }
done
for f in "$CAP" "$CAP2" "$RULES"; do [ -f "$f" ] || { ko setup "no $f"; finish; }; done
cd "$W" || exit 2

# run ARGS...: exit code in $rc, stdout in $W/out, stderr in $W/err
run() { timeout 20 "$U" "$@" >"$W/out" 2>"$W/err"; rc=$?; }
out() { cat "$W/out"; }
err() { cat "$W/err"; }
one_err_line() { [ "$(grep -c . "$W/err")" -eq 1 ]; }
# check_rc NAME RC [PATTERN]: exit RC, nothing on stdout, one line on stderr
check_rc() {
  if [ "$rc" -eq "$2" ] && [ ! -s "$W/out" ] && one_err_line &&
      { [ $# -lt 3 ] || grep -q -- "$3" "$W/err"; } && ! grep -q hunter2 "$W/err"; then
    ok "$1 (exit $rc: $(err))"
  else ko "$1" "exit $rc (want $2), stdout: $(out | head -n 2) stderr: $(err | head -n 3)"; fi
}
# pyjson NAME EXPR: exit 0 and python3 asserts EXPR on d = the JSON on stdout
pyjson() {
  if [ "$rc" -eq 0 ] && python3 - "$W/out" "$2" 2>"$W/pyerr" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
assert eval(sys.argv[2]), d
EOF
  then ok "$1"; else ko "$1" "exit $rc, stdout: $(out | head -c 600) stderr: $(err | head -n 2) $(tail -n 1 "$W/pyerr")"; fi
}
# grep_out NAME PATTERN: exit 0 and PATTERN (extended regex) on stdout
grep_out() {
  if [ "$rc" -eq 0 ] && grep -Eq -- "$2" "$W/out"; then ok "$1"
  else ko "$1" "exit $rc, stdout: $(out | head -n 5) stderr: $(err | head -n 2)"; fi
}
# jget FILE EXPR: python3 evaluates EXPR on d = the JSON in FILE
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

STATUS_KEYS="{'launch', 'source', 'where', 'id', 'state', 'share_percent', 'share_ppm', 'effective_share_ppm', 'rules', 'created_us', 'updated_us', 'appliances', 'requests', 'requests_sampled', 'requests_mirrored', 'outcomes', 'history', 'final'}"
VERB_KEYS="{'launch', 'source', 'where', 'verb', 'arg', 'result', 'message', 'from', 'state', 'share_percent', 'share_ppm', 'effective_share_ppm'}"

# ---- usage errors: nothing is contacted ------------------------------------------
BAD=/nonexistent/$P.sock
t0=$(date +%s%N)
run --socket "$BAD" launch
check_rc "no verb is a usage error" 2 "which verb"
run --socket "$BAD" launch frobnicate
check_rc "an unknown verb is a usage error" 2 "unknown verb 'frobnicate'"
run --socket "$BAD" launch share
check_rc "share without a share" 2 "needs a percentage"
for v in 150 5e1 -1 x 12.34567 100.0001 ""; do
  run --socket "$BAD" launch share "$v"
  check_rc "share '$v' is a usage error" 2 "expected a percentage"
done
run --socket "$BAD" launch pause 10
check_rc "pause takes no share" 2 "unexpected argument '10'"
run --socket "$BAD" launch status x
check_rc "status takes no operand" 2 "unexpected argument 'x'"
run --socket "$BAD" launch start 10 20
check_rc "start takes one share" 2 "unexpected argument '20'"
run --redis "unix://$W/none.sock" --socket "$BAD" launch status
check_rc "--redis with --socket" 2 "not both"
run --redis localhost:6379 launch status
check_rc "a URL without a scheme" 2 "no redis:// or unix:// scheme"
run --redis redis://:hunter2@127.0.0.1:99999/0 launch status
check_rc "a bad port (the password not echoed)" 2 "port '99999' is not in"
run --redis redis://127.0.0.1:6379/x launch status
check_rc "a bad db" 2 "db 'x' is not a number"
run --redis rediss://127.0.0.1 launch status
check_rc "TLS is refused" 2 "TLS"
run --redis "unix://$W/none.sock" --launch "a b" launch status
check_rc "a launch name with a space" 2 "is not a launch name"
run --redis "unix://$W/none.sock" --launch 'x:*' launch status
check_rc "a launch name with ':' and '*'" 2 "is not a launch name"
run --redis "unix://$W/none.sock" --launch "$(printf 'n%.0s' $(seq 65))" launch status
check_rc "a launch name of 65 characters" 2 "1 to 64 characters"
run --redis "unix://$W/none.sock" --launch "" launch status
check_rc "an empty launch name" 2 "1 to 64 characters"
run --socket "$BAD" launch pause --who "a b"
check_rc "--who with a space" 2 "--who"
run --socket "$BAD" launch start --rules "$RULES"
check_rc "--rules without --redis" 2 "--rules goes with"
run --socket "$BAD" launch status --redis-password-file /etc/hostname
check_rc "--redis-password-file without --redis" 2 "without --redis"
printf 'hunter2\n' >"$W/pw.open"; chmod 644 "$W/pw.open"
run --redis "unix://$W/none.sock" --redis-password-file "$W/pw.open" launch status
check_rc "a password file open to others" 2 "chmod 600"
printf 'x\n' >"$W/pw.ok"; chmod 600 "$W/pw.ok"
run --redis "redis://:hunter2@127.0.0.1:1/0" --redis-password-file "$W/pw.ok" launch status
check_rc "a password in the URL and a file" 2 "keep one"
run --socket "$BAD" launch pause --frob
check_rc "an unknown option" 2 "unknown option '--frob'"
run --launch x stats
check_rc "stats takes no --launch" 2 "unknown option '--launch'"
if [ "$(ms_since "$t0")" -lt 3000 ]; then ok "usage errors contact nothing ($(ms_since "$t0") ms for all)"
else ko "usage errors are immediate" "$(ms_since "$t0") ms"; fi
run launch --help
grep_out "launch --help lists the verbs and exit codes" "rollback.*shadow connection"
run help
grep_out "help lists launch" "^  launch "

# ---- live appliances ---------------------------------------------------------------
# The tap's capture: 64 interleaved keep-alive connections of 6 requests each,
# replayed forever, so that many shadow connections are open at any time
# (at every time: see mk.py).
cat >"$W/mk.py" <<'EOF'
# mk.py OUT FLOWS REQUESTS: interleaved HTTP/1.1 keep-alive connections
import struct, sys
out, nflows, nreq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return 0xffff - s
frames = []
def pkt(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    frames.append(eth + ip + tcp)
S, A, P, F = 2, 16, 8, 1
cli, srv = bytes([10, 1, 0, 1]), bytes([10, 2, 0, 1])
# Two groups of connections, A and B, whose lives overlap so that one of
# them is open at every instant of the replay, across the loop too: B's
# second half and FIN open the capture, its SYN and first half come after
# A's first half, so each loop carries B on (picked up mid-stream in the
# first). Whole connections one after the other would let every shadow
# connection end at each loop boundary, and a rollback that came then
# would find nothing to shut.
def conn(port, k):  # the frames of one connection: syn, one list per request, fin
    global frames
    out, cs, ss = {"req": []}, 1000 * k + 1, 500000 + 1000 * k + 1
    frames = []
    pkt(cli, srv, port, 80, cs - 1, 0, S)
    pkt(srv, cli, 80, port, ss - 1, cs, S | A)
    pkt(cli, srv, port, 80, cs, ss, A)
    out["syn"] = frames
    for r in range(nreq):
        frames = []
        req = b"GET /items/%d HTTP/1.1\r\nHost: shop\r\n\r\n" % (k * 100 + r)
        body = b'{"id":%d}' % (k * 100 + r)
        resp = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        pkt(cli, srv, port, 80, cs, ss, P | A, req)
        cs += len(req)
        pkt(srv, cli, 80, port, ss, cs, P | A, resp)
        ss += len(resp)
        pkt(cli, srv, port, 80, cs, ss, A)
        out["req"].append(frames)
    frames = []
    pkt(cli, srv, port, 80, cs, ss, F | A)
    pkt(srv, cli, 80, port, ss, cs + 1, F | A)
    pkt(cli, srv, port, 80, cs + 1, ss + 1, A)
    out["fin"] = frames
    return out
ga = [conn(20000 + i, i) for i in range(nflows // 2)]
gb = [conn(21000 + i, nflows // 2 + i) for i in range(nflows - nflows // 2)]
half = nreq // 2
capture = []
def put(group, what, r=None):
    for c in group:
        capture.extend(c[what] if r is None else c[what][r])
put(ga, "syn")
for r in range(half):                # B's second half beside A's first
    put(gb, "req", half + r)
    put(ga, "req", r)
put(gb, "fin")                       # B ends while A is open
put(gb, "syn")
for r in range(nreq - half):         # A's second half beside B's first
    put(ga, "req", half + r)
    if r < half:
        put(gb, "req", r)
put(ga, "fin")                       # A ends while B is open
frames = capture
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for n, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000 + n // 1000000, n % 1000000, len(fr), len(fr)) + fr)
EOF
python3 "$W/mk.py" "$W/many.pcap" 64 6 || { ko setup "cannot write the capture"; finish; }
# appliance TAG LCORE SECONDS [umbra options...]: umbra with the tap on the
# capture (forever) and a net_null shadow answered by the in-process
# responder, 50% share, no session caps; file prefix $P$TAG; sets APID.
appliance() {
  local tag=$1 lcore=$2 secs=$3 d=$W/cfg-$1
  shift 3
  mkdir -p "$d"
  printf '[port]\nrole = tap\ndevargs = net_pcap_%s0,rx_pcap=%s,infinite_rx=1\n' "$tag" "$W/many.pcap" >"$d/tap.ini"
  printf '%s\n' '[port]' 'role = shadow' "devargs = net_null_${tag}1,no-rx=1" '[shadow]' \
    'ipv4 = 10.88.0.1' 'mac = 02:75:6d:88:00:01' 'target_ipv4 = 10.88.0.20' \
    'target_port = 80' 'next_hop_mac = 02:75:6d:88:00:20' >"$d/shadow.ini"
  printf '%s\n' '[launch]' 'ports = tap.ini, shadow.ini' 'sample_share = 50' 'max_sessions = 60000' \
    'new_sessions_per_sec = 10000000' 'session_burst = 1000000' >"$d/umbra.ini"
  timeout $((secs + 30)) "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l "$lcore" --file-prefix="$P$tag" \
    --log-level=lib.eal:error --log-level=pmd.net.pcap:error -- --config "$d/umbra.ini" \
    --bench-responder --duration "$secs" --exchanges /dev/null --summary-json "$W/$tag.json" \
    "$@" >"$W/$tag.out" 2>"$W/$tag.err" &
  APID=$!
  PIDS+=("$APID")
}
# up TAG PID: wait (15 s at most) until the appliance answers /umbra/launch
up() {
  for _ in $(seq 150); do
    timeout 5 "$U" --file-prefix "$P$1" launch status >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  ko "appliance $1 answers" "$(tail -n 3 "$W/$1.err")"
  return 1
}
# ctr TAG GROUP NAME: a live counter (umbractl stats --json)
ctr() {
  timeout 5 "$U" --file-prefix "$P$1" stats --json 2>/dev/null |
    python3 -c "import json,sys; print(json.load(sys.stdin)['stats']['$2']['$3'])" 2>/dev/null
}
applied() { # applied TAG: the share applied now (ppm), from /umbra/share
  timeout 5 "$U" --file-prefix "$P$1" share --json 2>/dev/null |
    python3 -c "import json,sys; print(json.load(sys.stdin)['share_ppm'])" 2>/dev/null
}
# watch.py SOCKET T0_NS TIMEOUT_MS MODE [N]: polls the appliance's telemetry
# every 5 ms until MODE holds: "share N" (the share applied is N ppm),
# "closes N" (mirror.rollback_closes + rollback_resets above N), "noconn"
# (no shadow connection open: peer opened == closed). Prints the ms since
# T0_NS (wall clock) and the value; exit 1 (with the last value) on timeout.
cat >"$W/watch.py" <<'EOF'
import json, socket, sys, time
path, t0, limit, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
n = int(sys.argv[5]) if len(sys.argv) > 5 else 0
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(2)
s.connect(path)
json.loads(s.recv(16384))
def call(c):
    s.send(c.encode())
    return json.loads(s.recv(1 << 20))[c]
def value():
    if mode == "share":
        return call("/umbra/share")["share_ppm"]
    st = call("/umbra/stats")
    if mode == "closes":
        return st["mirror"]["rollback_closes"] + st["mirror"]["rollback_resets"]
    p = st["peer"]
    return p["opened"] - sum(v for k, v in p.items() if k.startswith("closed_"))
def done(v):
    return v == n if mode == "share" else v > n if mode == "closes" else v == 0
while True:
    v = value()
    ms = (time.time_ns() - t0) // 1000000
    if done(v):
        print(ms, v)
        sys.exit(0)
    if ms > limit:
        print("never", v)
        sys.exit(1)
    time.sleep(0.005)
EOF
# follow.py SOCKET TRIES LIMIT_MS CMD...: TRIES times, after a random pause
# (0.1-0.6 s, so as not to keep step with the appliance's periodic read),
# runs CMD with {pct} replaced by a new share and polls the appliance's
# /umbra/share every 2 ms, from just before CMD starts (one process: no
# interpreter start in the figure), until that share is applied. Prints the
# ms each try took ("never" past LIMIT_MS, "failed" when CMD failed).
cat >"$W/follow.py" <<'EOF'
import json, random, socket, subprocess, sys, time
path, tries, limit, cmd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(2)
s.connect(path)
json.loads(s.recv(16384))
def share():
    s.send(b"/umbra/share")
    return json.loads(s.recv(65536))["/umbra/share"]["share_ppm"]
out = []
for i in range(tries):
    pct = 21 + (i * 7 + share() // 10000) % 60
    time.sleep(random.uniform(0.1, 0.6))
    t0 = time.monotonic()
    p = subprocess.Popen([a.replace("{pct}", str(pct)) for a in cmd],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        ms = (time.monotonic() - t0) * 1000
        if share() == pct * 10000:
            out.append("%.0f" % ms)
            break
        if ms > limit:
            out.append("never")
            break
        time.sleep(0.002)
    if p.wait(timeout=10) != 0:
        out[-1] = "failed"
print(" ".join(out))
EOF
# follow_n TAG TRIES LIMIT_MS CMD...: follow.py on appliance TAG; its figures in FOLLOWED
follow_n() {
  local tag=$1
  shift
  FOLLOWED=$(timeout 60 python3 "$W/follow.py" "/var/run/dpdk/$P$tag/dpdk_telemetry.v2" "$@" 2>&1)
}
# within MS: how many of FOLLOWED took MS or less
within() {
  local n=0 v
  for v in $FOLLOWED; do [[ $v =~ ^[0-9]+$ ]] && [ "$v" -le "$1" ] && n=$((n + 1)); done
  echo "$n"
}
# watch TAG T0_NS TIMEOUT_MS MODE [N]: sets WAITED (ms) and WVAL; 0 when it held
watch() {
  local r rc tag=$1
  shift
  r=$(timeout 10 python3 "$W/watch.py" "/var/run/dpdk/$P$tag/dpdk_telemetry.v2" "$@" 2>/dev/null)
  rc=$?
  WAITED=${r%% *}
  WVAL=${r##* }
  return $rc
}
# wait_applied TAG PPM: at most 3 s; the ms it took in WAITED
wait_applied() { watch "$1" "$(date +%s%N)" 3000 share "$2"; }
# wait_exit PID TENTHS: its exit code in URC
wait_exit() {
  URC=timeout
  for _ in $(seq "$2"); do
    if ! kill -0 "$1" 2>/dev/null; then wait "$1"; URC=$?; return 0; fi
    sleep 0.1
  done
  return 1
}
# open_conns TAG: shadow connections open now (peer: opened - closed)
open_conns() {
  timeout 5 "$U" --file-prefix "$P$1" stats --json 2>/dev/null | python3 -c "
import json, sys
p = json.load(sys.stdin)['stats']['peer']
print(p['opened'] - sum(v for k, v in p.items() if k.startswith('closed_')))" 2>/dev/null
}
# no_conn_left TAG T0_NS: no shadow connection open within 1 s of T0; ms in WAITED
no_conn_left() { watch "$1" "$2" "${3:-1000}" noconn; }
rstat() { sed -n 's/^redis: .*[ ]'"$2"'=\([0-9]*\).*/\1/p' "$1" | tail -n 1; }

# ---- embedded: the lifecycle through the socket ------------------------------------
appliance a 0 300
A=$APID
appliance b 1 300
B_T0=$SECONDS
B=$APID
up a "$A" && up b "$B"
L="--file-prefix ${P}a"
run $L launch status --json
pyjson "status --json: every key, embedded, active at 50%, one appliance, its start in the history" \
  "set(d) == $STATUS_KEYS and d['source'] == 'appliance' and d['state'] == 'active' and d['share_percent'] == 50 and d['effective_share_ppm'] == 500000 and len(d['id']) == 16 and d['launch'] == 'default' and len(d['appliances']) == 1 and d['appliances'][0]['appliance'].endswith(':${P}a') and d['history'][0]['verb'] == 'start' and d['final'] is None and d['rules'] == {'name': 'default', 'hash': '0000000000000000'}"
run $L launch status
grep_out "status text" "^state +active$"
run $L launch start
check_rc "start of a running launch is illegal (exit 5)" 5 "already started (state active)"
run $L --launch other launch pause
check_rc "--launch naming another launch is exit 4" 4 "runs launch 'default'"
run $L launch share 10 --json --who tester@here
pyjson "share 10 --json" \
  "set(d) == $VERB_KEYS and d['result'] == 'changed' and d['from'] == 'active' and d['state'] == 'active' and d['arg'] == 10 and d['share_ppm'] == 100000 and d['effective_share_ppm'] == 100000"
[ "$(applied a)" = 100000 ] && ok "/umbra/share shows 10% applied" || ko "share applied" "$(applied a)"
run $L launch share 10
grep_out "share 10 again: unchanged, exit 0" "share already 10% \(nothing to do"
run $L launch share 50
m0=$(ctr a mirror requests_mirrored)
run $L launch pause
grep_out "pause" "pause: active -> paused, share 50% \(applied 0%\)"
[ "$(applied a)" = 0 ] && ok "paused: share 0 applied" || ko "paused share" "$(applied a)"
sleep 0.5   # in-flight requests finish
m1=$(ctr a mirror requests_mirrored)
sleep 1
m2=$(ctr a mirror requests_mirrored)
if [ -n "$m1" ] && [ "$m1" -gt "$m0" ] && [ "$m1" = "$m2" ]; then
  ok "paused: no request mirrored any more ($m0 before, $m1 and $m2 one second apart)"
else ko "pause stops mirroring" "mirrored $m0, $m1, $m2"; fi
run $L launch pause
grep_out "pause when paused: unchanged, exit 0" "already paused"
run $L launch share 20 --json
pyjson "share while paused: kept for resume, nothing applied" \
  "d['result'] == 'changed' and d['state'] == 'paused' and d['share_ppm'] == 200000 and d['effective_share_ppm'] == 0"
[ "$(applied a)" = 0 ] && ok "paused: still share 0 applied" || ko "paused share after share 20" "$(applied a)"
run $L launch resume
grep_out "resume brings the share back" "resume: paused -> active, share 20% \(applied 20%\)"
sleep 1
m3=$(ctr a mirror requests_mirrored)
[ -n "$m3" ] && [ "$m3" -gt "$m2" ] && ok "resumed: mirroring again ($m2 -> $m3)" ||
  ko "resume mirrors again" "$m2 -> $m3"
run $L share 60
grep_out "umbractl share is the launch's share verb" "share 60% \(was 20%\)"
run $L launch promote --json
pyjson "promote" "d['result'] == 'changed' and d['state'] == 'promoted' and d['effective_share_ppm'] == 0"
run $L launch status --json
pyjson "promoted: final statistics frozen, history of every change with who" \
  "d['state'] == 'promoted' and d['final']['requests'] > 0 and d['final']['requests_mirrored'] > 0 and d['final']['requests'] <= d['requests'] and [h['verb'] for h in d['history']] == ['start', 'share', 'share', 'pause', 'share', 'resume', 'share', 'promote'] and d['history'][1]['who'] == 'tester@here' and d['history'][6]['who'] == 'telemetry' and d['history'][7]['from'] == 'active'"
cp "$W/out" "$W/promoted1.json"
sleep 0.6
run $L launch status --json
pyjson "the frozen statistics stay put" \
  "d['final'] == json.load(open('$W/promoted1.json'))['final']"
run $L launch resume
check_rc "resume of a promoted launch is illegal" 5 "cannot resume: the launch is promoted, which is final"
run $L launch share 5
check_rc "share of a promoted launch is illegal" 5 "cannot share"
run $L launch rollback
check_rc "rollback of a promoted launch is illegal" 5 "cannot rollback"
run $L share 50
check_rc "umbractl share on a promoted launch is refused (exit 4)" 4 "answered an error"
run $L launch promote
grep_out "promote when promoted: unchanged" "already promoted"

# rollback, on the other appliance: its open shadow connections are shut at
# once (given 2 s: on the 2-core machine under the full suite the appliance's
# busy-polling lcores can delay the telemetry answers this watches; the lab
# suite measures 11-12 ms)
LB="--file-prefix ${P}b"
# (the appliances run 300 s and are stopped by SIGINT below: one whose
# --duration ran out under a slow full suite stops mirroring, and its
# rollback would close nothing)
kill -0 "$B" 2>/dev/null ||
  ko "appliance b still running before the rollback" "$(tail -n 2 "$W/b.err")"
o0=$(open_conns b)
t0=$(date +%s%N)
run $LB launch rollback
if [ "$rc" -eq 0 ] && watch b "$t0" 2000 closes 0; then
  ok "rollback: $WVAL shadow connection(s) shut $WAITED ms after umbractl started ($o0 open just before; appliance up $((SECONDS - B_T0)) s)"
else ko "rollback shuts shadow connections" "exit $rc, rollback_closes $WVAL after $WAITED ms ($o0 open before); $(out) $(err)"; fi
[ "$(applied b)" = 0 ] && ok "rolled back: share 0 applied" || ko "rollback share" "$(applied b)"
if no_conn_left b "$t0"; then ok "rolled back: no shadow connection left open $WAITED ms after umbractl started"
else ko "no shadow connection left" "$WVAL still open after 1 s"; fi
s1=$(ctr b mirror sessions)
sleep 1
s2=$(ctr b mirror sessions)
[ -n "$s1" ] && [ "$s1" = "$s2" ] && ok "rolled back: no shadow connection opened since ($s1)" ||
  ko "no new shadow connection" "$s1 -> $s2"
run $LB launch resume
check_rc "resume of a rolled-back launch is illegal" 5 "cannot resume: the launch is rolled_back, which is final"
run $LB launch promote
check_rc "promote of a rolled-back launch is illegal" 5 "cannot promote"
run $LB launch rollback --json
pyjson "rollback when rolled back: unchanged" "d['result'] == 'unchanged' and d['state'] == 'rolled_back'"
run $LB launch status --json
pyjson "rolled back: status" "d['state'] == 'rolled_back' and d['final'] is None and d['history'][-1]['verb'] == 'rollback'"
kill -INT "$A" "$B" 2>/dev/null
wait_exit "$A" 250
ra=$URC
wait_exit "$B" 250
if [ "$ra" = 0 ] && [ "$URC" = 0 ] && grep -q 'accounting: ok' "$W/a.out" &&
    grep -q 'accounting: ok' "$W/b.out"; then
  ok "both appliances exit 0 on SIGINT, accounting ok"
else ko "appliances exit" "rc $ra $URC: $(tail -n 2 "$W/a.err" "$W/b.err")"; fi
run $L launch status
check_rc "status after the appliance exited: unreachable" 3

# ---- Redis -------------------------------------------------------------------------
# start_redis NAME [options]: a server on $W/NAME.sock; sets RPID
start_redis() {
  local name=$1
  shift
  mkdir -p "$W/$name.d"
  rm -f "$W/$name.pid"
  ( redis-server --port 0 --unixsocket "$W/$name.sock" --unixsocketperm 700 --save '' \
    --appendonly no --daemonize no --dir "$W/$name.d" "$@" >"$W/$name.log" 2>&1 &
    echo $! >"$W/$name.pid"; wait ) >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$W/$name.pid" ] && break; sleep 0.02; done
  RPID=$(cat "$W/$name.pid")
  PIDS+=("$RPID")
  for _ in $(seq 100); do
    redis-cli -s "$W/$name.sock" ping 2>/dev/null | grep -q -e PONG -e NOAUTH && return 0
    sleep 0.05
  done
  echo "redis-server $name did not start: $(tail -n 2 "$W/$name.log")" >&2
  return 1
}
rcli() { local s=$1; shift; timeout 5 redis-cli -s "$W/$s.sock" "$@"; }
# numsub SERVER LAUNCH: how many subscribe to the launch's :events channel
numsub() { rcli "$1" PUBSUB NUMSUB "umbra:v1:launch:$2:events" | tail -n 1; }

start_redis main || { ko "redis-server" "did not start"; finish; }
MAIN=$RPID
R="--redis unix://$W/main.sock"
run $R --launch l1 launch status
check_rc "status of a launch that does not exist (exit 4)" 4 "no launch 'l1'"
run $R --launch l1 launch pause
check_rc "pause of a launch that does not exist (exit 4)" 4 "no launch 'l1'"
run $R --redis-password-file "$W/pw.ok" --launch l1 launch status
check_rc "a password Redis does not need is refused: AUTH (exit 3)" 3 "AUTH refused"
timeout 5 redis-cli -s "$W/main.sock" SUBSCRIBE umbra:v1:launch:l1:events >"$W/sub.out" 2>&1 &
SUB=$!
PIDS+=("$SUB")
sleep 0.2
run $R --launch l1 launch start 10 --rules "$RULES" --json --who ops@deploy
pyjson "start 10 with the compare rules --json" \
  "set(d) == $VERB_KEYS and d['source'] == 'redis' and d['from'] == 'none' and d['state'] == 'active' and d['share_percent'] == 10 and d['where'] == 'unix://$W/main.sock'"
rec=$(rcli main HGETALL umbra:v1:launch:l1 | tr '\n' ' ')
if echo "$rec" | grep -q "state active share 10 " && echo "$rec" | grep -Eq "id [0-9a-f]{16} " &&
  echo "$rec" | grep -q "rules_name compare.ini" && echo "$rec" | grep -Eq "rules_hash [0-9a-f]{16}" &&
  echo "$rec" | grep -Eq "created_us [0-9]{16} updated_us [0-9]{16}"; then
  ok "the record: $rec"
else ko "the record" "$rec"; fi
run $R --launch l1 launch start
check_rc "start of a started launch (exit 5)" 5 "already started"
run $R --launch l1 launch share 30
grep_out "share 30 through Redis" "share 30: active -> active"
sleep 0.2
kill "$SUB" 2>/dev/null
if grep -q "ops@deploy start 10 none active" "$W/sub.out" && grep -q " share 30 active active" "$W/sub.out"; then
  ok "each change is PUBLISHed on umbra:v1:launch:l1:events"
else ko "PUBLISH" "$(tr '\n' ' ' <"$W/sub.out")"; fi
n=$(rcli main XLEN umbra:v1:launch:l1:history)
last=$(rcli main XREVRANGE umbra:v1:launch:l1:history + - COUNT 1 | tr '\n' ' ')
if [ "$n" = 2 ] && echo "$last" | grep -q "ts_us [0-9]* who .* verb share arg 30 from active to active"; then
  ok "history stream: $n entries, last: $last"
else ko "history stream" "XLEN $n: $last"; fi

# a live appliance follows the record
appliance c 0 240 --redis "unix://$W/main.sock" --launch l1
C=$APID
up c "$C"
LC="--file-prefix ${P}c"
if wait_applied c 300000; then ok "the appliance applies the record's share (30%) at start"
else ko "share at start" "$(applied c)"; fi
worst=0
follow() { # follow NAME PPM VERB...: umbractl --redis, then /umbra/share must show PPM within 1 s
  local name=$1 ppm=$2 t0
  shift 2
  t0=$(date +%s%N)
  timeout 10 "$U" $R --launch l1 launch "$@" >/dev/null 2>"$W/err" || { ko "$name" "$(err)"; return; }
  if watch c "$t0" 1000 share "$ppm"; then
    ok "$name: applied by the appliance $WAITED ms after umbractl started"
    [ "$WAITED" -gt "$worst" ] && worst=$WAITED
  else ko "$name" "applied share $WVAL, want $ppm, after 1 s"; fi
}
follow "share 40" 400000 share 40
follow "pause" 0 pause
timeout 10 "$U" $R --launch l1 launch share 12.5 >/dev/null 2>&1
sleep 0.6
[ "$(applied c)" = 0 ] && ok "share 12.5 while paused: still 0 applied" || ko "share while paused" "$(applied c)"
follow "resume" 125000 resume
follow "share 60" 600000 share 60
echo "# following the record: slowest of 4 changes $worst ms"
run $LC launch status --json
pyjson "the appliance's status: redis mode, the record's id and state, its history of what it applied" \
  "d['state'] == 'active' and d['share_ppm'] == 600000 and d['id'] == '$(rcli main HGET umbra:v1:launch:l1 id)' and [h['who'] for h in d['history']][1:] == ['redis'] * (len(d['history']) - 1) and len(d['history']) >= 5"
run $LC launch pause
check_rc "a local verb on an appliance that follows Redis is refused (exit 4)" 4 "follows its launch record in Redis"
run $R --launch l1 launch status --json
pyjson "status through Redis: the appliance reporting, requests counted, history" \
  "set(d) == $STATUS_KEYS and d['source'] == 'redis' and d['state'] == 'active' and d['share_percent'] == 60 and d['rules']['name'] == 'compare.ini' and [a['appliance'] for a in d['appliances']] == [a for a in [a['appliance'] for a in d['appliances']] if a.endswith(':${P}c')] and len(d['appliances']) == 1 and d['appliances'][0]['age_s'] <= 2 and d['appliances'][0]['reporting'] and d['requests'] > 0 and d['requests_mirrored'] > 0 and sum(d['outcomes'].values()) > 0 and len(d['history']) == 7 and d['final'] is None"
if grep -q "the record's compare rules are compare.ini" "$W/c.err"; then
  ok "the appliance warns that its rules differ from the record's"
else ko "rules warning" "$(grep rules "$W/c.err")"; fi
# the subscriber: a change is applied as soon as its message comes
for _ in $(seq 30); do [ "$(numsub main l1)" = 1 ] && break; sleep 0.1; done
if [ "$(numsub main l1)" = 1 ]; then ok "the appliance subscribes to umbra:v1:launch:l1:events"
else ko "subscriber" "PUBSUB NUMSUB: $(numsub main l1)"; fi
follow_n c 10 1000 "$U" $R --launch l1 launch share "{pct}"
echo "# following through the subscriber (ms from umbractl starting to /umbra/share): $FOLLOWED"
if [ "$(within 200)" -ge 9 ] && [ "$(within 1000)" = 10 ]; then
  ok "with the subscriber up, $(within 200) of 10 changes applied within 200 ms ($FOLLOWED ms)"
else ko "following through the subscriber" "$(within 200) of 10 within 200 ms: $FOLLOWED"; fi
# a change with no PUBLISH (its message missed): the periodic read follows it
follow_n c 4 1000 redis-cli -s "$W/main.sock" HSET umbra:v1:launch:l1 share "{pct}"
echo "# following HSET alone, no message (ms): $FOLLOWED"
if [ "$(within 1000)" = 4 ]; then ok "a change without its message (HSET alone) is still applied within 1 s ($FOLLOWED ms)"
else ko "a missed message" "$(within 1000) of 4 within 1 s: $FOLLOWED"; fi
# rollback through Redis: the appliance shuts its shadow connections. The
# message is applied at once unless an export batch is in flight on the
# exporter thread (it waits for that batch's answer: once 1.15 s under the
# full test load); the lab suite (launch-lab) measures the usual 13-16 ms.
c0=$(ctr c mirror rollback_closes)
o0=$(open_conns c)
t0=$(date +%s%N)
run $R --launch l1 launch rollback
if [ "$rc" -eq 0 ] && watch c "$t0" 2000 closes "${c0:-0}" && [ "$(applied c)" = 0 ]; then
  ok "rollback through Redis: $WVAL shadow connection(s) shut by the appliance $WAITED ms after umbractl started ($o0 open just before)"
else ko "rollback through Redis" "exit $rc, rollback_closes $c0 -> $WVAL after $WAITED ms ($o0 open before)"; fi
if no_conn_left c "$t0" 2000; then ok "rolled back through Redis: no shadow connection left open $WAITED ms after umbractl started"
else ko "no shadow connection left (Redis)" "$WVAL still open after 1 s"; fi
run $LC share 50
check_rc "no share override on an appliance whose record is rolled back (exit 4)" 4 "answered an error"
run $R --launch l1 launch resume
check_rc "resume of a rolled-back launch through Redis (exit 5)" 5 "which is final"
run $R --launch l1 launch share 50
check_rc "share of a rolled-back launch through Redis (exit 5)" 5 "cannot share"
kill -INT "$C" 2>/dev/null
wait_exit "$C" 100
grep -Eq 'rolled back.*every shadow connection is shut now' "$W/c.err" &&
  ok "the appliance said it shut its connections (exit $URC)" || ko "rollback message" "$(tail -n 3 "$W/c.err")"
if [ "$(rstat "$W/c.out" sub_connects)" = 1 ] && [ "$(rstat "$W/c.out" sub_errors)" = 0 ] &&
    [ "$(rstat "$W/c.out" sub_messages)" -ge 15 ] && [ "$(rstat "$W/c.out" sub_reads)" -ge 15 ]; then
  ok "the subscriber's counters: sub_connects 1, sub_errors 0, sub_messages $(rstat "$W/c.out" sub_messages), sub_reads $(rstat "$W/c.out" sub_reads)"
else ko "subscriber counters" "$(grep '^redis' "$W/c.out")"; fi

# restart mid-launch: the new run resumes the record's state
run $R --launch l2 launch start 40
appliance d 0 240 --redis "unix://$W/main.sock" --launch l2
D=$APID
up d "$D"
wait_applied d 400000 && ok "first run follows l2 at 40%" || ko "first run" "$(applied d)"
kill -INT "$D" 2>/dev/null
wait_exit "$D" 100
run $R --launch l2 launch pause
appliance e 0 240 --redis "unix://$W/main.sock" --launch l2
E=$APID
t0=$(date +%s%N)
up e "$E"
st=$(timeout 5 "$U" --file-prefix "${P}e" launch status --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['state'])" 2>/dev/null)
for _ in $(seq 30); do [ "$st" = paused ] && break; sleep 0.1
  st=$(timeout 5 "$U" --file-prefix "${P}e" launch status --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['state'])" 2>/dev/null); done
if [ "$st" = paused ] && [ "$(applied e)" = 0 ]; then
  ok "an appliance restarted mid-launch resumes its state: paused, share 0 ($(ms_since "$t0") ms after start)"
else ko "restart resumes the state" "state $st, applied $(applied e)"; fi
timeout 10 "$U" $R --launch l2 launch resume >/dev/null 2>&1
wait_applied e 400000 && ok "resume after the restart: 40% applied in $WAITED ms" || ko "resume after restart" "$(applied e)"
sleep 1.2
run $R --launch l2 launch promote --json
pyjson "promote through Redis" "d['result'] == 'changed' and d['state'] == 'promoted'"
wait_applied e 0 || ko "promote applied" "$(applied e)"
for _ in $(seq 30); do
  [ -n "$(rcli main HGET umbra:v1:launch:l2:final:appliances "$(hostname):${P}e")" ] && break
  sleep 0.1
done
f1=$(rcli main HGET umbra:v1:launch:l2:final rx.packets)
sleep 1.2
f2=$(rcli main HGET umbra:v1:launch:l2:final rx.packets)
c2=$(rcli main HGET umbra:v1:launch:l2:counters rx.packets)
if [ -n "$f1" ] && [ "$f1" -gt 0 ] && [ "$f1" = "$f2" ] && [ "$c2" -gt "$f2" ] &&
  [ -n "$(rcli main HGET umbra:v1:launch:l2:final:appliances "$(hostname):${P}e")" ]; then
  ok "promoted: :final holds the frozen totals and the appliance's final flush (rx.packets $f1, stays; live $c2)"
else ko ":final" "final $f1 then $f2, counters $c2, flushed by: $(rcli main HKEYS umbra:v1:launch:l2:final:appliances | tr '\n' ' ')"; fi
run $R --launch l2 launch status --json
pyjson "status of the promoted launch: final statistics and who flushed" \
  "d['state'] == 'promoted' and d['final']['requests'] > 0 and d['final']['frozen_us'] > 0 and d['final']['appliances'] == ['$(hostname):${P}e'] and d['final']['requests'] <= d['requests']"
run $R --launch l2 launch status
grep_out "status text of the promoted launch" "^final \(frozen .*1 appliance flushed\):$"
kill -INT "$E" 2>/dev/null
wait_exit "$E" 100
[ "$(rstat "$W/e.out" final_flushes)" = 1 ] && ok "the appliance counted its final flush" ||
  ko "final_flushes" "$(grep '^redis' "$W/e.out")"

# two offline appliances on one launch: status adds them up
run $R --launch l3 launch start 100
timeout 60 "$UMBRA" --pcap "$CAP" --redis "unix://$W/main.sock" --launch l3 \
  --summary-json "$W/o1.json" >"$W/o1.out" 2>"$W/o1.err"
r1=$?
timeout 60 "$UMBRA" --pcap "$CAP2" --redis "unix://$W/main.sock" --launch l3 \
  --summary-json "$W/o2.json" >"$W/o2.out" 2>"$W/o2.err"
r2=$?
run $R --launch l3 launch status --json
cp "$W/out" "$W/l3.json"
if [ "$r1" = 0 ] && [ "$r2" = 0 ] && python3 - "$W/l3.json" "$W/o1.json" "$W/o2.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = [json.load(open(f)) for f in sys.argv[2:]]
def tot(g, n): return sum(int(x.get(g, {}).get(n, 0)) for x in s)
assert len(d["appliances"]) == 2, d["appliances"]
assert d["requests"] == tot("http", "requests") > 0, (d["requests"], tot("http", "requests"))
assert d["requests_mirrored"] == tot("mirror", "requests_mirrored")
assert d["requests_sampled"] == tot("mirror", "requests_sampled")
for k, v in d["outcomes"].items():
    assert v == tot("outcome", k), (k, v, tot("outcome", k))
assert sum(d["outcomes"].values()) == sum(tot("outcome", k) for k in s[0]["outcome"]) > 0
print("requests %d = %d + %d" % (d["requests"], s[0]["http"]["requests"], s[1]["http"]["requests"]))
EOF
then ok "two appliances on one launch: status requests, mirrored and outcomes = the sum of their summaries"
else ko "two appliances" "rc $r1 $r2: $(head -c 400 "$W/l3.json")"; fi

# a record that is not understood
rcli main HSET umbra:v1:launch:l4 state bogus share 10 >/dev/null
run $R --launch l4 launch status
check_rc "a record with an unknown state: exit 4" 4 "state 'bogus' is not"
run $R --launch l4 launch resume
check_rc "a verb on that record: exit 4" 4 "state 'bogus'"
rcli main HSET umbra:v1:launch:l4 state active share 150 >/dev/null
run $R --launch l4 launch pause
check_rc "a record with share 150: exit 4" 4 "share '150' is not a percentage"

# Redis down: umbractl says so at once; a following appliance runs on
appliance f 0 240 --redis "unix://$W/main.sock" --launch l5
F=$APID
up f "$F"
kill -9 "$MAIN"
sleep 0.3
t0=$(date +%s%N)
run $R --launch l5 launch status
check_rc "Redis down: status is exit 3" 3 "unreachable"
[ "$(ms_since "$t0")" -lt 2500 ] && ok "... within the 2 s deadline ($(ms_since "$t0") ms)" || ko "deadline" "$(ms_since "$t0") ms"
run $R --launch l5 launch pause
check_rc "Redis down: a verb is exit 3" 3 "unreachable"
run --file-prefix "${P}f" launch status --json
pyjson "the appliance runs on without Redis and still answers" "d['source'] == 'appliance' and d['requests'] > 0"
start_redis main || ko "redis restart" "no start"
for _ in $(seq 40); do [ "$(rcli main EXISTS umbra:v1:launch:l5)" = 1 ] && break; sleep 0.1; done
run $R --launch l5 launch share 20
grep_out "Redis back: verbs work again (the appliance's record was lost with it: recreated)" "share 20"
wait_applied f 200000 && ok "the appliance follows the record again after the restart ($WAITED ms)" ||
  ko "follow after restart" "$(applied f); $(grep redis: "$W/f.err" | tail -n 3)"
kill -INT "$F" 2>/dev/null
wait_exit "$F" 200
[ "$URC" = 0 ] && [ "$(rstat "$W/f.out" reconnects)" -ge 1 ] && ok "the appliance reconnected and exits 0" ||
  ko "reconnect" "rc $URC $(grep '^redis' "$W/f.out")"
[ "$(rstat "$W/f.out" sub_reconnects)" -ge 1 ] && [ "$(rstat "$W/f.out" sub_errors)" -ge 1 ] &&
  ok "its subscriber lost Redis (sub_errors $(rstat "$W/f.out" sub_errors)) and subscribed again (sub_reconnects $(rstat "$W/f.out" sub_reconnects))" ||
  ko "subscribing again" "$(grep '^redis' "$W/f.out")"

# a subscriber answered garbage, a huge string, a huge array (through a proxy)
cat >"$W/proxy.py" <<'EOF'
# proxy.py LISTEN UPSTREAM MODE [DELAY_S]: relays Redis connections.
#   bad:  the first three connections that start with SUBSCRIBE are answered,
#         instead of by Redis: a bad type byte, a bulk string of 100 MB (sent
#         until the client hangs up), an array of a million elements;
#   slow: what Redis answers a connection that did not start with SUBSCRIBE
#         reaches it DELAY_S late.
import socket, sys, threading, time
listen, upstream, mode = sys.argv[1], sys.argv[2], sys.argv[3]
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
bad = [b"?garbage\r\n", b"$100000000\r\n", b"*1000000\r\n"]
subs = []
lock = threading.Lock()
def relay(a, b, late=False):
    # late: each chunk leaves DELAY_S after it came (delays do not add up)
    q, cv = [], threading.Condition()
    def sender():
        while True:
            with cv:
                while not q:
                    cv.wait()
                t, d = q.pop(0)
            if d is None:
                break
            time.sleep(max(0.0, t + delay - time.monotonic()))
            try:
                b.sendall(d)
            except OSError:
                break
    if late:
        th = threading.Thread(target=sender, daemon=True)
        th.start()
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            if late:
                with cv:
                    q.append((time.monotonic(), d))
                    cv.notify()
            else:
                b.sendall(d)
    except OSError:
        pass
    if late:
        with cv:
            q.append((time.monotonic(), None))
            cv.notify()
        th.join(timeout=delay + 5)
    for x in (a, b):
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def serve(c):
    first = c.recv(65536)
    sub = first.startswith(b"*2\r\n$9\r\nSUBSCRIBE\r\n")
    if mode == "bad" and sub:
        with lock:
            k = len(subs)
            subs.append(k)
        if k < len(bad):
            try:
                c.sendall(bad[k])
                while k == 1:
                    c.sendall(b"x" * 65536)
                while c.recv(65536):
                    pass
            except OSError:
                pass
            c.close()
            return
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.connect(upstream)
    u.sendall(first)
    threading.Thread(target=relay, args=(u, c, mode == "slow" and not sub),
                     daemon=True).start()
    relay(c, u)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(listen)
s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
python3 "$W/proxy.py" "$W/proxy.sock" "$W/main.sock" bad >"$W/proxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$W/proxy.sock" ] && break; sleep 0.05; done
run $R --launch l6 launch start 30
appliance g 0 240 --redis "unix://$W/proxy.sock" --launch l6
G=$APID
up g "$G"
for _ in $(seq 100); do [ "$(numsub main l6)" = 1 ] && break; sleep 0.1; done
[ "$(numsub main l6)" = 1 ] && ok "the subscriber gets through after three bad answers" ||
  ko "subscriber after bad answers" "PUBSUB NUMSUB $(numsub main l6): $(grep subscriber "$W/g.err" | head -n 5)"
follow_n g 3 1000 "$U" $R --launch l6 launch share "{pct}"
[ "$(within 1000)" = 3 ] && ok "... and the appliance follows the record ($FOLLOWED ms)" ||
  ko "following after bad answers" "$FOLLOWED"
kill -INT "$G" 2>/dev/null
wait_exit "$G" 100
GO=$W/g.out
if [ "$URC" = 0 ] && [ "$(rstat "$GO" sub_errors)" = 3 ] && [ "$(rstat "$GO" sub_connects)" = 1 ] &&
    [ "$(rstat "$GO" sub_messages)" -ge 3 ] && [ "$(rstat "$GO" connects)" = 1 ] &&
    [ "$(rstat "$GO" errors)" = 0 ] && [ "$(rstat "$GO" lost_batches)" = 0 ] &&
    grep -q 'subscriber: protocol: Protocol error' "$W/g.err" &&
    grep -q 'subscriber: reply refused: more than 65536 bytes' "$W/g.err" &&
    grep -q 'subscriber: reply refused: an array of 1000000 elements' "$W/g.err"; then
  ok "bad answers to the subscriber: 3 sub_errors, each a reconnect; the batch connection untouched (connects 1, errors 0, batches $(rstat "$GO" batches))"
else ko "bad answers to the subscriber" "rc $URC: $(grep '^redis' "$GO"); $(grep subscriber "$W/g.err" | head -n 5)"; fi

# a pause or a rollback while a batch waits for its answer: applied from the
# message at once. A proxy delays every answer on the batch connection by
# 1.2 s (each batch, each record read; under the 1.5 s batch deadline) and
# none on the subscriber's: following the record would take 1.2 s at least.
python3 "$W/proxy.py" "$W/slow.sock" "$W/main.sock" slow 1.2 >"$W/slow.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$W/slow.sock" ] && break; sleep 0.05; done
run $R --launch l7 launch start 50
appliance h 1 240 --redis "unix://$W/slow.sock" --launch l7
H=$APID
up h "$H"
for _ in $(seq 100); do [ "$(numsub main l7)" = 1 ] && break; sleep 0.1; done
wait_applied h 500000 || true
sleep 0.3   # into a batch's 1.2 s wait (the exporter is in one most of the time)
t0=$(date +%s%N)
run $R --launch l7 launch pause
if [ "$rc" -eq 0 ] && watch h "$t0" 900 share 0; then
  ok "pause while every batch answer is 1.2 s late: share 0 applied $WAITED ms after umbractl started (from its message)"
else ko "pause from its message" "exit $rc, share $WVAL after $WAITED ms; $(grep '^redis' "$W/h.err" | tail -n 3)"; fi
run $R --launch l7 launch resume
watch h "$(date +%s%N)" 6000 share 500000 && ok "resume: applied from the record ($WAITED ms, answers 1.2 s late)" ||
  ko "resume through the slow link" "share $WVAL after $WAITED ms"
sleep 0.5   # shadow connections open again
o0=$(open_conns h)
t0=$(date +%s%N)
run $R --launch l7 launch rollback
if [ "$rc" -eq 0 ] && watch h "$t0" 900 closes 0; then
  ok "rollback while batch answers are 1.2 s late: $WVAL shadow connection(s) shut $WAITED ms after umbractl started ($o0 open just before)"
else ko "rollback from its message" "exit $rc, closes $WVAL after $WAITED ms ($o0 open before); $(grep '^redis' "$W/h.err" | tail -n 3)"; fi
sleep 2     # record reads answered: nothing undoes the rollback
[ "$(applied h)" = 0 ] && grep -q "rolled back by .*from its message" "$W/h.err" &&
  ok "rolled back, and the record's late answers did not undo it (share 0)" ||
  ko "rollback kept" "share $(applied h): $(grep '^redis' "$W/h.err" | tail -n 3)"
kill -INT "$H" 2>/dev/null
wait_exit "$H" 150
HO=$W/h.out
if [ "$URC" = 0 ] && [ "$(rstat "$HO" sub_applied)" = 2 ] && [ "$(rstat "$HO" lost_batches)" = 0 ] &&
    [ "$(rstat "$HO" errors)" = 0 ]; then
  ok "sub_applied 2 (pause, rollback), record_set_aside $(rstat "$HO" record_set_aside), no batch lost, no error"
else ko "slow link counters" "rc $URC: $(grep '^redis' "$HO")"; fi

# status tells reporting appliances from silent ones (the hash keeps all)
run $R --launch l9 launch start 20
now=$(date +%s)
rcli main HSET umbra:v1:launch:l9:appliances live:one "$now" gone:two "$((now - 60))" >/dev/null
run $R --launch l9 launch status --json
pyjson "status --json: an appliance heard from now is reporting, one silent for 60 s is not" \
  "sorted((a['appliance'], a['reporting'], a['age_s'] >= 59) for a in d['appliances']) == [('gone:two', False, True), ('live:one', True, False)]"
run $R --launch l9 launch status
grep_out "status text: 2 appliances, 1 reporting, 1 silent" "^appliances +2 \(1 reporting, 1 silent for more than 5 s\)$"
grep_out "status text: the silent one marked" "gone:two .* silent$"

# passwords
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_redis auth --requirepass s3cret --port "$PORT" --bind 127.0.0.1 || ko "redis auth" "no start"
run --redis "redis://:hunter2@127.0.0.1:$PORT/0" --launch p1 launch status
check_rc "wrong password in the URL: exit 3, not echoed" 3 "AUTH refused"
UMBRA_REDIS_PASSWORD=hunter2 run --redis "unix://$W/auth.sock" --launch p1 launch status
check_rc "wrong password from UMBRA_REDIS_PASSWORD: exit 3" 3 "AUTH refused"
run --redis "unix://$W/auth.sock" --launch p1 launch status
check_rc "no password: exit 3 (NOAUTH)" 3 "NOAUTH"
run --redis "redis://default:s3cret@127.0.0.1:$PORT/2" --launch p1 launch start 5
grep_out "user and password in the URL, db 2" "start 5: none -> active"
[ "$(timeout 5 redis-cli -p "$PORT" -a s3cret -n 2 --no-auth-warning HGET umbra:v1:launch:p1 share)" = 5 ] &&
  ok "the record went to db 2" || ko "db 2" "no record"
UMBRA_REDIS_PASSWORD=s3cret run --redis "redis://127.0.0.1:$PORT/2" --launch p1 launch pause --json
pyjson "password from UMBRA_REDIS_PASSWORD; the URL shown masked" \
  "d['state'] == 'paused' and d['where'] == 'redis://***@127.0.0.1:$PORT/2'"
printf 's3cret\n' >"$W/pw.good"; chmod 600 "$W/pw.good"
run --redis "redis://127.0.0.1:$PORT/2" --redis-password-file "$W/pw.good" --launch p1 launch status --json
pyjson "password from --redis-password-file" "d['state'] == 'paused' and d['share_percent'] == 5"
run --redis "redis://:s3cret@127.0.0.1:$PORT/2" --launch p1 launch status --json
pyjson "a URL with a password is shown masked" "d['where'] == 'redis://***@127.0.0.1:$PORT/2'"
if grep -rq s3cret "$W"/*.out "$W"/*.err "$W/out" "$W/err" 2>/dev/null; then ko "password never printed" "found"
else ok "no password in any output"; fi

finish
