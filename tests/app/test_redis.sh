#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The exporter to the fleet store (docs/redis.md), against real redis-servers
# started here on unix sockets (and one on loopback TCP):
#  - two offline runs on different captures, one launch: every counter and
#    outcome in Redis is the sum of the two summaries, and so are the routes
#    set, each route's exchanges and each latency histogram's count;
#  - Redis killed (SIGKILL) mid-run and restarted on the same socket (AOF,
#    appendfsync always): umbra runs on and exits 0, reconnects, and for every
#    counter Redis + the :lost hash == the summary;
#  - the launch record: created (state active, share), and HSET share 0 while
#    running is applied within ~1.5 s (telemetry /umbra/share through umbractl);
#  - a batch whose EXEC answer never comes (a fake server) is counted lost,
#    every increment of it in lost_increments, and not resent;
#  - bad input: malformed URLs and launch names are one-line errors at start;
#    a wrong password, a Redis that refuses HINCRBY, a fake server answering
#    -ERR, nobody on the socket: counted errors, umbra exits 0; the password
#    never appears in umbra's output;
#  - a Redis host name whose resolution takes 4 s (an LD_PRELOAD shim): the
#    exporter never blocks on it (SIGINT ends umbra at once), and connects
#    once it is resolved.
# Every wait is bounded; every server started here is stopped on exit.
# usage: tests/app/test_redis.sh UMBRA   (prints 'N passed, N failed')
set -uo pipefail
UMBRA=$(realpath "$1")
UMBRACTL=$(dirname "$UMBRA")/../umbractl/umbractl
HERE=$(cd "$(dirname "$0")" && pwd)
CASES=$HERE/../cases
PCAP1=$CASES/keepalive-many/capture.pcap
PCAP2=$CASES/pipelined/capture.pcap
W=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

for t in redis-server redis-cli python3; do
  command -v "$t" >/dev/null || { ko setup "$t not installed (scripts/setup)"; finish; }
done
for p in "$PCAP1" "$PCAP2"; do [ -f "$p" ] || { ko setup "no capture $p"; finish; }; done

