# Shared body of the input-level detector tests (strip, scale-up, ibd-psc),
# sourced after tests/lib.sh with PLUG (the plugin), EVKEY (its evidence
# key) and RULE (its rules' stem: PLUG.RULE-rows, PLUG.RULE-inputs). The
# three plugins make the same promises on the same kind of fixtures, so the
# steps are here and each test names its fixtures, options and floors.
: "${PLUG:?}" "${EVKEY:?}" "${RULE:?}"

FX="$SANDBOX/fx"
IL_PY="$TOP_SRCDIR/tests/plugins/common/input_level.py"

# assemble FIXTURE...: the fixtures in $FX (the test is skipped without
# Fashion-MNIST).
assemble() {
  # shellcheck disable=SC2046
  assemble_fixtures "$FX" -q $(for f in "$@"; do printf ' --fixture %s' "$f"; done)
}

# verdicts "OPTIONS" PRECISION RECALL SEVERITY FIXTURE...: each fixture
# scanned by the plugin alone, its findings held against the truth
# (input_level.py findings: the target class with its poisoned rows and no
# other class, or a quiet clean model; the held-out FRR; the training set
# scanned).
verdicts() {
  opts=$1 prec=$2 rec=$3 sev=$4
  shift 4
  for fx in "$@"; do
    # shellcheck disable=SC2086
    run_mg scan "$FX/$fx" --only "$PLUG" $opts --json "$SANDBOX/$fx.json" -q
    if [ "$status" -gt 1 ]; then
      fail "$fx: scan exited $status: $err"
      continue
    fi
    if detector_py "$IL_PY" findings "$SANDBOX/$fx.json" "$FX/$fx.truth.json" "$PLUG" "$EVKEY" \
      "$PLUG.$RULE-rows" "$prec" "$rec" "$sev"; then
      pass "$fx: $PLUG verdict as expected"
    else
      fail "$fx: $PLUG findings wrong"
    fi
  done
}

# triggered_inputs "OPTIONS" FIXTURE N MIN_TRIGGERED MAX_CLEAN: --inputs
# of N reference images of the non-target classes with the fixture's
# trigger stamped on, then N clean ones (triggered_inputs.py): every row is
# scanned, the class test's findings list at least MIN_TRIGGERED triggered
# rows and at most MAX_CLEAN clean ones.
triggered_inputs() {
  "$PY" "$TOP_SRCDIR/tests/plugins/common/triggered_inputs.py" "$TOP_SRCDIR/tests/fixtures" \
    "$FX/$2" "$2" "$3" "$SANDBOX/inputs.npy"
  # shellcheck disable=SC2086
  run_mg scan "$FX/$2" --only "$PLUG" $1 --inputs "$SANDBOX/inputs.npy" \
    --json "$SANDBOX/inputs.json" -q
  if [ "$status" -le 1 ] && detector_py "$IL_PY" inputs "$SANDBOX/inputs.json" "$PLUG" "$EVKEY" \
    "$PLUG.$RULE-inputs" "$3" "$4" "$5"; then
    pass "--inputs: triggered rows flagged, clean rows not"
  else
    fail "--inputs: wrong rows flagged (status $status): $err"
  fi
}

# same_seed "OPTIONS" FIXTURE: two scans with --seed 7 give the same
# evidence and the same rows.
same_seed() {
  for i in 1 2; do
    # shellcheck disable=SC2086
    run_mg scan "$FX/$2" --only "$PLUG" $1 --seed 7 --json "$SANDBOX/seed$i.json" -q
  done
  if detector_py -c 'import sys; from verdict import same_run; sys.exit(0 if same_run(*sys.argv[1:]) else 1)' \
    "$SANDBOX/seed1.json" "$SANDBOX/seed2.json" "$PLUG"; then
    pass "same seed, same evidence"
  else
    fail "two runs with --seed 7 differ"
  fi
}
