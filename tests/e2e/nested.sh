#!/bin/sh
# Archives inside the package are inspected in place: members listed with
# their digests and depth, damage and unsafe names noted, the depth limit
# respected, and bombs stopped like any other.
. "$TOP_SRCDIR/tests/lib.sh"

use_test_policy
expected=$("$PY" "$TOP_SRCDIR/tests/e2e/make_nested.py" "$SANDBOX/in/pkg") || exit 99
run_mg scan "$SANDBOX/in/pkg" --json n.json --skip all -q
expect_status 0 "nested scan" || { finish; }

art() { # path expr
  json_get n.json "[a for a in d['artifacts'] if a['path']=='$1'][0]$2"
}
want_pkl=$(printf '%s' "$expected" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["data.pkl"])')
[ "$(art 'weights.tar.gz!/a/data.pkl' "['sha256']")" = "$want_pkl" ] &&
  [ "$(art 'weights.tar.gz!/a/data.pkl' "['depth']")" = 1 ] &&
  pass "member of a nested tar.gz listed with its digest at depth 1" ||
  fail "nested member digest/depth"
[ "$(art 'weights.tar.gz!/inner.zip!/deep.tar' "['depth']")" = 2 ] &&
  pass "archive inside an archive inspected (depth 2)" || fail "depth-2 member"
art 'weights.tar.gz!/inner.zip!/deep.tar' "['note']" | grep -q "beyond the depth limit" &&
  pass "third level noted as beyond the depth limit" || fail "depth limit note"
[ "$(json_get n.json "len([a for a in d['artifacts'] if a['path'].endswith('x.bin')])")" = 0 ] &&
  pass "nothing read beyond the depth limit" || fail "read beyond depth limit"
art 'badcrc.zip!/archive/data.pkl' "['note']" | grep -qi "crc" &&
  art 'badcrc.zip' "['note']" | grep -qi "damaged" &&
  pass "wrong CRC noted on the member and its zip" || fail "bad CRC note: $(art 'badcrc.zip' "['note']")"
art 'slip.zip' "['note']" | grep -q "unsafe member name" &&
  pass "unsafe member name noted, not extracted" || fail "unsafe member note"
[ ! -e "$SANDBOX/evil.txt" ] && [ ! -e "$SANDBOX/in/evil.txt" ] || fail "nested ../ escaped"

# Depth 0 turns nested inspection off (noted), depth 1 stops one level down.
run_mg scan "$SANDBOX/in/pkg" --json n0.json --limit depth=0 --skip all -q
json_get n0.json "[a['note'] for a in d['artifacts'] if a['path']=='weights.tar.gz'][0]" |
  grep -q "beyond the depth limit" && pass "--limit depth=0" || fail "depth=0"

# A bomb inside an archive inside the package is still a bomb.
run_mg scan "$SANDBOX/in/pkg-bomb.tar" -q
expect_status 2 "nested bomb" && expect_err "w.zip!/z.bin.*compression ratio limit exceeded" "nested bomb" &&
  pass "nested decompression bomb stopped"
finish
