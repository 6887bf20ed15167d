#!/bin/sh
# Issue 14 item 9: one crafted name must not switch a detector off. A
# nested zip holding a 1,000-byte file name and a path 500 directories deep
# used to make package-anomaly send an oversize finding, which the host
# refused ("sent a malformed finding"), ending the scan with exit 2 and no
# message. Now the child shortens oversize fields before sending.
. "$TOP_SRCDIR/tests/lib.sh"

pkg="$SANDBOX/in/pkg"
mkdir -p "$pkg"
"$PY" - "$pkg/bundle.zip" <<'PYEOF' || exit 99
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    # Scripts, so that package-anomaly names them in a finding's title.
    z.writestr("/".join(["n" * 249] * 4) + ".sh", b"#!/bin/sh\necho long name\n")
    z.writestr("/".join(["d"] * 500) + "/deep.sh", b"#!/bin/sh\necho deep path\n")
    z.writestr("x" * 1000 + ".bin", b"one component too long")
PYEOF
use_test_policy
run_mg scan "$pkg" --only package-anomaly --json "$SANDBOX/cwd/r.json" -q
[ "$status" -ne 2 ] || [ -n "$err" ] || fail "exit 2 without a message"
st=$(json_get r.json "[p['status'] + ': ' + (p['message'] or '') for p in d['plugins'] if p['name']=='package-anomaly'][0]")
[ "$st" = "ok: " ] && pass "package-anomaly still runs on crafted names" ||
  fail "package-anomaly switched off: $st"
n=$(json_get r.json "len([f for f in d['findings'] if f['rule'].endswith('package.script')])")
[ "$n" -ge 2 ] && pass "both crafted scripts are reported" || fail "$n script findings, want 2 or more"
n=$(json_get r.json "len([f for f in d['findings'] if f['rule'].endswith('package.unsafe-member-name')])")
[ "$n" -ge 1 ] && pass "the over-long component is reported" || fail "no unsafe-name finding"
long=$(json_get r.json "max(len(f['title'].encode()) for f in d['findings'])")
[ "$long" -le 1000 ] && pass "titles kept within 1000 bytes ($long)" || fail "title of $long bytes"
json_get r.json "any(f['title'].endswith('...') for f in d['findings'])" | grep -q True &&
  pass "a shortened field says so" || fail "no field marked as shortened"
finish
