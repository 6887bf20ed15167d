#!/bin/sh
# loss-outliers end to end on the assembled fixtures: the label-flip fixture
# is caught with its source -> target pattern and the flipped rows, a BadNets
# target class shows the low-loss excess of its poisoned rows, clean models
# (with Fashion-MNIST's noisy Shirt class) raise nothing above low, and a
# package without a reference set gets only uncalibrated info findings.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy

FX="$SANDBOX/fx"
"$PY" "$TOP_SRCDIR/tests/fixtures/assemble.py" "$FX" -q --fixture labelflip-20 \
  --fixture badnets-p10 --fixture clean-cnn --fixture clean-mlp
rc=$?
[ $rc -eq 77 ] && { echo "skip: Fashion-MNIST not installed"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: assemble.py exited $rc" >&2; exit 1; }


check() { # JSON TRUTH MODE
  "$PY" - "$1" "$2" "$3" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
mode = sys.argv[3]
sev = ["info", "low", "medium", "high", "critical"]
ours = [f for f in res["findings"] if f["plugin"] == "loss-outliers"]
st = [p for p in res["plugins"] if p["name"] == "loss-outliers"]
bad = []
if not st or st[0]["status"] != "ok":
    bad.append("loss-outliers did not run ok: %s" % st)
at = lambda f, s: sev.index(f["reported_severity"]) >= sev.index(s)

def rows_vs_truth(f, pmin, rmin):
    rows = set(f["samples"]["indices"])
    poisoned = set(truth["poisoned_rows"])
    prec = len(rows & poisoned) / len(rows)
    rec = len(rows & poisoned) / len(poisoned)
    print("%s class %d: %d rows, precision %.2f recall %.2f"
          % (f["rule"], f["label"], len(rows), prec, rec))
    if prec < pmin or rec < rmin:
        bad.append("%s: precision %.2f / recall %.2f below %.2f / %.2f"
                   % (f["rule"], prec, rec, pmin, rmin))

if mode == "flip":
    flip = truth["flip"]
    hits = [f for f in ours if f["rule"] == "loss-outliers.label-flip"
            and f["label"] == flip["target"]]
    if not hits:
        bad.append("no label-flip finding for class %d: %s"
                   % (flip["target"], [(f["rule"], f["label"]) for f in ours]))
    else:
        f = hits[0]
        if f["evidence"]["source"] != flip["source"]:
            bad.append("source class %s, expected %d" % (f["evidence"]["source"], flip["source"]))
        if not at(f, "medium"):
            bad.append("label flip reported at %s" % f["reported_severity"])
        rows_vs_truth(f, 0.8, 0.5)
elif mode == "backdoor":
    target = truth["target_class"]
    hits = [f for f in ours if f["rule"] == "loss-outliers.low-loss-excess" and f["label"] == target]
    if not hits or not at(hits[0], "medium"):
        bad.append("no low-loss-excess finding (>= medium) for class %d: %s"
                   % (target, [(f["rule"], f["label"], f["reported_severity"]) for f in ours]))
    else:
        rows_vs_truth(hits[0], 0.6, 0.3)
elif mode == "clean":
    loud = [f for f in ours if at(f, "medium")]
    if loud:
        bad.append("clean model: %s" % [(f["rule"], f["label"], f["reported_severity"]) for f in loud])
    if st and not st[0]["evidence"]["loss_outliers"]["calibrated"]:
        bad.append("the reference set was not used")
elif mode == "noref":
    if [f for f in ours if at(f, "low")]:
        bad.append("uncalibrated run gave findings above info")
    if not [f for f in ours if f["label"] == truth["flip"]["target"]]:
        bad.append("the confusion screen does not name class %d" % truth["flip"]["target"])
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
}

for case in labelflip-20:flip badnets-p10:backdoor clean-cnn:clean clean-mlp:clean; do
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
st=$(json_get "$SANDBOX/bad.json" '[(p["status"], p["message"]) for p in d["plugins"] if p["name"] == "loss-outliers"][0]')
case "$st" in
*error*loss-outliers.tail=0.9*) pass "bad option refused" ;;
*) fail "bad option: plugin ended $st" ;;
esac

finish
