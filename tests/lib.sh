# Shared helpers for the end-to-end tests (sourced). Each test runs the real
# binary in a private sandbox: TMPDIR (where workspaces go) and the current
# directory are inside it, so "nothing written outside the workspace" can be
# checked by listing the sandbox before and after.
set -u
: "${MODELGATE:?run through make check}"
: "${TOP_SRCDIR:?run through make check}"
PY=${DEBIAN_PYTHON3:-/usr/bin/python3}

failures=0
SANDBOX=$(mktemp -d "${TMPDIR:-/tmp}/mg-test.XXXXXX")
trap 'rm -rf "$SANDBOX"' EXIT
mkdir -p "$SANDBOX/tmp" "$SANDBOX/cwd" "$SANDBOX/in"
export TMPDIR="$SANDBOX/tmp"
cd "$SANDBOX/cwd" || exit 99

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

pass() {
  echo "ok: $*"
}

# run_mg ARGS...: runs modelgate, leaving $status, $out and $err.
run_mg() {
  "$MODELGATE" "$@" >"$SANDBOX/stdout" 2>"$SANDBOX/stderr"
  status=$?
  out=$(cat "$SANDBOX/stdout")
  err=$(cat "$SANDBOX/stderr")
}

expect_status() { # expected description
  if [ "$status" -ne "$1" ]; then
    fail "$2: exit $status, expected $1; stderr: $err"
    return 1
  fi
  return 0
}

expect_err() { # regex description
  if ! printf '%s\n' "$err" | grep -Eq -- "$1"; then
    fail "$2: stderr does not match /$1/: $err"
    return 1
  fi
  return 0
}

expect_out() { # regex description
  if ! printf '%s\n' "$out" | grep -Eq -- "$1"; then
    fail "$2: stdout does not match /$1/: $out"
    return 1
  fi
  return 0
}

# A listing of everything in the sandbox except the inputs, to compare.
snapshot() {
  (cd "$SANDBOX" && find . -path ./in -prune -o -path ./stdout -prune -o -path ./stderr -prune \
    -o -print | LC_ALL=C sort)
}

# json_get FILE EXPR: evaluates a python expression on the parsed JSON `d`.
json_get() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# Debian's Python with tests/plugins/common/verdict.py importable: the checks the
# detector tests share.
detector_py() {
  PYTHONPATH="$TOP_SRCDIR/tests/plugins/common" "$PY" "$@"
}

# Tests about the package or the host, not the checklist: a copy of the
# shipped rules whose policy requires no control, so running without the
# real detector plugins does not fail the gate by itself.
use_test_policy() {
  cp -r "$TOP_SRCDIR/rules" "$SANDBOX/rules"
  sed -i '/<require /d' "$SANDBOX/rules/policy.xml"
  export MODELGATE_RULES_DIR="$SANDBOX/rules"
}

# under_sanitizers: true in the ASan+UBSan build (configure
# --enable-sanitizers), where the runtime's kernels run several times slower.
under_sanitizers() {
  [ "${MG_SANITIZERS:-no}" = yes ]
}

# full_fixtures: true unless a heavy detector test should scan its reduced
# set: the plain build checks detection on every fixture; under the
# sanitizers the point is memory and UB safety of the same code paths, which
# one poisoned and one clean fixture (and one of each architecture whose
# runtime ops differ) still reach, so the sanitizer run stays well inside
# CI's time. MG_FULL_FIXTURES=yes scans them all everywhere.
full_fixtures() {
  ! under_sanitizers || [ "${MG_FULL_FIXTURES:-no}" = yes ]
}

# assemble_fixtures ARG...: tests/fixtures/assemble.py ARG... (the
# fixture packages a detector test scans); the test is skipped (77) when
# Fashion-MNIST is not installed and fails when assembly fails.
assemble_fixtures() {
  "$PY" "$TOP_SRCDIR/tests/fixtures/assemble.py" "$@"
  assemble_rc=$?
  [ $assemble_rc -eq 77 ] && { echo "skip: Fashion-MNIST not installed"; exit 77; }
  [ $assemble_rc -eq 0 ] || { echo "FAIL: assemble.py exited $assemble_rc" >&2; exit 1; }
}

# sanitizer_subset "FULL" "REDUCED": the fixture list of a heavy test.
sanitizer_subset() {
  if full_fixtures; then
    echo "$1"
  else
    echo "$2"
  fi
}

# option_refused PACKAGE PLUGIN KEY=VALUE MESSAGE: a malformed or
# out-of-range plugin option is a usage error before the scan (the plugin's
# option table): exit 2, no results written, and the message says
# "--set PLUGIN.KEY=VALUE: MESSAGE".
option_refused() {
  rm -f "$SANDBOX/refused.json"
  run_mg scan "$1" --only "$2" --set "$2.$3" --json "$SANDBOX/refused.json" -q
  if [ "$status" -eq 2 ] && [ ! -e "$SANDBOX/refused.json" ] &&
    printf '%s\n' "$err" | grep -q -- "--set $2.$3: $4"; then
    pass "bad option refused: $err"
  else
    fail "bad option $2.$3: exit $status, stderr $err"
  fi
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
  fi
  exit 0
}
