# Shared set-up for the tests of the CI integrations (sourced): small
# packages, a rules copy whose policy requires nothing, and helpers to run
# integrations/modelgate-ci and read the step outputs it writes.
. "$TOP_SRCDIR/tests/lib.sh"

CI_SCRIPT="$TOP_SRCDIR/integrations/modelgate-ci"

# The packages, in $SANDBOX/in:
#   bad/         the demo model and weights.pkl, a pickle that calls
#                posix.system when loaded: the gate fails (exit 1)
#   clean/       the demo model alone: passes under $TEST_RULES
#   weights.pkl  the pickle as a lone file
#   broken.tar.gz  a gzip stream cut short: exit 2
make_packages() {
  mkdir -p "$SANDBOX/in/bad" "$SANDBOX/in/clean"
  cp "$TOP_SRCDIR/examples/models/demo.onnx" "$SANDBOX/in/bad/model.onnx"
  cp "$TOP_SRCDIR/examples/models/demo.onnx" "$SANDBOX/in/clean/model.onnx"
  printf "cposix\nsystem\n(S'echo pwned'\ntR." >"$SANDBOX/in/bad/weights.pkl"
  cp "$SANDBOX/in/bad/weights.pkl" "$SANDBOX/in/weights.pkl"
  printf '\037\213\010\000truncated' >"$SANDBOX/in/broken.tar.gz"
}

# A policy that requires no control, passed with --rules: a model-only
# package passes whatever the shipped policy asks of one, and the option
# shows that scan options reach modelgate.
use_test_policy
# shellcheck disable=SC2034 # used by the tests that source this file
TEST_RULES=$MODELGATE_RULES_DIR
MODELGATE_RULES_DIR="$TOP_SRCDIR/rules"

# run_ci ARGS...: runs modelgate-ci with the NAME=VALUE words of $CI_ENV in
# its environment, leaving $status, $out and $err.
CI_ENV=""
run_ci() {
  # shellcheck disable=SC2086 # NAME=VALUE words
  env $CI_ENV sh "$CI_SCRIPT" "$@" >"$SANDBOX/stdout" 2>"$SANDBOX/stderr"
  # shellcheck disable=SC2034 # read by the tests and tests/lib.sh's expect_*
  {
    status=$?
    out=$(cat "$SANDBOX/stdout")
    err=$(cat "$SANDBOX/stderr")
  }
  # A NAME=VALUE before a function call may outlive it (dash): not here.
  CI_ENV=""
}

# output FILE KEY: the last value of KEY in a GITHUB_OUTPUT-format file.
output() {
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

# expect_output FILE KEY VALUE DESCRIPTION
expect_output() {
  got=$(output "$1" "$2")
  [ "$got" = "$3" ] || { fail "$4: output $2 is '$got', expected '$3'"; return 1; }
  return 0
}

# gate_controls JSON: the ids of the controls that fail the gate, as
# modelgate-ci's failed-controls output lists them.
gate_controls() {
  json_get "$1" "','.join(c['id'] for c in d['controls'] if c['fails_gate'])"
}
