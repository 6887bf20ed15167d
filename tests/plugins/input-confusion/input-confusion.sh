#!/bin/sh
# input-confusion end to end: on the 1% BadNets of the three-hidden-layer
# MLP (trigger at the right edge, target Shirt), which no feature-space
# detector separates, it names Shirt with mostly poisoned rows from the
# inputs alone; Neural Cleanse's finding on the same class is an
# independent witness, so the correlation rule raises both and the gate
# fails on Shirt. The clean MLP raises nothing and passes. Behaviour, not
# numbers: the p-values are in bench/detect.
. "$TOP_SRCDIR/tests/lib.sh"
PLUG=input-confusion
FX="$SANDBOX/fx"
"$PY" "$TOP_SRCDIR/tests/fixtures/assemble.py" "$FX" -q --fixture badnets-mlp3-edge-p1 --fixture clean-mlp
rc=$?
[ $rc -eq 77 ] && { echo "skip: Fashion-MNIST not installed"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: assemble.py exited $rc" >&2; exit 1; }
use_test_policy

check() { # fixture python-verdict: scans and holds the result to the truth
  run_mg scan "$FX/$1" --only $PLUG,neural-cleanse --rules "$SANDBOX/rules" \
    --json "$SANDBOX/$1.json" -q
  gate=$status
  [ "$gate" -le 1 ] || { fail "$1: scan exited $gate: $err"; return 1; }
  detector_py -c "import sys
from verdict import Verdict
v = Verdict(sys.argv[1], sys.argv[2], '$PLUG')
v.ran_ok()
$2
v.done()" "$SANDBOX/$1.json" "$FX/$1.truth.json"
}

check badnets-mlp3-edge-p1 "t = v.truth['target_class']
hits = v.findings(rule='$PLUG.confusion-exceedance', label=t)
if not hits:
    v.fail('target not named: %s' % [(f['label'], f['reported_severity']) for f in v.ours])
else:
    v.rows_match(hits[0], 0.6, 0.5)
    if hits[0]['severity'] not in ('high', 'critical'):
        v.fail('not raised by the correlation: %s' % hits[0]['severity'])
v.only_target_implicated(t)" &&
  pass "badnets-mlp3-edge-p1: the target named from the inputs with its poisoned rows, raised with NC" ||
  fail "badnets-mlp3-edge-p1 verdict"
[ "$gate" -eq 1 ] && pass "badnets-mlp3-edge-p1 fails the gate" || fail "badnets-mlp3-edge-p1 gate exit $gate"

check clean-mlp "v.silent()" && pass "clean-mlp: no finding" || fail "clean-mlp: flagged"
[ "$gate" -eq 0 ] && pass "clean-mlp passes the gate" || fail "clean-mlp gate exit $gate"
finish
