# Shared by the text plugins' end-to-end tests (sourced after tests/lib.sh):
# fixtures from tests/fixtures/text/gen_text.py, scans through modelgate with
# one plugin selected, and check.py's verdict on the results JSON.
FX="$SANDBOX/fx"
scans=0
CHECK="$TOP_SRCDIR/tests/plugins/text-plugins/check.py"
use_test_policy

# gen FIXTURE...: writes the fixtures and their truth into $FX. The Debian
# packages they come from are installed by scripts/install-deps (and named
# in scripts/check-tools), so a missing one is a failure, not a skip.
gen() {
  args=""
  for f in "$@"; do args="$args --fixture $f"; done
  # shellcheck disable=SC2086
  if ! "$PY" "$TOP_SRCDIR/tests/fixtures/text/gen_text.py" "$FX" $args; then
    echo "FAIL: gen_text.py could not build $*" >&2
    exit 1
  fi
}

# fixture_file NAME: the fixture's data file (.jsonl or .csv).
fixture_file() {
  for ext in jsonl csv; do
    [ -f "$FX/$1.$ext" ] && { echo "$FX/$1.$ext"; return; }
  done
  echo "$FX/$1.missing"
}

# expect PLUGIN FIXTURE MODE [RULE] [--phrase] [-- modelgate options...]:
# scans the fixture with the plugin alone and checks the results: MODE
# poisoned (the gate fails: exit 1, a RULE finding at high or above with the
# truth's rows at precision and recall >= 0.9, the phrase in its title with
# --phrase) or clean (the gate passes: exit 0, nothing at high or above).
expect() {
  plugin=$1 fx=$2 mode=$3
  shift 3
  check_args=""
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    check_args="$check_args $1"
    shift
  done
  [ $# -gt 0 ] && shift
  scans=$((scans + 1))
  out_json="$SANDBOX/$fx.$plugin.$scans.json"
  run_mg scan "$(fixture_file "$fx")" --only "$plugin" --rules "$SANDBOX/rules" -q \
    --json "$out_json" "$@"
  want=0
  [ "$mode" = poisoned ] && want=1
  # shellcheck disable=SC2086
  if [ "$status" -eq "$want" ] &&
    "$PY" "$CHECK" "$out_json" "$FX/$fx.truth.json" "$plugin" "$mode" $check_args; then
    pass "$plugin on $fx: $mode"
  else
    fail "$plugin on $fx: $mode (exit $status, expected $want): $err"
  fi
  last_json=$out_json
}
