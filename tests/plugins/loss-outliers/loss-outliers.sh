#!/bin/sh
# loss-outliers end to end on the assembled fixtures: the label-flip fixture
# is caught with its source -> target pattern and the flipped rows (also
# listed as sub-threshold candidates for the correlation rule), a BadNets
# target class shows the low-loss excess of its poisoned rows, clean models
# (with Fashion-MNIST's noisy Shirt class) raise nothing above low and list
# no candidates, and a
# package without a reference set gets only uncalibrated info findings.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy

FX="$SANDBOX/fx"
assemble_fixtures "$FX" -q --fixture labelflip-20 \
  --fixture badnets-p10 --fixture clean-cnn --fixture clean-mlp --fixture clean-mlp-imbalanced


check() { # JSON TRUTH MODE
  detector_py - "$1" "$2" "$3" <<'EOF'
import sys
from verdict import Verdict, at_least
v = Verdict(sys.argv[1], sys.argv[2], "loss-outliers")
mode = sys.argv[3]
v.ran_ok()
if mode == "flip":
    flip = v.truth["flip"]
    hits = v.findings("loss-outliers.label-flip", flip["target"])
    if not hits:
        v.fail("no label-flip finding for class %d: %s"
               % (flip["target"], [(f["rule"], f["label"]) for f in v.ours]))
    else:
        f = hits[0]
        if f["evidence"]["source"] != flip["source"]:
            v.fail("source class %s, expected %d" % (f["evidence"]["source"], flip["source"]))
        if not at_least(f, "medium"):
            v.fail("label flip reported at %s" % f["reported_severity"])
        v.rows_match(f, 0.8, 0.5)
    # The sub-threshold candidates of the target class (for the correlation
    # rule) are the flipped rows too: rows predicted as the source.
    cands = [c for c in v.evidence.get("candidates", []) if c["label"] == flip["target"]]
    if not cands or flip["source"] not in cands[0]["predicted"]:
        v.fail("no candidates for class %d naming source %d: %s"
               % (flip["target"], flip["source"], v.evidence.get("candidates")))
    else:
        poisoned = set(v.truth["poisoned_rows"])
        rows = cands[0]["rows"]
        if len(poisoned & set(rows)) < 0.8 * len(rows):
            v.fail("candidates mostly clean rows: %d of %d flipped"
                   % (len(poisoned & set(rows)), len(rows)))
elif mode == "backdoor":
    target = v.truth["target_class"]
    hits = v.findings("loss-outliers.low-loss-excess", target)
    if not hits or not at_least(hits[0], "medium"):
        v.fail("no low-loss-excess finding (>= medium) for class %d: %s"
               % (target, [(f["rule"], f["label"], f["reported_severity"]) for f in v.ours]))
    else:
        v.rows_match(hits[0], 0.6, 0.3)
elif mode == "clean":
    v.quiet()
    # A clean model's natural confusions are no candidates: they would
    # corroborate another witness's chance finding on the same rows.
    if v.evidence.get("candidates"):
        v.fail("candidates on a clean model: %s"
               % [(c["label"], c["predicted"], len(c["rows"])) for c in v.evidence["candidates"]])
    if not v.evidence["loss_outliers"]["calibrated"]:
        v.fail("the reference set was not used")
elif mode == "noref":
    if [f for f in v.ours if at_least(f, "low")]:
        v.fail("uncalibrated run gave findings above info")
    if not v.findings(label=v.truth["flip"]["target"]):
        v.fail("the confusion screen does not name class %d" % v.truth["flip"]["target"])
v.done()
EOF
}

# clean-mlp-imbalanced: Coat at 30% of its rows, a natural imbalance whose
# confusions must not read as a flip.
for case in labelflip-20:flip badnets-p10:backdoor clean-cnn:clean clean-mlp:clean \
  clean-mlp-imbalanced:clean; do
  fx=${case%%:*}
  mode=${case#*:}
  run_mg scan "$FX/$fx" --only loss-outliers --json "$SANDBOX/$fx.json" -q
  if [ "$status" -gt 1 ]; then
    fail "$fx: scan exited $status: $err"
  elif check "$SANDBOX/$fx.json" "$FX/$fx.truth.json" "$mode"; then
    pass "$fx: loss-outliers $mode verdict as expected"
  else
    fail "$fx: loss-outliers findings wrong"
  fi
done

# The label-flip package without its reference set.
cp -r "$FX/labelflip-20" "$SANDBOX/noref"
"$PY" - "$SANDBOX/noref" <<'EOF'
import json, os, sys
pkg = sys.argv[1]
desc = json.load(open(os.path.join(pkg, "modelgate.json")))
ref = desc.pop("reference")
for f in ref.values():
    os.remove(os.path.join(pkg, f))
desc["provenance"] = [p for p in desc.get("provenance", []) if p["path"] not in ref.values()]
json.dump(desc, open(os.path.join(pkg, "modelgate.json"), "w"), indent=2)
EOF
run_mg scan "$SANDBOX/noref" --only loss-outliers --json "$SANDBOX/noref.json" -q
if [ "$status" -le 1 ] && check "$SANDBOX/noref.json" "$FX/labelflip-20.truth.json" noref; then
  pass "without a reference set: info only, the flip still named"
else
  fail "without a reference set (status $status)"
fi

run_mg scan "$FX/clean-cnn" --only loss-outliers --set loss-outliers.tail=0.9 --json "$SANDBOX/bad.json" -q
if [ "$status" -eq 2 ] && [ ! -e "$SANDBOX/bad.json" ] &&
  printf '%s\n' "$err" | grep -q -- "--set loss-outliers.tail=0.9: expected a number in"; then
  pass "bad option refused before the scan: $err"
else
  fail "bad option: exit $status, stderr $err"
fi

finish
