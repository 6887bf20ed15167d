#!/bin/sh
# input-consistency end to end: the 20% label flip (Ankle boot -> Sandal) is
# named as that pair in the input space, without the model, with the
# flipped rows; as a witness of its own it corroborates loss-outliers on the
# flipped class, which fails the gate; a clean package raises nothing at
# all, and the plugin compares the inputs, not a model layer.
. "$TOP_SRCDIR/tests/lib.sh"
PLUG=input-consistency
FX="$SANDBOX/fx"
assemble_fixtures "$FX" -q --fixture labelflip-20 --fixture clean-cnn
use_test_policy

check() { # fixture plugins python-verdict: scans and holds the result to the truth
  run_mg scan "$FX/$1" --only "$2" --rules "$SANDBOX/rules" --json "$SANDBOX/$1.json" -q
  gate=$status
  [ "$gate" -le 1 ] || { fail "$1: scan exited $gate: $err"; return 1; }
  detector_py -c "import sys
from verdict import Verdict
v = Verdict(sys.argv[1], sys.argv[2], '$PLUG')
v.ran_ok()
$3
v.done()" "$SANDBOX/$1.json" "$FX/$1.truth.json"
}

check labelflip-20 $PLUG,loss-outliers \
  "v.flip_named('$PLUG.knn-label-flip', 0.8, 0.7); v.only_target_implicated(v.truth['target_class'])" &&
  pass "labelflip-20: Ankle boot -> Sandal named in the input space, rows found, raised with loss-outliers" ||
  fail "labelflip-20 verdict"
[ "$gate" -eq 1 ] && pass "labelflip-20 fails the gate" || fail "labelflip-20 gate exit $gate"

check clean-cnn $PLUG "v.silent()" && pass "clean-cnn: no finding" || fail "clean-cnn: flagged"
[ "$gate" -eq 0 ] && pass "clean-cnn passes the gate" || fail "clean-cnn gate exit $gate"
layer=$(json_get "$SANDBOX/clean-cnn.json" \
  '[p["evidence"]["layer"] for p in d["plugins"] if p["name"] == "input-consistency"][0]')
[ "$layer" = "@inputs" ] && pass "compares the inputs, not a model layer" || fail "layer $layer"
finish
