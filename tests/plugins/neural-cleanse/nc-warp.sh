#!/bin/sh
# neural-cleanse's second trigger family, the smooth warp (nc_warp.c): on
# the WaNet fixture, whose target a mask and pattern cannot reach (it
# ranks low by mask norm), the warp search names the target (rule
# neural-cleanse.small-warp) and no other class; on a clean model the warp
# test names no class. The mask search is cut to one step so the test
# costs the warp search only (a few seconds); the warp search and its
# decision run with their defaults.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy

FX="$SANDBOX/fx"
WFX=$(sanitizer_subset "wanet-p10 clean-cnn clean-mlp" "wanet-p10 clean-mlp")
# shellcheck disable=SC2046
assemble_fixtures "$FX" -q $(for f in $WFX; do printf ' --fixture %s' "$f"; done)

WARP_ONLY="--set neural-cleanse.steps=1 --set neural-cleanse.samples=100"

check() {
  detector_py - "$1" "$2" <<'EOF2'
import sys
from verdict import Verdict
v = Verdict(sys.argv[1], sys.argv[2], "neural-cleanse")
v.ran_ok()
ev = v.evidence["warp"]
if len(ev["classes"]) != v.evidence["neural_cleanse"]["num_classes"]:
    v.fail("the warp evidence does not cover every class")
named = [f["label"] for f in v.findings("neural-cleanse.small-warp")]
print("%s: warp ranking %s, named %s" % (v.truth["fixture"], ev["ranking"][:3], named))
if v.truth["poisoned"]:
    if named != [v.truth["target_class"]]:
        v.fail("the warp names %s, the target is %d" % (named, v.truth["target_class"]))
elif named:
    v.fail("clean model, the warp names %s" % named)
v.done()
EOF2
}

for fx in $WFX; do
  # shellcheck disable=SC2086
  run_mg scan "$FX/$fx" --only neural-cleanse $WARP_ONLY --json "$SANDBOX/$fx.json" -q
  if [ "$status" -gt 1 ]; then
    fail "$fx: scan exited $status: $err"
    continue
  fi
  if check "$SANDBOX/$fx.json" "$FX/$fx.truth.json"; then
    pass "$fx: the warp names the target, or no class on a clean model"
  else
    fail "$fx: the warp's verdict"
  fi
done

# warp-steps=0 turns the search off: no warp evidence, no warp finding.
# shellcheck disable=SC2086
run_mg scan "$FX/clean-mlp" --only neural-cleanse $WARP_ONLY --set neural-cleanse.warp-steps=0 \
  --json "$SANDBOX/off.json" -q
if [ "$status" -le 1 ] &&
  [ "$(json_get "$SANDBOX/off.json" '"warp" in [p for p in d["plugins"] if p["name"] == "neural-cleanse"][0]["evidence"]')" = False ]; then
  pass "warp-steps=0: no warp search"
else
  fail "warp-steps=0: exit $status, $err"
fi

finish
