#!/bin/sh
# strip end to end on the assembled fixtures: a BadNets model's target class
# is implicated with its poisoned rows, triggered --inputs rows are rejected
# and clean ones are not, a clean model raises nothing above low, the run is
# deterministic, and a bad option is refused.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy

FX="$SANDBOX/fx"
"$PY" "$TOP_SRCDIR/tests/fixtures/assemble.py" "$FX" -q --fixture badnets-p10 --fixture clean-cnn
rc=$?
[ $rc -eq 77 ] && { echo "skip: Fashion-MNIST not installed"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: assemble.py exited $rc" >&2; exit 1; }

# Fewer overlays and a smaller screening sample keep the test quick (also
# under ASan); the method is the same as with the defaults.
SMALL="--set strip.n=16 --set strip.sample=100"

# check_findings JSON TRUTH: strip's findings against the truth file.
check_findings() {
  detector_py - "$1" "$2" <<'EOF'
import sys
from verdict import Verdict, at_least
v = Verdict(sys.argv[1], sys.argv[2], "strip")
v.ran_ok()
if v.truth["poisoned"]:
    target = v.truth["target_class"]
    hits = v.findings("strip.low-entropy-rows", target)
    if not hits:
        v.fail("no low-entropy-rows finding for target class %d: %s"
               % (target, [(f["label"], f["severity"]) for f in v.ours]))
    else:
        if not at_least(hits[0], "medium"):
            v.fail("target class reported at %s only" % hits[0]["reported_severity"])
        # STRIP's 50/50 blend dilutes patches: modest floors, not the numbers seen.
        v.rows_match(hits[0], 0.7, 0.25)
    v.only_target_implicated(target)
else:
    v.quiet()
ev = v.evidence["strip"]
cal = ev.get("calibration", {})
# The held-out false-rejection rate of the empirical threshold stays near the target.
if not (0 <= cal.get("frr_heldout", -1) <= 0.03):
    v.fail("held-out FRR %s outside [0, 0.03]" % cal.get("frr_heldout"))
if "train" not in ev:
    v.fail("the training set was not scanned")
v.done()
EOF
}

for fx in badnets-p10 clean-cnn; do
  # shellcheck disable=SC2086
  run_mg scan "$FX/$fx" --only strip $SMALL --json "$SANDBOX/$fx.json" -q
  if [ "$status" -gt 1 ]; then
    fail "$fx: scan exited $status: $err"
    continue
  fi
  if check_findings "$SANDBOX/$fx.json" "$FX/$fx.truth.json"; then
    pass "$fx: strip verdict as expected"
  else
    fail "$fx: strip findings wrong"
  fi
done

# --inputs: 60 reference images with the fixture's trigger stamped on (from
# non-target classes) followed by 60 clean ones. Runtime STRIP should reject
# triggered inputs and accept clean ones at about the calibrated rate.
"$PY" - "$TOP_SRCDIR/tests/fixtures" "$FX/badnets-p10" "$SANDBOX/inputs.npy" <<'EOF'
import json, os, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from mgfixtures import triggers
spec = json.load(open(os.path.join(sys.argv[1], "models", "badnets-p10.json")))["spec"]["attack"]
pkg = sys.argv[2]
x = np.load(os.path.join(pkg, "reference-images.npy")).reshape(-1, 28, 28)
y = np.load(os.path.join(pkg, "reference-labels.npy"))
src = np.flatnonzero(y != spec["target"])
trig = triggers.apply(spec, x[src[:60]])
clean = x[src[-60:]]
np.save(sys.argv[3], np.concatenate([trig, clean]).reshape(-1, 1, 28, 28).astype(np.uint8))
EOF
# shellcheck disable=SC2086
run_mg scan "$FX/badnets-p10" --only strip $SMALL --inputs "$SANDBOX/inputs.npy" \
  --json "$SANDBOX/inputs.json" -q
if [ "$status" -le 1 ] && "$PY" - "$SANDBOX/inputs.json" <<'EOF'; then
import json, sys
res = json.load(open(sys.argv[1]))
rows = set()
for f in res["findings"]:
    if f["plugin"] == "strip" and f["rule"] == "strip.low-entropy-inputs":
        assert f["samples"]["dataset"] == "inputs", f["samples"]
        rows |= set(f["samples"]["indices"])
trig = {r for r in rows if r < 60}
print("inputs flagged: %d triggered of 60, %d clean of 60" % (len(trig), len(rows) - len(trig)))
ok = len(trig) >= 15 and len(rows) - len(trig) <= 3
sys.exit(0 if ok else 1)
EOF
  pass "--inputs: triggered rows rejected, clean rows accepted"
else
  fail "--inputs: wrong rows flagged (status $status): $err"
fi

# Deterministic for a given --seed: the same evidence twice.
TINY="--set strip.n=4 --set strip.sample=20 --set strip.pool=100"
for i in 1 2; do
  # shellcheck disable=SC2086
  run_mg scan "$FX/clean-cnn" --only strip $TINY --seed 7 --json "$SANDBOX/seed$i.json" -q
done
a=$(json_get "$SANDBOX/seed1.json" '[p["evidence"] for p in d["plugins"] if p["name"] == "strip"]')
b=$(json_get "$SANDBOX/seed2.json" '[p["evidence"] for p in d["plugins"] if p["name"] == "strip"]')
if [ -n "$a" ] && [ "$a" = "$b" ]; then
  pass "same seed, same evidence"
else
  fail "two runs with --seed 7 differ"
fi

# A malformed option is a usage error before the scan (the option table).
run_mg scan "$FX/clean-cnn" --only strip --set strip.n=lots --json "$SANDBOX/bad.json" -q
if [ "$status" -eq 2 ] && [ ! -e "$SANDBOX/bad.json" ] &&
  printf '%s\n' "$err" | grep -q -- "--set strip.n=lots: expected a whole number"; then
  pass "bad option refused: $err"
else
  fail "bad option: exit $status, stderr $err"
fi

finish
