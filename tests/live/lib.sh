# SPDX-License-Identifier: BSD-3-Clause
# What the lab suites (tests/live/test_*.sh) share, sourced after they set
# ROOT and W:
#   lab ARGS...          scripts/lab, bounded (120 s)
#   lab_fresh            a lab of this version (down, then up; its output in
#                        $W/lab.out), its names in the environment
#                        (scripts/lab env); a failure is one ko and finish
#   lab_cleanup GLOB     for the suite's EXIT trap, after its own processes
#                        are stopped: the lab down, umbra's runtime
#                        directories /var/run/dpdk/GLOB, and W unless
#                        UMB_KEEP is set
# ok, ko and finish stay the suite's own (some count skips).

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
