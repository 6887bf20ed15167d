# Shared set-up for the report tests (sourced after tests/lib.sh): the test
# plugin set in one directory, packages, scans writing every report, and
# XPath helpers. Expected counts are read from the canonical XML results of
# the same scan, never hard-coded, so the tests follow the rules files.
. "$TOP_SRCDIR/tests/lib.sh"

XMLLINT=${XMLLINT:-$(command -v xmllint || true)}
if [ -z "$XMLLINT" ] || [ ! -x "$XMLLINT" ]; then
  echo "xmllint not found"
  exit 77
fi
# The schemas are vendored so a fresh machine has them; the copies must not
# drift from the shared ones where those exist.
JUNIT_XSD="$TOP_SRCDIR/tests/report/junit-10.xsd"
SARIF_SCHEMA="$TOP_SRCDIR/tests/report/sarif-schema-2.1.0.json"
RESULTS_SCHEMA="$TOP_SRCDIR/docs/results.schema.json"

# Every test plugin the reports need, in one --plugins directory.
PLUGINS="$SANDBOX/plugins"
mkdir -p "$PLUGINS"
for so in "$TOP_BUILDDIR/tests/host/.libs/mgtest-good.so" \
  "$TOP_BUILDDIR/tests/host/.libs/mgtest-crash.so" \
  "$TOP_BUILDDIR/tests/host/.libs/mgtest-future.so" \
  "$TOP_BUILDDIR/tests/host/.libs/mgtest-hang.so" \
  "$TOP_BUILDDIR/tests/host/.libs/mgtest-model.so" \
  "$TOP_BUILDDIR/tests/report/.libs/mgtest-rich.so" \
  "$TOP_BUILDDIR/tests/report/.libs/mgtest-rich-b.so"; do
  [ -f "$so" ] || { echo "test plugin $so not built (make check builds it)"; exit 99; }
  cp "$so" "$PLUGINS/"
done

# write_npy FILE DTYPE DIM... : a .npy array of that shape, values i % 256.
write_npy() {
  "$PY" - "$@" <<'PYEOF'
import struct, sys
path, dtype, dims = sys.argv[1], sys.argv[2], [int(d) for d in sys.argv[3:]]
n = 1
for d in dims:
    n *= d
shape = "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (dtype, shape)
header += " " * (63 - (10 + len(header)) % 64) + "\n"
size = {"|u1": 1, "<i8": 8}[dtype]
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    if size == 1:
        f.write(bytes(i % 256 for i in range(n)))
    else:
        f.write(b"".join(struct.pack("<q", i % 10) for i in range(n)))
PYEOF
}

# make_pkg DIR: a package with a training set (so findings can name rows),
# a file whose name needs escaping, an unknown descriptor key and two
# attestations.
make_pkg() {
  mkdir -p "$1/data"
  write_npy "$1/data/train-images.npy" '|u1' 120 1 28 28
  write_npy "$1/data/train-labels.npy" '<i8' 120
  head -c 1000 /dev/zero >"$1/weights <&>.bin"
  cat >"$1/modelgate.json" <<'JSON'
{"name": "reports <demo>", "extra": 1,
 "train": {"inputs": "data/train-images.npy", "labels": "data/train-labels.npy"},
 "attestations": {
   "CTL-08": {"by": "J. Doe, ML platform", "date": "2026-10-02",
              "statement": "Trained with Opacus DP-SGD, epsilon 8, delta 1e-5."},
   "CTL-15": {"by": "A. Reviewer", "date": "2026-10-03",
              "statement": "Supplier datasheet <v2> reviewed & filed."}}}
JSON
}

# scan_all NAME ARGS... : modelgate scan ARGS writing NAME.json, NAME.xml,
# NAME.junit.xml, NAME.html and NAME.sarif; leaves $status like run_mg.
scan_all() {
  n=$1
  shift
  run_mg scan "$@" --json "$n.json" --xml "$n.xml" --junit "$n.junit.xml" --html "$n.html" \
    --sarif "$n.sarif" -q
}

