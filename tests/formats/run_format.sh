#!/bin/sh
# Generates the fixtures of one model format and scans each file on its own
# through the real binary (tests/formats/check_format.py says what is
# checked). usage, from a test: . run_format.sh; run_format GENERATOR
. "$TOP_SRCDIR/tests/lib.sh"

run_format() { # generator.py
  "$PY" "$TOP_SRCDIR/tests/formats/$1" "$SANDBOX/in" || exit 99
  use_test_policy
  mkdir -p "$SANDBOX/reports"
  "$PY" "$TOP_SRCDIR/tests/formats/check_format.py" "$MODELGATE" "$SANDBOX/in" \
    "$SANDBOX/rules" "$SANDBOX/reports" || failures=$((failures + 1))
  [ "$failures" -eq 0 ]
}
