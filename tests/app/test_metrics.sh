#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Prometheus endpoint (--metrics, docs/metrics.md), live: umbra runs on a
# net_pcap vdev that replays a capture forever and is scraped with curl
# while it runs:
#  - GET /metrics answers 200 with the text format's content type, and
#    `promtool check metrics` (Debian's prometheus package) passes on it;
#  - counters move (umbra_rx_packets_total, umbra_exchanges_total{complete}),
#    a route latency histogram has its buckets (cumulative), _sum and
#    _count, with _count equal to the +Inf bucket;
#  - another path is 404, another method 405;
#  - the socket is bound to 127.0.0.1 only (ss), and gone after the run;
#  - an IPv6 address ([::1]:PORT) works when the host has ::1;
#  - a bad --metrics value and a port in use are clear errors, exit != 0.
# Every wait is bounded; umbra and the helper listener are killed on exit.
# usage: tests/app/test_metrics.sh UMBRA   (prints 'N passed, N failed')
set -uo pipefail
UMBRA=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
CASES=$HERE/../cases
PCAP=$CASES/keepalive-many/capture.pcap
W=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

for t in curl promtool ss python3; do
  command -v "$t" >/dev/null || { ko setup "$t not installed (scripts/setup)"; finish; }
done
[ -f "$PCAP" ] || { ko setup "no capture $PCAP"; finish; }

# A port free on loopback now (the kernel's pick).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# umbra live on a vdev replaying the capture forever; $1 = --metrics value,
# $2 = seconds, $3 = log name. Sets UPID.
start_live() {
  timeout 60 "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix=umbmet$$$3 \
    --vdev "net_pcap0,rx_pcap=$PCAP,infinite_rx=1" --log-level=lib.eal:error \
    --log-level=pmd.net.pcap:error -- --metrics "$1" --duration "$2" --exchanges /dev/null \
    >"$W/$3.out" 2>"$W/$3.err" &
  UPID=$!
  PIDS+=("$UPID")
}

# Wait (at most $2 tenths of a second) until $1 answers 200.
wait_up() {
  for _ in $(seq "$2"); do
    curl -sf -m 2 -o /dev/null "$1" && return 0
    kill -0 "$UPID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Wait (at most $1 tenths) for umbra to exit; its exit code in URC.
wait_exit() {
  URC=timeout
  for _ in $(seq "$1"); do
    if ! kill -0 "$UPID" 2>/dev/null; then wait "$UPID"; URC=$?; return 0; fi
    sleep 0.1
  done
  return 1
}

# ---- the live endpoint ------------------------------------------------------
PORT=$(free_port)
URL=http://127.0.0.1:$PORT/metrics
start_live "127.0.0.1:$PORT" 8 live
if ! wait_up "$URL" 150; then
  ko "endpoint answers" "no answer on $URL: $(tail -n 3 "$W/live.err")"
  finish
fi
ok "endpoint answers on $URL"

# Scrape until exchanges have completed (bounded: 5 s).
code=
for _ in $(seq 50); do
  code=$(curl -s -m 5 -D "$W/hdr" -o "$W/body" -w '%{http_code}' "$URL")
  grep -Eq '^umbra_exchanges_total\{outcome="complete"\} [1-9]' "$W/body" && break
  sleep 0.1
done
ctype=$(tr -d '\r' <"$W/hdr" | sed -n 's/^[Cc]ontent-[Tt]ype: //p')
if [ "$code" = 200 ] && [[ "$ctype" == "text/plain; version=0.0.4"* ]]; then
  ok "GET /metrics: 200, $ctype, $(wc -l <"$W/body") lines"
else
  ko "GET /metrics" "status $code, content type '$ctype'"
fi

if promtool check metrics <"$W/body" >"$W/promtool.out" 2>&1; then
  ok "promtool check metrics passes"
else
  ko "promtool check metrics" "$(head -n 5 "$W/promtool.out")"
fi

if python3 - "$W/body" >"$W/check.out" 2>&1 <<'EOF'
import re, sys
lines = [l for l in open(sys.argv[1]) if not l.startswith("#")]
vals = {}
for l in lines:
    name, v = l.rsplit(" ", 1)
    vals[name] = float(v)
def need(cond, why):
    if not cond:
        print(why); sys.exit(1)
need(vals.get("umbra_up") == 1, "umbra_up is not 1")
need(any(k.startswith("umbra_build_info{") and 'version="' in k and 'launch="default"' in k
         for k in vals), "umbra_build_info{version,launch=default} missing")
need(vals.get('umbra_launch_state{launch="default",state="active"}') == 1 and
     sum(v for k, v in vals.items() if k.startswith("umbra_launch_state{")) == 1,
     "umbra_launch_state: not exactly one state, active")
need(any(k.startswith('umbra_launch_share_ratio{launch="default"}') for k in vals),
     "umbra_launch_share_ratio missing")
need(vals.get("umbra_rx_packets_total", 0) > 0, "umbra_rx_packets_total is not > 0")
need(vals.get('umbra_exchanges_total{outcome="complete"}', 0) > 0,
     'umbra_exchanges_total{outcome="complete"} is not > 0')
need(any(k.startswith("umbra_route_exchanges_total{route=") for k in vals),
     "no umbra_route_exchanges_total")
# One histogram series: every bucket, cumulative, +Inf == _count, a _sum.
counts = [k for k in vals if k.startswith("umbra_route_latency_seconds_count{")
          and 'side="production"' in k and 'phase="first_byte"' in k]
need(counts, "no production first_byte latency histogram")
key = counts[0]
labels = key[key.index("{") + 1:-1]
buckets = [(k, v) for k, v in vals.items()
           if k.startswith("umbra_route_latency_seconds_bucket{" + labels + ",le=")]
les = [re.search(r'le="([^"]+)"', k).group(1) for k, _ in buckets]
want = ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
        "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
need(les == want, "buckets %s, want %s" % (les, want))
cum = [v for _, v in buckets]
need(all(a <= b for a, b in zip(cum, cum[1:])), "buckets not cumulative: %s" % cum)
need(cum[-1] == vals[key] > 0, "+Inf %s != _count %s" % (cum[-1], vals[key]))
need(("umbra_route_latency_seconds_sum{" + labels + "}") in vals, "no _sum")
print("histogram {%s}: count %d, sum %s s" % (labels, vals[key],
      vals["umbra_route_latency_seconds_sum{" + labels + "}"]))
EOF
then
  ok "values: rx packets and complete exchanges > 0; $(tail -n 1 "$W/check.out")"
else
  ko "values" "$(tail -n 3 "$W/check.out")"
fi

c404=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/other")
c405=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -d x "$URL")
if [ "$c404" = 404 ] && [ "$c405" = 405 ]; then
  ok "GET /other is 404, POST /metrics is 405"