# start_redis NAME [redis-server options...]: a server on $W/NAME.sock; sets RPID.
start_redis() {
  local name=$1
  shift
  mkdir -p "$W/$name.d"
  rm -f "$W/$name.pid"
  # In a subshell of its own: its SIGKILL below is no job notice of this shell.
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

# Wait (at most $2 tenths) for pid $1 to exit; its exit code in URC.
wait_exit() {
  URC=timeout
  for _ in $(seq "$2"); do
    if ! kill -0 "$1" 2>/dev/null; then wait "$1"; URC=$?; return 0; fi
    sleep 0.1
  done
  return 1
}

# The exporter's counter $2 from umbra's output file $1 (the "redis:" line).
rstat() { sed -n 's/^redis: .*[ ]'"$2"'=\([0-9]*\).*/\1/p' "$1" | tail -n 1; }

# compare.py MODE SOCK LAUNCH SUMMARY...: checks Redis against summaries.
cat >"$W/compare.py" <<'EOF'
import json, subprocess, sys
mode, sock, launch, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
K = "umbra:v1:launch:" + launch
def cli(*a):
    return subprocess.run(["redis-cli", "-s", sock, "--raw"] + list(a), check=True,
                          capture_output=True, text=True, timeout=10).stdout
def hgetall(key):
    out = cli("HGETALL", key).split("\n")
    if out and out[-1] == "":
        out = out[:-1]
    return {out[i]: int(out[i + 1]) for i in range(0, len(out) - 1, 2)
            if out[i + 1].lstrip("-").isdigit()}
sums, routes = {}, {}
for f in files:
    s = json.load(open(f))
    for g, d in s.items():
        if isinstance(d, dict) and g != "run":
            for n, v in d.items():
                if isinstance(v, (int, float)):
                    sums[g + "." + n] = sums.get(g + "." + n, 0) + int(v)
    for r in s.get("routes", []):
        e = routes.setdefault(r["route"], {"exchanges": 0, "lat": {}})
        e["exchanges"] += int(r["exchanges"])
        for series, h in r["latency_us"].items():
            e["lat"][series] = e["lat"].get(series, 0) + int(h["count"])
ctr, lost = hgetall(K + ":counters"), hgetall(K + ":lost")
bad = []
for k, v in sums.items():
    got = ctr.get(k, 0)
    if mode == "sum" and got != v:
        bad.append("%s redis %d summary %d" % (k, got, v))
    if mode == "lost" and got + lost.get(k, 0) != v and got != v:
        bad.append("%s redis %d + lost %d != summary %d" % (k, got, lost.get(k, 0), v))
extra = [k for k in ctr if k not in sums]
if extra:
    bad.append("fields not in the summary: " + ",".join(extra[:5]))
if mode == "sum":
    have = set(x for x in cli("SMEMBERS", K + ":routes").split("\n") if x)
    if have != set(routes):
        bad.append("routes set %d names, summaries %d" % (len(have), len(routes)))
    for name, e in routes.items():
        rc = hgetall(K + ":route:" + name + ":counters")
        if rc.get("exchanges", 0) != e["exchanges"]:
            bad.append("route %s exchanges %d != %d" % (name, rc.get("exchanges", 0),
                                                       e["exchanges"]))
        for series, n in e["lat"].items():
            h = hgetall(K + ":route:" + name + ":lat:" + series)
            if h.get("count", 0) != n:
                bad.append("route %s %s count %d != %d" % (name, series, h.get("count", 0), n))
            if n and sum(v for k, v in h.items() if k.isdigit()) != n:
                bad.append("route %s %s buckets do not add up to %d" % (name, series, n))
print("checked %d counters, %d routes; rx.packets: redis %d, lost %d, summary %d; "
      "outcome.complete: redis %d, lost %d, summary %d"
      % (len(sums), len(routes), ctr.get("rx.packets", 0), lost.get("rx.packets", 0),
         sums.get("rx.packets", 0), ctr.get("outcome.complete", 0),
         lost.get("outcome.complete", 0), sums.get("outcome.complete", 0)))
for b in bad[:10]:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF

# ---- bad input at start: one line, exit != 0, no password echoed ----------------------
bad_start() { # NAME WANT ARGS...
  local name=$1 want=$2
  shift 2
  timeout 20 "$UMBRA" --pcap "$PCAP1" --quiet "$@" >"$W/bad.out" 2>"$W/bad.err"
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q -- "$want" "$W/bad.err" &&
    ! grep -q 'hunter2' "$W/bad.out" "$W/bad.err" && ! grep -qi 'segmentation' "$W/bad.err"; then
    ok "$name: $(grep -m1 -- "$want" "$W/bad.err")"
  else
    ko "$name" "rc $rc: $(head -c 300 "$W/bad.err")"
  fi
}
bad_start "no scheme" "no redis:// or unix:// scheme" --redis localhost:6379
bad_start "bad port" "port '99999' is not in \[1, 65535\]" --redis redis://127.0.0.1:99999/0
bad_start "port 0 (password not echoed)" "port '0' is not in" --redis redis://:hunter2@127.0.0.1:0/0
bad_start "bad db" "db 'x' is not a number" --redis redis://127.0.0.1:6379/x
bad_start "bad unix db" "db '-1' is not a number" --redis "unix:///tmp/r.sock?db=-1"
bad_start "relative unix path" "absolute socket path" --redis unix://r.sock
bad_start "TLS" "TLS (rediss://) is not supported" --redis rediss://127.0.0.1:6379
bad_start "user without password" "user information without ':'" --redis redis://hunter2@h:1/0
bad_start "launch name with a space" "is not a launch name" --launch "a b"
bad_start "launch name with ':'" "is not a launch name" --launch "t1:x"
bad_start "launch name too long" "1 to 64 characters" --launch "$(printf 'x%.0s' $(seq 65))"

# ---- two appliances, one launch: Redis = sum of the summaries -----------------------
start_redis main || { ko "redis-server" "did not start"; finish; }
timeout 60 "$UMBRA" --pcap "$PCAP1" --redis "unix://$W/main.sock" --launch t1 \
  --summary-json "$W/s1.json" >"$W/o1" 2>"$W/e1"
r1=$?
timeout 60 "$UMBRA" --pcap "$PCAP2" --redis "unix://$W/main.sock" --launch t1 \
  --summary-json "$W/s2.json" >"$W/o2" 2>"$W/e2"
r2=$?
if [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ] && [ "$(rstat "$W/o1" batches)" -ge 1 ] &&
  [ "$(rstat "$W/o2" pending_increments)" = 0 ]; then
  ok "two offline runs exported (batches $(rstat "$W/o1" batches) and $(rstat "$W/o2" batches))"
else
  ko "two offline runs" "rc $r1 $r2: $(grep '^redis' "$W/o1" "$W/e1" | head -n 3)"
fi
if out=$(python3 "$W/compare.py" sum "$W/main.sock" t1 "$W/s1.json" "$W/s2.json"); then
  ok "Redis totals are the sum of both summaries ($(echo "$out" | head -n 1))"
else
  ko "Redis totals" "$out"
fi
n=$(rcli main HLEN umbra:v1:launch:t1:appliances)
[ "$n" = 2 ] && ok "two appliances in the heartbeat hash" || ko "heartbeats" "HLEN $n"
rec=$(rcli main HGETALL umbra:v1:launch:t1 | tr '\n' ' ')
if echo "$rec" | grep -q 'state active' && echo "$rec" | grep -q 'share 100' &&
  echo "$rec" | grep -q 'name t1'; then ok "launch record: $rec"
else ko "launch record" "$rec"; fi
t=$(rcli main TYPE umbra:v1:launch:t1:mismatches)
if [ "$t" = stream ] || [ "$t" = none ]; then ok "mismatches key is a stream (or absent: $t)"
else ko "mismatches type" "$t"; fi

# ---- live: the launch record steers the share; Redis killed and restarted ---------
# live PREFIX LAUNCH SECONDS SOCKNAME: umbra on a replayed capture; sets UPID.
live() {
  timeout 60 "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix="$1" \
    --vdev "net_pcap0,rx_pcap=$PCAP1,infinite_rx=1" --log-level=lib.eal:error \
    --log-level=pmd.net.pcap:error -- --duration "$3" --exchanges /dev/null \
    --redis "unix://$W/$4.sock" --launch "$2" --summary-json "$W/$2.json" \
    >"$W/$2.out" 2>"$W/$2.err" &
  UPID=$!
  PIDS+=("$UPID")
}

live umbredis$$a t3 6 main
for _ in $(seq 50); do
  [ "$(rcli main HGET umbra:v1:launch:t3 state)" = active ] && break
  sleep 0.1
done
sleep 1
rcli main HSET umbra:v1:launch:t3 share 0 >/dev/null
t0=$(date +%s%N)
applied=
for _ in $(seq 30); do
  if [ -x "$UMBRACTL" ]; then
    if "$UMBRACTL" --file-prefix umbredis$$a share --json 2>/dev/null |
      grep -q '"share_ppm":0}'; then
      applied=$((($(date +%s%N) - t0) / 1000000))
      break
    fi
  elif grep -q 'share 0%: applying share 0 ppm' "$W/t3.err"; then
    applied=$((($(date +%s%N) - t0) / 1000000))
    break
  fi
  sleep 0.05
done
wait_exit "$UPID" 150
if [ -n "$applied" ] && [ "$applied" -le 1500 ]; then
  ok "HSET share 0 applied in $applied ms (telemetry /umbra/share)"
else
  ko "share from the launch record" "applied '${applied:-never}': $(tail -n 3 "$W/t3.err")"
fi
if [ "$URC" = 0 ] && [ "$(rstat "$W/t3.out" record_applied)" -ge 1 ]; then
  ok "steered run exits 0, record_applied $(rstat "$W/t3.out" record_applied)"
else
  ko "steered run" "rc $URC: $(grep '^redis' "$W/t3.out")"
fi

start_redis aof --appendonly yes --appendfsync always || ko "redis-server aof" "no start"
APID=$RPID
live umbredis$$b t2 8 aof
sleep 2
kill -9 "$APID"
sleep 2
start_redis aof --appendonly yes --appendfsync always || ko "redis restart" "no start"
if ! wait_exit "$UPID" 200; then ko "restart run" "umbra did not exit"; fi
RO=$W/t2.out
if [ "$URC" = 0 ] && python3 -c "import json; json.load(open('$W/t2.json'))" 2>/dev/null &&
  grep -q 'accounting: ok' "$RO"; then
  ok "umbra ran through the Redis restart: exit 0, summary intact"
else
  ko "umbra through the restart" "rc $URC: $(tail -n 3 "$W/t2.err")"
fi
if [ "$(rstat "$RO" reconnects)" -ge 1 ]; then
  ok "reconnected ($(rstat "$RO" reconnects) reconnects, $(rstat "$RO" connect_failures) failed attempts)"
else
  ko "reconnects" "$(grep '^redis' "$RO")"
fi
if out=$(python3 "$W/compare.py" lost "$W/aof.sock" t2 "$W/t2.json"); then
  ok "Redis + lost == summary after the restart ($(echo "$out" | head -n 1); lost_batches $(rstat "$RO" lost_batches), lost_increments $(rstat "$RO" lost_increments), pending $(rstat "$RO" pending_increments))"
else
  ko "Redis + lost after the restart" "$out"
fi
echo "# restart figures: $(grep '^redis' "$RO")"

# ---- a batch whose answer never comes: counted lost, not resent ---------------------
cat >"$W/fake.py" <<'EOF'
# fake.py SOCKET MODE: "err" answers -ERR to everything; "drop" answers PING
# and closes the connection when a batch (EXEC) has arrived, answering nothing.
import os, socket, sys
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
while True:
    c, _ = s.accept()
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        if mode == "err":
            c.send(b"-ERR nothing works here\r\n")
            continue
        buf += d
        if b"PING" in buf and b"MULTI" not in buf:
            c.send(b"+PONG\r\n")
            buf = b""
        if b"EXEC" in buf:
            break
    c.close()
EOF
fake() { # NAME MODE
  python3 "$W/fake.py" "$W/$1.sock" "$2" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -S "$W/$1.sock" ] && return 0; sleep 0.05; done
}
fake drop drop
timeout 60 "$UMBRA" --pcap "$PCAP1" --redis "unix://$W/drop.sock" --launch t4 \
  --summary-json "$W/t4.json" >"$W/t4.out" 2>"$W/t4.err"
