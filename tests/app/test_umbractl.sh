#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# umbractl, from the outside: the command dispatch and `umbractl diff` on
# files made here (JSON, text, gzip, oversized, deep), checking exit codes
# (0 equal, 1 different, 2 trouble), the exact text lines, the --json
# object (parsed with python3), rules from the command line and from a
# compare file (config/lab/compare.ini and a made-up one with a route),
# colour, stdin, and that bad input is one clear line on stderr.
# usage: tests/app/test_umbractl.sh UMBRACTL   (prints 'N passed, N failed')
set -uo pipefail
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 path/to/umbractl" >&2; exit 2
fi
U=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# run ARGS...: exit code in $rc, stdout in $W/out, stderr in $W/err
run() { timeout 60 "$U" "$@" >"$W/out" 2>"$W/err"; rc=$?; }
out() { cat "$W/out"; }
err() { cat "$W/err"; }
# exactly one non-empty line on stderr
one_err_line() { [ "$(grep -c . "$W/err")" -eq 1 ]; }
# check NAME EXPECTED_RC EXPECTED_STDOUT: exact stdout and exit code
check() {
  if [ "$rc" -eq "$2" ] && [ "$(out)" = "$3" ]; then ok "$1"
  else ko "$1" "exit $rc (want $2), stdout: $(out | head -n 5) stderr: $(err | head -n 2)"; fi
}
# check_err NAME PATTERN: exit 2, one line on stderr matching PATTERN
check_err() {
  if [ "$rc" -eq 2 ] && one_err_line && grep -q -- "$2" "$W/err"; then ok "$1"
  else ko "$1" "exit $rc (want 2), stderr: $(err | head -n 3)"; fi
}
# pyjson NAME EXPR: python3 asserts EXPR on d = the JSON on stdout
pyjson() {
  if python3 - "$W/out" "$2" 2>/dev/null <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
assert eval(sys.argv[2]), d
EOF
  then ok "$1"; else ko "$1" "exit $rc, stdout: $(out | head -c 400)"; fi
}

cd "$W" || exit 2

# ---- dispatch -----------------------------------------------------------------
run --help
if [ $rc -eq 0 ] && grep -q "diff" "$W/out"; then ok "--help lists the diff command"
else ko "--help" "exit $rc: $(out | head -n 3)"; fi
run --version
if [ $rc -eq 0 ] && grep -q "^umbractl [0-9]" "$W/out"; then ok "--version prints a version"
else ko "--version" "exit $rc: $(out)"; fi
run help diff
if [ $rc -eq 0 ] && grep -q "usage: umbractl diff" "$W/out"; then ok "help diff shows the diff usage"
else ko "help diff" "exit $rc: $(out | head -n 3)"; fi
run frobnicate
check_err "an unknown command is exit 2 with one line" "unknown command 'frobnicate'"
run
if [ $rc -eq 2 ]; then ok "no command is exit 2"; else ko "no command" "exit $rc"; fi

# ---- equal, key order, renamed field ------------------------------------------------
printf '{"a":1,"b":[1,2,{"c":"x"}],"d":null}\n' >p1.json
cp p1.json s1.json
run diff p1.json s1.json
check "equal documents exit 0 and print equal" 0 "equal"

printf '{\n  "d": null,\n  "b": [1, 2, {"c": "x"}],\n  "a": 1.0\n}\n' >s2.json
run diff p1.json s2.json
check "key order (and blanks, 1 vs 1.0) does not matter" 0 "equal"

printf '{"user":{"name":"ann","age":30}}' >p3.json
printf '{"user":{"fullName":"ann","age":30}}' >s3.json
run diff p3.json s3.json
check "a renamed field gives removed and added with exact paths" 1 \
'added $.user.fullName: "ann"
removed $.user.name: "ann"
2 differences'

