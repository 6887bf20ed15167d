#!/bin/sh
# Hostile packages: every trick is refused with exit 2 and a message naming
# the package and the problem, and nothing is written outside the workspace
# (the workspace itself is removed afterwards).
. "$TOP_SRCDIR/tests/lib.sh"

"$PY" "$TOP_SRCDIR/tests/e2e/make_unsafe.py" "$SANDBOX/in" "$SANDBOX" || exit 99

refused() { # archive regex what
  before=$(snapshot)
  run_mg scan "$SANDBOX/in/$1" --json "$SANDBOX/cwd/$1.json" -q
  expect_status 2 "$3" && expect_err "$1: .*$2" "$3" || return
  after=$(snapshot)
  # The only new file may be the JSON report we asked for.
  extra=$(printf '%s\n' "$after" | grep -vxF -f /dev/stdin <<EOF2 | grep -v "^./cwd/$1.json\$"
$before
EOF2
)
  if [ -n "$extra" ]; then
    fail "$3: files appeared outside the workspace: $extra"
    return
  fi
  verdict=$(json_get "$SANDBOX/cwd/$1.json" 'd["verdict"]')
  [ "$verdict" = error ] || fail "$3: JSON verdict $verdict, expected error"
  pass "$3"
}

refused zipslip.tar "'\\.\\.' component escapes the package" "tar with ../ (zip-slip)"
refused zipslip.zip "'\\.\\.' component escapes the package" "zip with ../ (zip-slip)"
refused absolute.tar "absolute path" "absolute path"
refused symlink.tar "symbolic link" "symlink escape"
refused hardlink.tar "hard link" "hard link"
refused device.tar "device node" "device node"
refused fifo.tar "FIFO" "FIFO"
refused duplicate.tar "duplicate name" "duplicate entry"
refused collision.tar "collides with" "names colliding by case"
refused dotcollision.tar "duplicate name" "names colliding after normalisation"
refused nfd.tar "'pkg/cafe?.*\\.bin': (duplicate name|collides with)" "NFC and NFD spellings of one name"
refused kelvin.tar "collides with 'pkg/key.bin' after normalisation" "KELVIN SIGN beside k"
# (libarchive itself composes a zip's UTF-8 names, so the second is a duplicate)
refused nfd.zip "'cafe?.*\\.bin': (duplicate name|collides with)" "NFC and NFD names in a zip"
refused backslash.tar "backslash" "backslash separators"
refused control.tar "control character" "control characters in a name"
refused bomb.zip "compression ratio limit exceeded" "zip bomb"
refused bomb.tar.bz2 "compression ratio limit exceeded" "bzip2 bomb"
refused truncated.tar.gz "(truncated|damaged|Truncated|unexpected end|Damaged)" "truncated gzip"
refused notarchive.bin "not a readable archive" "not an archive"
# Issue 14 items 6 and 10: damage is refused whatever the compression, and
# named with its offset, never with libarchive's internal state text.
refused badcrc-deflated.zip "entry 'weights.bin': .*ZIP bad CRC" "deflated member with a bad CRC"
refused badcrc-stored.zip "entry 'weights.bin': .*ZIP bad CRC" "stored member with a bad CRC"
refused badcrc-streamed.zip "entry 'weights.bin': .*ZIP bad CRC" "bad CRC in a data descriptor"
refused badheader.tar.gz "entry 2: damaged at byte [0-9]+ of the decompressed stream \\(last entry header at byte 1536\\): Damaged tar archive" \
  "damaged tar header inside gzip"
case $err in *"INTERNAL ERROR"*) fail "libarchive's internal error text shown: $err" ;; esac

# A limit lowered on the command line is enforced and named.
run_mg scan "$SANDBOX/in/many.tar" --limit entries=10 -q
expect_status 2 "entries limit" && expect_err "entries limit exceeded .*--limit entries=N" \
  "entries limit" && pass "entries limit"

# A bomb stops early: once past the grace window, as soon as the output
# exceeds ratio x the compressed bytes read, long before the 64 MiB payload.
run_mg scan "$SANDBOX/in/bomb.zip" --limit ratio-grace=1M -q
expect_status 2 "early stop" && expect_err "ratio limit exceeded \\(([0-9]+) bytes" "early stop"
produced=$(printf '%s\n' "$err" | sed -n 's/.*exceeded (\([0-9]*\) bytes out of \([0-9]*\) in.*/\1/p')
consumed=$(printf '%s\n' "$err" | sed -n 's/.*exceeded (\([0-9]*\) bytes out of \([0-9]*\) in.*/\2/p')
if [ -n "$produced" ] && [ "$produced" -le $((consumed * 201 + 1048576 + 1048576)) ] &&
  [ "$produced" -lt 33554432 ]; then
  pass "bomb stopped after $produced bytes out of $consumed"
else
  fail "bomb decompressed $produced bytes (from $consumed) before stopping"
fi

# Directory packages: links, FIFOs and hard links are refused the same way.
mkdir -p "$SANDBOX/in/dirpkg"
echo onnx >"$SANDBOX/in/dirpkg/model.onnx"
ln -s /etc "$SANDBOX/in/dirpkg/etc-link"
run_mg scan "$SANDBOX/in/dirpkg" -q
expect_status 2 "dir symlink" && expect_err "symbolic link to '/etc'" "dir symlink" && pass "directory with a symlink"
rm "$SANDBOX/in/dirpkg/etc-link"
mkfifo "$SANDBOX/in/dirpkg/pipe"
run_mg scan "$SANDBOX/in/dirpkg" -q
expect_status 2 "dir fifo" && expect_err "FIFO" "dir fifo" && pass "directory with a FIFO"
rm "$SANDBOX/in/dirpkg/pipe"
ln "$SANDBOX/in/dirpkg/model.onnx" "$SANDBOX/in/dirpkg/alias.onnx"
run_mg scan "$SANDBOX/in/dirpkg" -q
expect_status 2 "dir hardlink" && expect_err "hard link" "dir hardlink" && pass "directory with a hard link"
rm "$SANDBOX/in/dirpkg/alias.onnx"
# A directory is read without libarchive (which composes names itself):
# the fold key alone must catch NFD beside NFC and fullwidth beside ASCII.
mkdir -p "$SANDBOX/in/unipkg"
echo onnx >"$SANDBOX/in/unipkg/model.onnx"
"$PY" -c 'import sys; open(sys.argv[1] + "/caf\u00e9.bin", "w").write("a"); open(sys.argv[1] + "/cafe\u0301.bin", "w").write("b")' "$SANDBOX/in/unipkg"
run_mg scan "$SANDBOX/in/unipkg" --skip all -q
expect_status 2 "dir NFD" && expect_err "collides with 'caf.*after normalisation" "dir NFD" &&
  pass "directory with NFC and NFD names"
"$PY" -c 'import sys, os; os.remove(sys.argv[1] + "/cafe\u0301.bin"); open(sys.argv[1] + "/\uff4dodel.onnx", "w").write("b")' "$SANDBOX/in/unipkg"
run_mg scan "$SANDBOX/in/unipkg" --skip all -q
expect_status 2 "dir fullwidth" && expect_err "collides with .*after normalisation" "dir fullwidth" &&
  pass "directory with a fullwidth name beside its ASCII twin"
use_test_policy
run_mg scan "$SANDBOX/in/dirpkg" --skip all -q
expect_status 0 "clean dir" && pass "clean directory passes"

# Every workspace was removed.
left=$(ls -A "$TMPDIR")
[ -z "$left" ] && pass "no workspace left behind" || fail "workspaces left in TMPDIR: $left"
finish
