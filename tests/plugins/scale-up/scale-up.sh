#!/bin/sh
# scale-up end to end on the assembled fixtures (the steps in
# tests/plugins/common/input_level.sh): on a BadNets model with a
# white-square trigger the target class is implicated with its poisoned
# rows, a clean model raises nothing above low, triggered --inputs rows are
# flagged and clean ones not, the run is deterministic, and a bad option is
# refused. Under the sanitizers only the poisoned model is judged and
# --inputs is left to the plain run (sanitizer_subset, tests/lib.sh).
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy
PLUG=scale-up EVKEY=scale_up RULE=consistent
. "$TOP_SRCDIR/tests/plugins/common/input_level.sh"
assemble badnets-p3 clean-cnn

# Amplification keeps most clean Fashion-MNIST predictions too: modest
# floors, not the numbers seen.
verdicts "" 0.6 0.3 any $(sanitizer_subset "badnets-p3 clean-cnn" badnets-p3)
# The triggered inputs are all predicted as the target: the class test names
# it and its rows are the triggered ones, never more than a few clean rows.
full_fixtures && triggered_inputs "" badnets-p3 100 30 5
same_seed "--set scale-up.scales=2 --set scale-up.sample=50 --set scale-up.pool=200" clean-cnn
option_refused "$FX/clean-cnn" scale-up scales=0 "expected a whole number"
finish