printf '{"a":1,"b":"x","list":[1,2,3],"gone":true}' >p4.json
printf '{"a":2,"b":"x","list":[1,2],"new":{"k":1}}' >s4.json
# arrays of different lengths: one array_length, compared over the common length
run diff p4.json s4.json --json
if [ $rc -eq 1 ]; then
  pyjson "--json output parses and has exactly the keys, paths and kinds expected" \
'list(d) == ["equal", "diffs"] and d["equal"] is False and d["diffs"] == [
 {"path": "$.a", "kind": "changed", "production": 1, "shadow": 2},
 {"path": "$.gone", "kind": "removed", "production": True},
 {"path": "$.list", "kind": "array_length", "production": 3, "shadow": 2},
 {"path": "$.new", "kind": "added", "shadow": "object(1)"}]'
else ko "--json output" "exit $rc: $(out | head -c 300) $(err)"; fi

run diff p1.json s1.json --json
pyjson "--json on equal documents is {equal: true, diffs: []}" \
  'd == {"equal": True, "diffs": []}'

# ---- rules on the command line -------------------------------------------------------
printf '{"id":7,"meta":{"timestamp":"2024-01-01T00:00:00Z"},"rows":[{"timestamp":1}]}' >p5.json
printf '{"id":7,"meta":{"timestamp":"2024-06-01T12:00:00Z"},"rows":[{"timestamp":2}]}' >s5.json
run diff p5.json s5.json
if [ $rc -eq 1 ] && grep -q '^changed \$.meta.timestamp: ' "$W/out"; then
  run diff p5.json s5.json --ignore '$..timestamp'
  check "--ignore '\$..timestamp' makes the differences disappear" 0 "equal"
else ko "--ignore" "without --ignore: exit $rc: $(out)"; fi

printf '{"price":10.00,"qty":3}' >p6.json
printf '{"price":10.01,"qty":3}' >s6.json
printf '{"price":10.02,"qty":3}' >s6b.json
run diff p6.json s6.json --tolerance 0.01
check "--tolerance 0.01: 10.00 vs 10.01 is at the edge, equal" 0 "equal"
run diff p6.json s6b.json --tolerance 0.01
check "--tolerance 0.01: 10.00 vs 10.02 is beyond the edge" 1 \
'changed $.price: 10 -> 10.02
1 difference'
printf '{"v":1000}' >p6r.json; printf '{"v":1010}' >s6r.json
run diff p6r.json s6r.json --tolerance 0,0.01
check "--tolerance 0,0.01 (relative) accepts 1%" 0 "equal"

printf '{"tags":["a","b","c"]}' >p7.json
printf '{"tags":["c","a","b"]}' >s7.json
printf '{"tags":["c","a","d"]}' >s7b.json
run diff p7.json s7.json --unordered '$.tags'
check "--unordered: the same elements in another order are equal" 0 "equal"
run diff p7.json s7b.json --unordered '$.tags'
if [ $rc -eq 1 ] && grep -q '"b"' "$W/out" && grep -q '"d"' "$W/out"; then
  ok "--unordered: a different element is still a difference"
else ko "--unordered different" "exit $rc: $(out)"; fi

printf '{"items":[{"id":1,"v":"a"},{"id":2,"v":"b"}]}' >p8.json
printf '{"items":[{"id":2,"v":"b"},{"id":1,"v":"c"}]}' >s8.json
run diff p8.json s8.json --keyed '$.items:id'
check "--keyed '\$.items:id' pairs by id" 1 \
'changed $.items[?(@.id==1)].v: "a" -> "c"
1 difference'

# ---- rules files -----------------------------------------------------------------------
printf '{"timestamp":1,"price":9.99,"items":[1,2]}' >p9.json
printf '{"timestamp":2,"price":10.0,"items":[2,1]}' >s9.json
run diff p9.json s9.json --rules "$ROOT/config/lab/compare.ini"
check "--rules config/lab/compare.ini: timestamp ignored, a cent tolerated" 1 \
'changed $.items[0]: 1 -> 2
changed $.items[1]: 2 -> 1
2 differences'
run diff p9.json s9.json --rules "$ROOT/config/lab/compare.ini" --route "GET /api/items"
check "--rules compare.ini --route 'GET /api/items' picks [route items]" 0 "equal"

