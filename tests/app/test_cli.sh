#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The binary's modes, through the real data path:
#  - one lcore (run to completion) and two lcores (rx+export | reasm) give
#    the same exchanges;
#  - the "[EAL args] -- [options]" form works;
#  - several --pcap files at once add up;
#  - SIGINT mid-run stops cleanly with the summary;
#  - share 0 follows nothing; --record-unsampled records it all as
#    not_sampled;
#  - bad input (missing file, bad option value, non-capture file) is a
#    clear error, not a crash.
# usage: tests/app/test_cli.sh UMBRA   (prints 'N passed, N failed')
set -uo pipefail
UMBRA=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
CASES=$HERE/../cases
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# A capture with many exchanges on several flows, committed in the repo.
PCAP=$CASES/keepalive-many/capture.pcap
PCAP2=$CASES/pipelined/capture.pcap
if [ ! -f "$PCAP" ] || [ ! -f "$PCAP2" ]; then
  ko setup "no capture under $CASES"; echo "$pass passed, $fail failed"; exit 1
fi

# Sorted exchange lines without fields that legitimately differ per run.
norm() { python3 -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
for r in rows: r.pop("flow",None)
print("\n".join(sorted(json.dumps(r,sort_keys=True) for r in rows)))' "$1"; }

timeout 120 "$UMBRA" --pcap "$PCAP" --exchanges "$W/one.jsonl" --summary-json "$W/one.json" \
  >"$W/one.out" 2>&1; rc=$?
n1=$(wc -l <"$W/one.jsonl" 2>/dev/null || echo 0)
if [ $rc -eq 0 ] && [ "$n1" -gt 0 ] && grep -q "accounting: ok" "$W/one.out"; then
  ok "single lcore: $n1 exchanges, accounting ok"
else
  ko "single lcore" "exit $rc, $n1 lines: $(tail -n 3 "$W/one.out")"
fi

timeout 120 "$UMBRA" --pcap "$PCAP" --lcores 0-1 --exchanges "$W/two.jsonl" >"$W/two.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(norm "$W/one.jsonl")" = "$(norm "$W/two.jsonl")" ]; then
  ok "two lcores (rx+export | reasm) give the same exchanges"
else
  ko "two lcores" "exit $rc, diff: $(diff <(norm "$W/one.jsonl") <(norm "$W/two.jsonl") | head -n 5)"
fi

timeout 120 "$UMBRA" --pcap "$PCAP" --lcores 0-1 --roles 0:export,1:rx+reasm \
  --exchanges "$W/roles.jsonl" >"$W/roles.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(norm "$W/one.jsonl")" = "$(norm "$W/roles.jsonl")" ]; then
  ok "--roles 0:export,1:rx+reasm gives the same exchanges"
else
  ko "--roles" "exit $rc: $(tail -n 3 "$W/roles.out")"
fi

timeout 120 "$UMBRA" --pcap "$PCAP" --lcores 0-1 --roles 0:rx+export+compare,1:reasm+compare \
  --exchanges "$W/cmp2.jsonl" --summary-json "$W/cmp2.json" >"$W/cmp2.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(norm "$W/one.jsonl")" = "$(norm "$W/cmp2.jsonl")" ] &&
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); r=s["routes"]; \
    sys.exit(not (sum(x["exchanges"] for x in r) == s["compare"]["records"] == s["export"]["records"] > 0))' "$W/cmp2.json"; then
  ok "two compare lcores (flows sharded): the same exchanges, every one counted on a route once"
else
  ko "two compare lcores" "exit $rc: $(tail -n 3 "$W/cmp2.out")"
fi

timeout 120 "$UMBRA" --pcap "$PCAP" --roles 0:rx+reasm+compare+compare+export \
  --exchanges "$W/cmp1x2.jsonl" >"$W/cmp1x2.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(norm "$W/one.jsonl")" = "$(norm "$W/cmp1x2.jsonl")" ]; then
  ok "two comparators on one lcore (run to completion) give the same exchanges"
else
  ko "two comparators on one lcore" "exit $rc: $(tail -n 3 "$W/cmp1x2.out")"
