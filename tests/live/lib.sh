# SPDX-License-Identifier: BSD-3-Clause
# What the lab suites (tests/live/test_*.sh) share:
#   lab ARGS...          scripts/lab, bounded (120 s)
#   lab_fresh            a lab of this version (down, then up; its output in
#                        $W/lab.out), its names in the environment
#                        (scripts/lab env); a failure is one ko and finish
#   lab_cleanup GLOB     for the suite's EXIT trap, after its own processes
#                        are stopped: the lab down, umbra's runtime
#                        directories /var/run/dpdk/GLOB, and W unless
#                        UMB_KEEP is set
#   ok, ko, finish       the counts and the closing line (a suite that
#                        counts skips defines its own after sourcing this)
#   live_need_root       skips the suite (exit 0, one skipped) without root
#                        and ip netns
#   tel CMD              one telemetry request to the umbra whose socket is
#                        $SOCK; prints the JSON answer (python at $PY)
#   tel_at SOCKET CMD    the same to another socket
# Sourced right after ROOT and PY are set; W is used when called.

pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

live_need_root() {
  if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
    echo "skip: needs root and ip netns"; echo "0 passed, 0 failed, 1 skipped"; exit 0
  fi
}

tel() { tel_at "$SOCK" "$1"; }
tel_at() {
  timeout 10 "$PY" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
s.recv(16384)
s.send(sys.argv[2].encode())
print(s.recv(1 << 20).decode())
PY
}

lab() { timeout 120 "$ROOT/scripts/lab" "$@"; }

lab_fresh() {
  lab down >"$W/lab.out" 2>&1
  if ! lab up >>"$W/lab.out" 2>&1; then
    ko "lab up" "$(tail -n 5 "$W/lab.out")"
    finish
  fi
  eval "$("$ROOT/scripts/lab" env)"
}

lab_cleanup() {
  timeout 60 "$ROOT/scripts/lab" down >/dev/null 2>&1
  # shellcheck disable=SC2115 # the glob is the suite's own prefix
  rm -rf /var/run/dpdk/$1
  if [ -n "${UMB_KEEP:-}" ]; then echo "kept $W"; else rm -rf "$W"; fi
}