rc=$?
total=$(python3 -c "
import json; s = json.load(open('$W/t4.json'))
print(sum(int(v) for g, d in s.items() if isinstance(d, dict) and g != 'run'
          for v in d.values() if isinstance(v, (int, float))))")
li=$(rstat "$W/t4.out" lost_increments)
if [ "$rc" = 0 ] && [ "$(rstat "$W/t4.out" lost_batches)" -ge 1 ] && [ "$li" = "$total" ] &&
  [ "$(rstat "$W/t4.out" batches)" = 0 ]; then
  ok "unanswered batches: lost_batches $(rstat "$W/t4.out" lost_batches), lost_increments $li == every increment ($total), none resent"
else
  ko "unanswered batches" "rc $rc total $total: $(grep '^redis' "$W/t4.out")"
fi

# ---- run-time errors: counted, umbra exits 0 --------------------------------------
run_err() { # NAME URL WANT-IN-LAST-ERROR [env...]
  local name=$1 url=$2 want=$3
  shift 3
  env "$@" timeout 60 "$UMBRA" --pcap "$PCAP1" --redis "$url" --launch t5 \
    --summary-json "$W/t5.json" >"$W/t5.out" 2>"$W/t5.err"
  local rc=$?
  if [ "$rc" = 0 ] && [ "$(rstat "$W/t5.out" errors)" -ge 1 ] &&
    grep -q "^redis: .*last_error=\".*$want" "$W/t5.out" &&
    ! grep -q 'hunter2' "$W/t5.out" "$W/t5.err"; then
    ok "$name: exit 0, errors $(rstat "$W/t5.out" errors), pending $(rstat "$W/t5.out" pending_increments)"
  else
    ko "$name" "rc $rc: $(grep '^redis' "$W/t5.out" "$W/t5.err" | head -n 4)"
  fi
}
run_err "nobody on the socket" "unix://$W/absent.sock" "connect"
fake err err
run_err "a server answering -ERR" "unix://$W/err.sock" "nothing works here"
start_redis norename --rename-command HINCRBY '""' || ko "redis rename" "no start"
run_err "a Redis refusing HINCRBY" "unix://$W/norename.sock" "refused"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_redis auth --requirepass x --port "$PORT" --bind 127.0.0.1 || ko "redis auth" "no start"
run_err "wrong password (environment)" "unix://$W/auth.sock" "WRONGPASS" UMBRA_REDIS_PASSWORD=hunter2
run_err "wrong password (URL)" "redis://:hunter2@127.0.0.1:$PORT/0" "WRONGPASS"
UMBRA_REDIS_PASSWORD=x timeout 60 "$UMBRA" --pcap "$PCAP1" --redis "unix://$W/auth.sock" \
  --launch t6 >"$W/t6.out" 2>"$W/t6.err"
if [ $? = 0 ] && [ "$(rstat "$W/t6.out" batches)" -ge 1 ] && [ "$(rstat "$W/t6.out" errors)" = 0 ]; then
  ok "right password from UMBRA_REDIS_PASSWORD: batches $(rstat "$W/t6.out" batches)"
else
  ko "right password" "$(grep '^redis' "$W/t6.out" "$W/t6.err" | head -n 3)"
fi
timeout 60 "$UMBRA" --pcap "$PCAP1" --redis "redis://default:x@127.0.0.1:$PORT/3" \
  --launch t6 >"$W/t7.out" 2>"$W/t7.err"
if [ $? = 0 ] && [ "$(rstat "$W/t7.out" batches)" -ge 1 ] &&
  grep -q "url=redis://\*\*\*@127.0.0.1:$PORT/3" "$W/t7.out" &&
  [ "$(timeout 5 redis-cli -p "$PORT" -a x -n 3 --no-auth-warning EXISTS umbra:v1:launch:t6)" = 1 ]; then
  ok "user and password in a TCP URL, db 3: exported, URL shown masked"
else
  ko "TCP URL with password" "$(grep '^redis' "$W/t7.out" "$W/t7.err" | head -n 3)"
fi

# ---- a host name whose resolution takes 4 s (an LD_PRELOAD shim) -----------------
# The exporter never resolves on its own thread (redis_resolve.c): an appliance
# whose Redis is "localhost" stops at once on SIGINT while the name is still
# being resolved, and one left running connects once it resolves.
cat >"$W/slowdns.c" <<'EOF2'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <unistd.h>
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	int (*real)(const char *, const char *, const struct addrinfo *,
		struct addrinfo **) = dlsym(RTLD_NEXT, "getaddrinfo");
	unsigned char b[16];

	if (node != NULL && inet_pton(AF_INET, node, b) != 1 &&
			inet_pton(AF_INET6, node, b) != 1)
		sleep(4);
	return real(node, service, hints, res);
}
EOF2
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if ! cc -shared -fPIC -o "$W/slowdns.so" "$W/slowdns.c" -ldl 2>"$W/cc.err"; then
  ko "slow DNS shim" "cc: $(head -n 2 "$W/cc.err")"