cat >routes.ini <<'EOF'
[compare]
ignore = $.requestId

[route orders]
match = GET /orders/{id}
keyed = $.lines by sku
tolerance = 0.5
EOF
printf '{"requestId":"a","lines":[{"sku":"x","n":1},{"sku":"y","n":2}]}' >p10.json
printf '{"requestId":"b","lines":[{"sku":"y","n":2.4},{"sku":"x","n":1}]}' >s10.json
run diff p10.json s10.json --rules routes.ini --route "GET /orders/42"
check "--rules with a [route x] section and --route picking it" 0 "equal"
run diff p10.json s10.json --rules routes.ini --route "GET /other"
if [ $rc -eq 1 ] && ! grep -q requestId "$W/out"; then
  ok "--route that matches no section uses the global rules"
else ko "--route global" "exit $rc: $(out)"; fi
run diff p10.json s10.json --rules routes.ini
if [ $rc -eq 1 ] && ! grep -q requestId "$W/out"; then
  ok "--rules without --route uses the global rules"
else ko "--rules global" "exit $rc: $(out)"; fi
run diff p10.json s10.json --rules routes.ini --route "GET /orders/42" --ignore '$.lines'
check "command-line rules add to the route's rules" 0 "equal"

# ---- input forms -----------------------------------------------------------------------
gzip -c p4.json >p4.json.gz
run diff p4.json.gz p4.json
check "a gzip file (gzip -c) is recognised and decoded" 0 "equal"
run diff p4.json.gz s4.json
if [ $rc -eq 1 ] && grep -q '^changed \$.a: 1 -> 2$' "$W/out"; then
  ok "a gzip file is compared as its JSON"
else ko "gzip compared" "exit $rc: $(out)"; fi
head -c 20 p4.json.gz >trunc.gz
run diff trunc.gz p4.json
check_err "a truncated gzip file is exit 2 with one line" "trunc.gz: gzip: "

printf 'alpha\nbeta\ngamma\n' >p11.txt
printf 'alpha\nbeta\ngamut\n' >s11.txt
run diff p11.txt s11.txt
check "non-JSON text files give one body difference with offset and line" 1 \
'body: sizes 17 -> 17, first difference at offset 14 (line 3)
1 difference'
run diff p11.txt s11.txt --json
pyjson "--json body difference has offset and line" \
'd == {"equal": False, "diffs": [{"path": "", "kind": "body", "production": 17, "shadow": 17, "offset": 14, "line": 3}]}'
printf 'ab\000cd' >p12.bin; printf 'ab\000ce' >s12.bin
run diff p12.bin s12.bin
check "binary files: a body difference without a line" 1 \
'body: sizes 5 -> 5, first difference at offset 4
1 difference'

run diff - s1.json <p1.json
check "stdin '-' as production works" 0 "equal"
run diff p4.json - <s4.json
if [ $rc -eq 1 ] && grep -q '^changed \$.a: 1 -> 2$' "$W/out"; then ok "stdin '-' as shadow works"
else ko "stdin shadow" "exit $rc: $(out)"; fi
run diff - - <p1.json
check_err "'-' for both files is exit 2" "stdin"

