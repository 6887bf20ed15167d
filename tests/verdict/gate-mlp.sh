#!/bin/sh
# BadNets on fully connected models (issue 12): with the feature-space
# detectors the shipped gate fails on the 1.25% patch of the
# three-hidden-layer MLP and on the 2% patch of the two-layer one, only on
# the target class, the failing rows mostly poisoned rows; the clean MLP
# passes. Behaviour, not numbers: which detector carries it and its
# p-values are in bench/detect.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy
FX="$SANDBOX/fx"
# Under the sanitizers the deeper MLP only (tests/lib.sh, sanitizer_subset).
POISONED=$(sanitizer_subset "badnets-mlp3-p1 badnets-mlp-p2" "badnets-mlp3-p1")
set --
for fx in $POISONED clean-mlp; do set -- "$@" --fixture "$fx"; done
"$PY" "$TOP_SRCDIR/tests/fixtures/assemble.py" "$FX" -q "$@"
rc=$?
[ $rc -eq 77 ] && { echo "skip: Fashion-MNIST not installed"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: assemble.py exited $rc" >&2; exit 1; }
ONLY=spectral-signatures,activation-clustering,spectre,scan

for fx in $POISONED; do
  run_mg scan "$FX/$fx" --only $ONLY --json "$SANDBOX/$fx.json" -q
  if [ "$status" -ne 1 ]; then
    fail "$fx: gate exit $status, expected 1 (fail): $err"
    continue
  fi
  # Loose floors: the deeper MLP spreads its poisoned rows along the
  # separating direction, and the rows that overlap clean ones are not
  # flagged (about half of them).
  detector_py - "$SANDBOX/$fx.json" "$FX/$fx.truth.json" <<'PYEOF' && pass "$fx: gate fails on the target class with poisoned rows" || fail "$fx: gate failed for the wrong reason"
import json, sys
d, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
failing = [f for f in d["findings"] if f["severity"] in ("high", "critical")]
labels = {f["label"] for f in failing}
rows = set()
for f in failing:
    rows |= set(f.get("samples", {}).get("indices", []))
poisoned = set(t["poisoned_rows"])
precision = len(rows & poisoned) / len(rows) if rows else 0.0
recall = len(rows & poisoned) / len(poisoned)
print("failing: %s; rows %d, precision %.2f, recall %.2f"
      % ([(f["plugin"], f["label"], f["severity"]) for f in failing], len(rows), precision, recall))
sys.exit(0 if labels == {t["target_class"]} and precision >= 0.8 and recall >= 0.4 else 1)
PYEOF
done

run_mg scan "$FX/clean-mlp" --only $ONLY --json "$SANDBOX/clean-mlp.json" -q
if [ "$status" -eq 0 ]; then
  pass "clean-mlp: clean model passes the gate"
else
  fail "clean-mlp: gate exit $status on a clean model: $(json_get "$SANDBOX/clean-mlp.json" \
    '[(f["plugin"], f["label"], f["severity"]) for f in d["findings"] if f["severity"] != "info"]')"
fi
finish
