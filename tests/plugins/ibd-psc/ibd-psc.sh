#!/bin/sh
# ibd-psc end to end on the assembled fixtures (the steps in
# tests/plugins/common/input_level.sh): on the BatchNorm CNN with a 5%
# checkerboard patch the target class is implicated with its poisoned rows
# and no other class; clean BatchNorm CNNs (plain, augmented, SGD) raise
# nothing above low;
# triggered --inputs rows are flagged and clean ones not; on a model without
# BatchNormalization the plugin is skipped with the reason "not
# applicable"; a bad option is refused. Under the sanitizers only the
# poisoned fixture and the model without BatchNorm are scanned
# (sanitizer_subset, tests/lib.sh).
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy
PLUG=ibd-psc EVKEY=ibd_psc RULE=consistent
. "$TOP_SRCDIR/tests/plugins/common/input_level.sh"
assemble badnets-bn-p5 clean-bncnn clean-cnn clean-bncnn-aug clean-bncnn-sgd

# Modest floors, not the numbers seen: the class test counts the rows above
# the class's clean 95% quantile, most of them poisoned.
# clean-bncnn-aug and clean-bncnn-sgd: BatchNorm statistics from augmented
# batches and from SGD with weight decay, quiet like the plain recipe's.
verdicts "" 0.6 0.25 any $(sanitizer_subset \
  "badnets-bn-p5 clean-bncnn clean-bncnn-aug clean-bncnn-sgd" badnets-bn-p5)
full_fixtures && triggered_inputs "" badnets-bn-p5 100 20 5

# No BatchNormalization: the plugin is skipped with the reason (never a
# silent pass: the report's banner and CTL-11 name skipped plugins).
run_mg scan "$FX/clean-cnn" --only ibd-psc --json "$SANDBOX/nobn.json" -q
if [ "$status" -le 1 ] && "$PY" - "$SANDBOX/nobn.json" <<'EOF2'; then
import json, sys
res = json.load(open(sys.argv[1]))
st = [p for p in res["plugins"] if p["name"] == "ibd-psc"][0]
ours = [f for f in res["findings"] if f["plugin"] == "ibd-psc"]
print("status %s (%s); findings %s" % (st["status"], st.get("message"),
                                        [(f["rule"], f["severity"]) for f in ours]))
ok = (st["status"] == "skipped" and "BatchNormalization" in (st.get("message") or "")
      and not ours)
sys.exit(0 if ok else 1)
EOF2
  pass "no BatchNorm: not applicable, said so"
else
  fail "no BatchNorm: wrong result (status $status): $err"
fi

option_refused "$FX/clean-bncnn" ibd-psc factors=9 "expected a whole number"
finish
