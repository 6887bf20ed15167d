#!/bin/sh
# activation-clustering end to end on the assembled fixtures (the shared body
# in feature_space.sh), with a CNN and an MLP as the clean models.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy
PLUG=activation-clustering
CLEAN="clean-cnn clean-mlp"
NOREF=clean-cnn
. "$TOP_SRCDIR/tests/plugins/common/feature_space.sh"

refused layer=no-such-tensor no-such-tensor "unknown layer"
usage_refused dims=ten "malformed option"
usage_refused max-size=0.9 "out-of-range option"
finish