elif ! start_redis dns --port "$PORT2" --bind 127.0.0.1; then
  ko "redis on TCP" "no start"
else
  # live_dns PREFIX LAUNCH SECONDS: like live, Redis at localhost:PORT2, slow DNS
  live_dns() {
    LD_PRELOAD="$W/slowdns.so" timeout 60 "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 \
      --file-prefix="$1" --vdev "net_pcap0,rx_pcap=$PCAP1,infinite_rx=1" --log-level=lib.eal:error \
      --log-level=pmd.net.pcap:error -- --duration "$3" --exchanges /dev/null \
      --redis "redis://localhost:$PORT2" --launch "$2" >"$W/$2.out" 2>"$W/$2.err" &
    UPID=$!
    PIDS+=("$UPID")
  }
  live_dns umbredis$$d d1 30
  sleep 1.5
  t0=$(date +%s%N)
  kill -INT "$UPID" 2>/dev/null
  wait_exit "$UPID" 40
  ms=$((($(date +%s%N) - t0) / 1000000))
  if [ "$URC" = 0 ] && [ "$ms" -lt 2500 ] && grep -q "localhost: resolving the name" "$W/d1.err"; then
    ok "stopped in $ms ms while its Redis host name was still resolving (exit 0; the name takes 4 s)"
  else ko "stop while resolving" "rc $URC after $ms ms: $(grep redis "$W/d1.err" | head -n 3)"; fi
  live_dns umbredis$$e d2 9
  for _ in $(seq 80); do
    [ "$(timeout 5 redis-cli -p "$PORT2" HGET umbra:v1:launch:d2 state)" = active ] && break
    sleep 0.1
  done
  wait_exit "$UPID" 150
  if [ "$URC" = 0 ] && [ "$(timeout 5 redis-cli -p "$PORT2" HGET umbra:v1:launch:d2 state)" = active ] &&
      [ "$(rstat "$W/d2.out" connects)" = 1 ] && [ "$(rstat "$W/d2.out" batches)" -ge 2 ] &&
      [ "$(rstat "$W/d2.out" lost_batches)" = 0 ]; then
    ok "connected once the name resolved (batches $(rstat "$W/d2.out" batches), connect_failures $(rstat "$W/d2.out" connect_failures) while resolving)"
  else ko "connect after resolving" "rc $URC: $(grep '^redis' "$W/d2.out"; grep redis "$W/d2.err" | head -n 3)"; fi
fi

finish
