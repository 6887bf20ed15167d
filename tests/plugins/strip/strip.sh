#!/bin/sh
# strip end to end on the assembled fixtures (the steps in
# tests/plugins/common/input_level.sh): a BadNets model's target class is
# implicated at medium or above with its poisoned rows, a clean model raises
# nothing above low, triggered --inputs rows are rejected and clean ones
# are not, the run is deterministic, and a bad option is refused. Under the
# sanitizers only the poisoned model is judged and --inputs is left to the
# plain run (sanitizer_subset, tests/lib.sh).
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy
PLUG=strip EVKEY=strip RULE=low-entropy
. "$TOP_SRCDIR/tests/plugins/common/input_level.sh"
assemble badnets-p10 clean-cnn

# Fewer overlays and a smaller screening sample keep the test quick; the
# method is the same as with the defaults. STRIP's 50/50 blend dilutes
# patches: modest floors, not the numbers seen.
SMALL="--set strip.n=16 --set strip.sample=100"
verdicts "$SMALL" 0.7 0.25 medium $(sanitizer_subset "badnets-p10 clean-cnn" badnets-p10)
full_fixtures && triggered_inputs "$SMALL" badnets-p10 60 15 3
same_seed "--set strip.n=4 --set strip.sample=20 --set strip.pool=100" clean-cnn
option_refused "$FX/clean-cnn" strip n=lots "expected a whole number"
finish
