#!/bin/sh
# mm-bd end to end on the assembled fixtures: on a BadNets model the class
# with the largest maximum margin is the attack's target, which is flagged
# with the image that reached it; clean models of three architectures raise
# no finding at all; the plugin needs only the model (data-free); the run
# is deterministic given --seed; a bad option is refused.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy

FX="$SANDBOX/fx"
assemble_fixtures "$FX" -q --fixture badnets-p10 \
  --fixture clean-cnn --fixture clean-bncnn --fixture clean-mlp

# check JSON TRUTH: mm-bd's verdict against the truth file.
check() {
  detector_py - "$1" "$2" <<'EOF2'
import sys
from verdict import Verdict
v = Verdict(sys.argv[1], sys.argv[2], "mm-bd")
v.ran_ok()
ev = v.evidence["mm_bd"]
classes = ev["classes"]
if len(classes) != ev["num_classes"] or any(c["margin"] is None for c in classes):
    v.fail("evidence does not give a margin for every class")
if any(c["p_value"] is None or not 0 < c["p_value"] <= 1 for c in classes):
    v.fail("evidence does not give a p-value in (0, 1] for every class")
print("%s: largest margin class %d, flagged %s" % (v.truth["fixture"], ev["top"],
      [(f["label"], f["reported_severity"]) for f in v.ours]))
if v.truth["poisoned"]:
    target = v.truth["target_class"]
    if ev["top"] != target:
        v.fail("largest margin is class %d, the target is %d" % (ev["top"], target))
    if not v.findings("mm-bd.large-margin", target):
        v.fail("no large-margin finding for target class %d" % target)
    names = {i["name"] for i in v.status["images"]}
    if "class-%d-max-margin" % target not in names:
        v.fail("no max-margin image for the flagged class: %s" % sorted(names))
    v.only_target_implicated(target)
elif v.ours:
    v.fail("clean model, classes flagged: %s" % [(f["label"], f["reported_severity"]) for f in v.ours])
v.done()
EOF2
}

# Under the sanitizers the CNN with a trigger and the MLP
# (sanitizer_subset in tests/lib.sh).
for fx in $(sanitizer_subset "badnets-p10 clean-cnn clean-bncnn clean-mlp" "badnets-p10 clean-mlp"); do
  run_mg scan "$FX/$fx" --only mm-bd --json "$SANDBOX/$fx.json" -q
  if [ "$status" -gt 1 ]; then
    fail "$fx: scan exited $status: $err"
    continue
  fi
  if check "$SANDBOX/$fx.json" "$FX/$fx.truth.json"; then
    pass "$fx: mm-bd verdict as expected"
  else
    fail "$fx: mm-bd verdict"
  fi
done

# Data-free: the model alone is enough (no training or reference set).
mkdir -p "$SANDBOX/model-only"
cp "$FX/badnets-p10/model.onnx" "$SANDBOX/model-only/"
run_mg scan "$SANDBOX/model-only" --only mm-bd --json "$SANDBOX/model-only.json" -q
st=$(json_get "$SANDBOX/model-only.json" '[p["status"] for p in d["plugins"] if p["name"] == "mm-bd"][0]')
top=$(json_get "$SANDBOX/model-only.json" '[p["evidence"]["mm_bd"]["top"] for p in d["plugins"] if p["name"] == "mm-bd"][0]')
if [ "$st" = ok ] && [ "$top" = 7 ]; then
  pass "runs on the model alone"
else
  fail "model only: status $st, largest margin class $top: $err"
fi

# Deterministic given --seed.
run_mg scan "$FX/clean-mlp" --only mm-bd --seed 7 --json "$SANDBOX/a.json" -q
run_mg scan "$FX/clean-mlp" --only mm-bd --seed 7 --json "$SANDBOX/b.json" -q
if detector_py -c 'import sys; from verdict import same_run; sys.exit(0 if same_run(sys.argv[1], sys.argv[2], "mm-bd") else 1)' \
  "$SANDBOX/a.json" "$SANDBOX/b.json"; then
  pass "deterministic given --seed"
else
  fail "two runs with --seed 7 differ"
fi

# A bad option is a usage error before the scan (the option table).
run_mg scan "$FX/clean-mlp" --only mm-bd --set mm-bd.starts=0 --json "$SANDBOX/bad.json"
if [ "$status" -eq 2 ] && [ ! -e "$SANDBOX/bad.json" ] && printf '%s\n' "$err" | grep -q "starts=0"; then
  pass "bad option refused"
else
  fail "bad option: exit $status, stderr: $err"
fi

finish