else
  ko "404/405" "GET /other $c404, POST /metrics $c405"
fi

socks=$(ss -Hltn "sport = :$PORT" | awk '{print $4}' | sort -u | tr '\n' ' ')
if [ "$socks" = "127.0.0.1:$PORT " ]; then
  ok "bound to 127.0.0.1:$PORT only"
else
  ko "bound to loopback only" "listening sockets on port $PORT: '$socks'"
fi

if wait_exit 300 && [ "$URC" = 0 ] && [ -z "$(ss -Hltn "sport = :$PORT")" ]; then
  ok "umbra stops at --duration (exit 0), the port is closed"
else
  ko "clean stop" "exit $URC: $(tail -n 3 "$W/live.err")"
fi

# ---- IPv6 --------------------------------------------------------------------
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
  PORT6=$(free_port)
  start_live "[::1]:$PORT6" 3 v6
  if wait_up "http://[::1]:$PORT6/metrics" 150 &&
      [ "$(ss -Hltn "sport = :$PORT6" | awk '{print $4}')" = "[::1]:$PORT6" ]; then
    ok "--metrics [::1]:PORT serves on IPv6 loopback only"
  else
    ko "IPv6" "no answer on [::1]:$PORT6: $(tail -n 3 "$W/v6.err")"
  fi
  wait_exit 200 || kill "$UPID" 2>/dev/null
else
  ok "IPv6 skipped: the host has no ::1"
fi

# ---- errors ------------------------------------------------------------------
bad_ok=1 bad_msg=
for v in 0 65536 127.0.0.1:0 127.0.0.1: :9100 300.1.1.1:9100 localhost:9100 '[::1]9100' 9100x ''; do
  timeout 20 "$UMBRA" --pcap "$PCAP" --metrics "$v" --exchanges /dev/null >"$W/bad.out" 2>&1
  rc=$?
  if [ $rc -eq 0 ] || ! grep -q -- "--metrics: " "$W/bad.out"; then
    bad_ok=0 bad_msg="'$v': exit $rc: $(head -n 1 "$W/bad.out")"
    break
  fi
done
if [ $bad_ok = 1 ]; then
  ok "bad --metrics values are clear errors ($(head -n 1 "$W/bad.out"))"
else
  ko "bad --metrics" "$bad_msg"
fi

# Someone else listens on the port: umbra says so and exits non-zero.
PORT2=$(free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(1)
print("up", flush=True); time.sleep(30)' "$PORT2" >"$W/holder.out" 2>&1 &
HOLDER=$!
PIDS+=("$HOLDER")
for _ in $(seq 50); do grep -q up "$W/holder.out" && break; sleep 0.1; done
timeout 30 "$UMBRA" --pcap "$PCAP" --metrics "127.0.0.1:$PORT2" --exchanges /dev/null \
  >"$W/busy.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "cannot listen on 127.0.0.1:$PORT2: Address already in use" "$W/busy.out"; then
  ok "port in use: exit $rc, '$(grep -m1 'cannot listen' "$W/busy.out")'"
else
  ko "port in use" "exit $rc: $(tail -n 3 "$W/busy.out")"
fi
kill "$HOLDER" 2>/dev/null

finish
