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
MODELS="$(sanitizer_subset "badnets-mlp3-p1 badnets-mlp-p2" "badnets-mlp3-p1") clean-mlp"
set --
for fx in $MODELS; do set -- "$@" --fixture "$fx"; done
assemble_fixtures "$FX" -q "$@"

for fx in $MODELS; do
  run_mg scan "$FX/$fx" --only spectral-signatures,activation-clustering,spectre,scan \
    --json "$SANDBOX/$fx.json" -q
  # A clean model passes (exit 0). A poisoned one fails (exit 1) on its
  # target class alone, with loose row floors: the deeper MLP spreads its
  # poisoned rows along the separating direction and those that overlap
  # clean rows are not flagged (about half of them).
  if detector_py - "$status" "$SANDBOX/$fx.json" "$FX/$fx.truth.json" <<'PYEOF'; then
import json, sys
status, d, t = int(sys.argv[1]), json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
failing = [f for f in d["findings"] if f["severity"] in ("high", "critical")]
print("exit %d, failing: %s" % (status, [(f["plugin"], f["label"], f["severity"]) for f in failing]))
if not t["poisoned"]:
    sys.exit(0 if status == 0 and not failing else 1)
rows = set()
for f in failing:
    rows |= set(f.get("samples", {}).get("indices", []))
poisoned = set(t["poisoned_rows"])
precision = len(rows & poisoned) / len(rows) if rows else 0.0
recall = len(rows & poisoned) / len(poisoned)
print("rows %d, precision %.2f, recall %.2f" % (len(rows), precision, recall))
labels = {f["label"] for f in failing}
sys.exit(0 if status == 1 and labels == {t["target_class"]} and precision >= 0.8 and recall >= 0.4 else 1)
PYEOF
    pass "$fx: the gate's verdict is right (poisoned: fails on the target with its rows)"
  else
    fail "$fx: wrong gate verdict (exit $status): $err"
  fi
done
finish