fi

timeout 120 "$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix=umbcli$$ \
  --log-level=lib.eal:error -- --pcap "$PCAP" --exchanges "$W/eal.jsonl" >"$W/eal.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(norm "$W/one.jsonl")" = "$(norm "$W/eal.jsonl")" ]; then
  ok "EAL args before -- work"
else
  ko "EAL form" "exit $rc: $(tail -n 3 "$W/eal.out")"
fi

timeout 120 "$UMBRA" --pcap "$PCAP" --pcap "$PCAP2" --exchanges "$W/both.jsonl" >"$W/both.out" 2>&1; rc=$?
timeout 120 "$UMBRA" --pcap "$PCAP2" --exchanges "$W/second.jsonl" --quiet >/dev/null 2>&1
n2=$(wc -l <"$W/second.jsonl" 2>/dev/null || echo 0)
nb=$(wc -l <"$W/both.jsonl" 2>/dev/null || echo 0)
if [ $rc -eq 0 ] && [ "$nb" -eq $((n1 + n2)) ]; then
  ok "two --pcap files: $nb = $n1 + $n2 exchanges"
else
  ko "two --pcap files" "exit $rc, $nb != $n1 + $n2"
fi

# SIGINT while reading: a capture big enough (the 5 MB chunked case 60
# times over, read through 8 ports, a few seconds of work) that the signal
# lands mid-run; the run must stop before every port reached its end, drain,
# and print the summary with the accounting intact.
BIG=$CASES/chunked-large/capture.pcap
parts=(); for i in $(seq 1 60); do parts+=("$BIG"); done
mergecap -a -F pcap -w "$W/big.pcap" "${parts[@]}"
eight=(); for i in $(seq 1 8); do eight+=(--pcap "$W/big.pcap"); done
"$UMBRA" "${eight[@]}" --exchanges "$W/int.jsonl" --summary-json "$W/int.json" >"$W/int.out" 2>&1 &
pid=$!
sleep 1.2
kill -INT $pid 2>/dev/null
for _ in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
  kill -9 $pid; ko "SIGINT" "still running 10 s after SIGINT"
else
  wait $pid; rc=$?
  ended=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rx"]["ports_exhausted"])' \
    "$W/int.json" 2>/dev/null || echo none)
  got=$(wc -l <"$W/int.jsonl")
  if [ $rc -eq 0 ] && grep -q "umbra summary" "$W/int.out" && grep -q "accounting: ok" "$W/int.out" \
     && [ "$ended" != none ] && [ "$ended" -lt 8 ] && [ "$got" -gt 0 ]; then
    ok "SIGINT mid-run ($ended of 8 captures read to the end, $got exchanges) stops cleanly"
  else
    ko "SIGINT" "exit $rc, $ended of 8 captures ended: $(tail -n 3 "$W/int.out")"
  fi
fi
rm -f "$W/big.pcap"

# Live mode: a port the EAL arguments made is a tap that never ends; umbra
# runs until SIGINT, stamps frames with its own clock, and reports the same
# exchanges as offline.
"$UMBRA" --no-huge --no-pci --no-shconf -m 1024 -l 0 --file-prefix=umblive$$ \
  --log-level=lib.eal:error --log-level=pmd.net.pcap:error \
  --vdev "net_pcap_live0,rx_pcap=$PCAP" -- --exchanges "$W/live.jsonl" \
  --summary-json "$W/live.json" >"$W/live.out" 2>&1 &
pid=$!
for _ in $(seq 1 50); do
  [ "$(python3 -c 'import sys; print(sum(1 for _ in open(sys.argv[1])))' "$W/live.jsonl" 2>/dev/null || echo 0)" -ge "$n1" ] && break
  sleep 0.2