# ---- errors ------------------------------------------------------------------------------
run diff p1.json no-such-file.json
check_err "an unreadable file is exit 2 with one clear line" "no-such-file.json: No such file or directory"
run diff p1.json
check_err "a missing argument is exit 2 with one clear line" "two files are needed"
run diff p1.json s1.json --ignore 'timestamp'
check_err "a bad pattern is exit 2 with the engine's message" "--ignore 'timestamp': a pattern must start with '\\$'"
run diff p1.json s1.json --keyed '$.items'
check_err "--keyed without :FIELD is exit 2" "expected PATTERN:FIELD"
run diff p1.json s1.json --tolerance 0.01abc
check_err "a bad --tolerance is exit 2" "--tolerance '0.01abc'"
printf '[compare]\nignore = $..a\nunordered = items\n' >bad.ini
run diff p1.json s1.json --rules bad.ini
check_err "a bad rules file is exit 2 and its error names file:line" "bad.ini:3: "
run diff p1.json s1.json --route "GET /x"
check_err "--route without --rules is exit 2" "--route needs --rules"
run diff p1.json s1.json --no-such-option
check_err "an unknown option is exit 2" "unknown option '--no-such-option'"
truncate -s 65M huge.json
start=$(date +%s)
run diff huge.json p1.json
if [ $((($(date +%s) - start))) -lt 5 ]; then
  check_err "a file over 64 MiB is exit 2 with one line" "huge.json: larger than 64 MiB"
else ko "over 64 MiB" "took too long"; fi
run diff p1.json - <huge.json
check_err "stdin over 64 MiB is exit 2 with one line" "larger than 64 MiB"

# ---- colour ---------------------------------------------------------------------------
run diff p3.json s3.json --color always
if [ $rc -eq 1 ] && grep -q $'\033\[32madded' "$W/out" && grep -q $'\033\[31mremoved' "$W/out"; then
  ok "--color always emits ESC sequences (added green, removed red)"
else ko "--color always" "exit $rc: $(out | od -c | head -n 3)"; fi
run diff p3.json s3.json --color never
if [ $rc -eq 1 ] && ! grep -q $'\033' "$W/out"; then ok "--color never emits none"
else ko "--color never" "exit $rc: $(out | od -c | head -n 3)"; fi
run diff p3.json s3.json
if [ $rc -eq 1 ] && ! grep -q $'\033' "$W/out"; then ok "--color auto emits none into a file"
else ko "--color auto" "exit $rc: $(out | od -c | head -n 3)"; fi
run diff p3.json s3.json --color sometimes
check_err "--color with a bad value is exit 2" "--color 'sometimes'"

# ---- limits -------------------------------------------------------------------------------
python3 -c 'import json; print(json.dumps(list(range(50))))' >p13.json
python3 -c 'import json; print(json.dumps(list(range(1, 51))))' >s13.json
run diff p13.json s13.json --max-diffs 3
if [ $rc -eq 1 ] && [ "$(wc -l <"$W/out")" -eq 4 ] &&
    [ "$(tail -n 1 "$W/out")" = "50 differences (showing 3 of 50)" ]; then
  ok "--max-diffs 3 shows 3 and says (showing 3 of 50)"
else ko "--max-diffs" "exit $rc: $(out)"; fi
run diff p13.json s13.json --max-diffs 3 --json
pyjson "--json with --max-diffs adds total after diffs" \
  'list(d) == ["equal", "diffs", "total"] and len(d["diffs"]) == 3 and d["total"] == 50'

python3 -c 'import sys; sys.stdout.write("[" * 100000)' >deep1.json
python3 -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' >deep2.json
python3 -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 99999 + ",1]")' >deep3.json
start=$(date +%s)
run diff deep1.json deep2.json
r1=$rc
run diff deep2.json deep3.json
r2=$rc; grep -q "cap" "$W/err"; capmsg=$?
run diff deep2.json deep3.json --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["capped"] is True and d["equal"] is False' "$W/out"
capjson=$?
el=$(($(date +%s) - start))
if [ $r1 -eq 1 ] && [ $r2 -eq 1 ] && [ $capmsg -eq 0 ] && [ $capjson -eq 0 ] && [ $el -lt 10 ]; then
  ok "100,000 nested '[' finish quickly (unclosed: exit 1; too deep: capped, exit 1)"
else ko "deep nesting" "exits $r1 $r2, cap message $capmsg, capped json $capjson, ${el}s"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
