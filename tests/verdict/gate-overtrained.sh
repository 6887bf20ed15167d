#!/bin/sh
# Over-trained clean models (session 9): an MLP trained 60 epochs at Adam
# lr 0.005 memorises a few atypical training rows into a region of their
# own, which the clean reference rows of the class (never fitted) do not
# visit; scan's reference null took them for a planted group. With scan's
# memorisation check (the class's training rows beyond its reference range
# are no outlier among the other classes') and the binomial reference-
# presence veto of activation clustering's cross-class test, the detectors
# that read the model's features pass the over-trained clean models, and
# still fail BadNets on the deep MLP on its target class through scan.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy
FX="$SANDBOX/fx"
# Under the sanitizers the two-layer over-trained MLP and the poisoned one
# (tests/lib.sh, sanitizer_subset).
MODELS="$(sanitizer_subset "clean-mlp-long clean-mlp3-long" "clean-mlp-long") badnets-mlp3-p1"
set --
for fx in $MODELS; do set -- "$@" --fixture "$fx"; done
assemble_fixtures "$FX" -q "$@"

for fx in $MODELS; do
  run_mg scan "$FX/$fx" --only spectral-signatures,activation-clustering,spectre,scan,mm-bd \
    --json "$SANDBOX/$fx.json" -q
  if detector_py - "$status" "$SANDBOX/$fx.json" "$FX/$fx.truth.json" "$fx" <<'PYEOF'; then
import json, sys
status, d, t, name = int(sys.argv[1]), json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), sys.argv[4]
failing = [f for f in d["findings"] if f["severity"] in ("high", "critical")]
print("exit %d, failing: %s" % (status, [(f["plugin"], f["label"], f["severity"]) for f in failing]))
if t["poisoned"]:
    scan = [f for f in failing if f["plugin"] == "scan" and f["label"] == t["target_class"]]
    sys.exit(0 if status == 1 and scan else 1)
if status != 0 or failing:
    sys.exit(1)
if name == "clean-mlp-long":
    # The case the check exists for: a class whose split stands far above
    # its reference null (z > 5, a high finding before session 9) and is
    # withheld because its rows beyond the reference range are no more
    # than the other classes' (the model's fit, not a planted group).
    ev = [p for p in d["plugins"] if p["name"] == "scan"][0]["evidence"]
    cls = [c for c in ev["classes"] if c.get("analysed")]
    held = [c["label"] for c in cls if (c["z"] or 0) > 5 and c["memorisation"]["explained"]]
    print("scan classes withheld by the memorisation check with z > 5: %s" % held)
    sys.exit(0 if held else 1)
sys.exit(0)
PYEOF
    pass "$fx: the verdict of the feature-space detectors and MM-BD is right"
  else
    fail "$fx: wrong verdict (exit $status): $err"
  fi
done
finish