# The scans most tests look at. mixed: every plugin outcome (ok, crash,
# refused newer major ABI, timeout, skipped for unmet needs) and findings
# using every field; registry: one file altered, one unknown; pass: a
# clean gate; error: a descriptor that does not parse.
# The wall-clock limit of the scans with mgtest-hang: it must stop the hang,
# and leave the other plugins time enough on a loaded (or sanitizer) build.
HANG_TIMEOUT=8
standard_scans() {
  make_pkg "$SANDBOX/in/pkg"
  scan_all mixed "$SANDBOX/in/pkg" --plugins "$PLUGINS" --timeout $HANG_TIMEOUT
  mixed_status=$status
  run_mg registry add "$SANDBOX/in/approved.json" --package "$SANDBOX/in/pkg" --origin tests
  [ "$status" -eq 0 ] || fail "registry add: $err"
  cp -r "$SANDBOX/in/pkg" "$SANDBOX/in/tampered"
  printf 'x' >>"$SANDBOX/in/tampered/weights <&>.bin"
  echo unknown >"$SANDBOX/in/tampered/README.txt"
  scan_all registry "$SANDBOX/in/tampered" --registry "$SANDBOX/in/approved.json" \
    --plugins "$PLUGINS" --only mgtest-good
  registry_status=$status
  mkdir -p "$SANDBOX/in/broken"
  printf '{"name": ' >"$SANDBOX/in/broken/modelgate.json"
  scan_all error "$SANDBOX/in/broken" --plugins "$PLUGINS" --only mgtest-good
  error_status=$status
}

# A policy that requires no control, for a scan that can pass with the
# test plugins alone (tests/lib.sh).
pass_scan() {
  use_test_policy
  scan_all pass "$SANDBOX/in/pkg" --plugins "$PLUGINS" --only mgtest-good
  pass_status=$status
  export MODELGATE_RULES_DIR="$TOP_SRCDIR/rules"
}

# A required control whose only evidence plugin crashes: its status is
# error and the scan is incomplete (verdict error), not a failed gate.
incomplete_scan() {
  cp -r "$TOP_SRCDIR/rules" "$SANDBOX/rules-incomplete"
  sed -i 's|<plugin name="neural-cleanse"/>|<plugin name="mgtest-crash"/>|' \
    "$SANDBOX/rules-incomplete/checklist.xml"
  sed -i 's|<require control="[^"]*"[^>]*/>||; s|<fail-on [^>]*/>|&\n  <require control="CTL-10"/>|' \
    "$SANDBOX/rules-incomplete/policy.xml"
  MODELGATE_RULES_DIR="$SANDBOX/rules-incomplete" scan_all incomplete "$SANDBOX/in/pkg" \
    --plugins "$PLUGINS" --only mgtest-crash,mgtest-good
  incomplete_status=$status
}

# xp FILE EXPR: XPath 1.0 value (a number or string) on an XML file.
xp() {
  "$XMLLINT" --xpath "$2" "$1" 2>/dev/null
}

# hp FILE EXPR: the same on an HTML file (libxml2's HTML parser).
hp() {
  "$XMLLINT" --html --xpath "$2" "$1" 2>/dev/null
}

expect_eq() { # actual expected what
  if [ "$1" = "$2" ]; then
    pass "$3"
  else
    fail "$3: got '$1', expected '$2'"
  fi
}

# tally_checks OUTPUT: the "ok: ..." lines of a Python checker go to stdout,
# every other line is a failure (on stderr, counted).
tally_checks() {
  printf '%s\n' "$1" | grep '^ok:'
  printf '%s\n' "$1" | grep -v '^ok:' | while IFS= read -r line; do echo "$line" >&2; done
  n=$(printf '%s\n' "$1" | grep -vc '^ok:')
  [ "$n" -eq 0 ] || failures=$((failures + n))
}
