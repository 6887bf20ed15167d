#!/bin/sh
# text-label-consistency end to end: near-duplicate copies of one label's
# rows relabelled to another (1% and 3%) fail the gate with the conflicting
# groups' rows at precision and recall >= 0.9; the clean sets pass it,
# although Debian's fortunes file the same quotes under two categories and
# the Python library reference repeats paragraphs between two modules: those
# conflicts are reported for review (CTL-05), below the failing severity,
# as they relabel only a small share of a label (max-flip-share). With no
# share tolerated (max-flip-share=0) the reference's shared aifc/wave
# paragraphs fail it: the share is what decides, not the count.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/plugins/text-plugins/textlib.sh"

P=text-label-consistency
gen cls-labelflip-fortunes cls-labelflip-pydoc cls-clean-fortunes cls-clean-pydoc cls-clean-mixed \
  cls-binary-clean cls-multi-jamesbond

expect $P cls-labelflip-fortunes poisoned label-pair-conflicts
expect $P cls-labelflip-pydoc poisoned label-pair-conflicts
for f in cls-clean-fortunes cls-clean-pydoc cls-clean-mixed cls-binary-clean cls-multi-jamesbond; do
  expect $P "$f" clean
done

# The reviewed conflicts of the clean reference are there, at medium.
run_mg scan "$(fixture_file cls-clean-pydoc)" --only $P -q --json "$SANDBOX/pydoc.json"
if [ "$status" -eq 0 ] && "$PY" - "$SANDBOX/pydoc.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = [f for f in d["findings"] if f["rule"] == "text-label-consistency.label-pair-conflicts"]
sys.exit(0 if f and f[0]["severity"] == "medium" and f[0]["samples"]["indices"] else 1)
PY
then
  pass "shared reference paragraphs reported for review at medium"
else
  fail "shared reference paragraphs not reported at medium (exit $status)"
fi
run_mg scan "$(fixture_file cls-clean-pydoc)" --only $P -q --json "$SANDBOX/pydoc-strict.json" \
  --set $P.max-flip-share=0
if [ "$status" -eq 1 ]; then
  pass "with no share tolerated the same conflicts fail the gate"
else
  fail "max-flip-share=0 did not fail the gate (exit $status)"
fi
finish