done
sleep 0.5
kill -INT $pid 2>/dev/null; wait $pid; rc=$?
if [ $rc -eq 0 ] && [ "$(norm "$W/one.jsonl" | python3 -c '
import json,sys
for l in sys.stdin:
    r=json.loads(l); [r.pop(k) for k in ("ts","ttfb_us","ttlb_us")]; print(json.dumps(r,sort_keys=True))' | sort)" = \
   "$(norm "$W/live.jsonl" | python3 -c '
import json,sys
for l in sys.stdin:
    r=json.loads(l); [r.pop(k) for k in ("ts","ttfb_us","ttlb_us")]; print(json.dumps(r,sort_keys=True))' | sort)" ]; then
  ok "live port (EAL --vdev) until SIGINT: same exchanges as offline, own clock"
else
  ko "live port" "exit $rc: $(tail -n 3 "$W/live.out"); $(wc -l <"$W/live.jsonl" 2>/dev/null) lines"
fi

# Sampling: share 0 follows nothing (segments dropped on arrival); with
# --record-unsampled every exchange is there again, outcome not_sampled.
timeout 120 "$UMBRA" --pcap "$PCAP" --sample-share 0 --exchanges "$W/s0.jsonl" \
  --summary-json "$W/s0.json" >"$W/s0.out" 2>&1; rc=$?
timeout 120 "$UMBRA" --pcap "$PCAP" --sample-share 0 --record-unsampled \
  --exchanges "$W/rec.jsonl" >"$W/rec.out" 2>&1; rc2=$?
got=$(python3 - "$W/s0.jsonl" "$W/s0.json" "$W/rec.jsonl" "$W/one.jsonl" <<'PY' 2>&1
import json, sys
s0 = [l for l in open(sys.argv[1])]
summ = json.load(open(sys.argv[2]))
rec = [json.loads(l) for l in open(sys.argv[3])]
one = [json.loads(l) for l in open(sys.argv[4])]
key = lambda r: (r["client"], r["uri"], r["status"], r.get("resp_body_hash"))
ok = (not s0 and summ["rx"]["unsampled"] == summ["rx"]["packets"]
      and summ["flow"]["created"] == 0 and summ["flow"]["not_sampled"] > 0
      and len(rec) == len(one) > 0
      and all(r["outcome"] == "not_sampled" for r in rec)
      and sorted(map(key, rec)) == sorted(map(key, one)))
print("ok" if ok else "s0 %d lines, rx %s, flow %s; rec %d lines (%s), one %d"
      % (len(s0), summ["rx"], summ["flow"], len(rec),
         sorted({r["outcome"] for r in rec}), len(one)))
PY
)
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ "$got" = ok ]; then
  ok "share 0: nothing followed; --record-unsampled: every exchange, outcome not_sampled"
else
  ko "share 0 / --record-unsampled" "exit $rc/$rc2: $got"
fi

"$UMBRA" --pcap "$W/does-not-exist.pcap" >"$W/e1.out" 2>&1; rc=$?
if [ $rc -ne 0 ] && grep -q "does-not-exist.pcap" "$W/e1.out"; then
  ok "missing capture: clear error"
else
  ko "missing capture" "exit $rc: $(cat "$W/e1.out")"
fi

"$UMBRA" --pcap "$PCAP" --sample-share 150 >"$W/e2.out" 2>&1; rc=$?
if [ $rc -ne 0 ] && grep -q -- "--sample-share" "$W/e2.out"; then
  ok "bad option value names the option"
else
  ko "bad option value" "exit $rc: $(cat "$W/e2.out")"
fi

head -c 5000 /dev/urandom >"$W/junk.pcap"
timeout 60 "$UMBRA" --pcap "$W/junk.pcap" >"$W/e3.out" 2>&1; rc=$?
if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q "junk.pcap" "$W/e3.out"; then
  ok "not a capture: clear error"
else
  ko "not a capture" "exit $rc: $(cat "$W/e3.out")"
fi

# A capture cut mid-record (as sv__http-mime-truncated is): read what is there.
head -c 30000 "$PCAP" >"$W/cut.pcap"
timeout 60 "$UMBRA" --pcap "$W/cut.pcap" --exchanges "$W/cut.jsonl" >"$W/e4.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "accounting: ok" "$W/e4.out"; then
  ok "truncated capture file: processed up to the cut"
else
  ko "truncated capture" "exit $rc: $(tail -n 3 "$W/e4.out")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
