#!/bin/sh
# spectral-signatures end to end on the assembled fixtures (the shared body
# in feature_space.sh), with a CNN and a batch-norm CNN as the clean models.
. "$TOP_SRCDIR/tests/lib.sh"
use_test_policy
PLUG=spectral-signatures
CLEAN="clean-cnn clean-bncnn"
NOREF=clean-bncnn
. "$TOP_SRCDIR/tests/plugins/common/feature_space.sh"

refused layer=no-such-tensor no-such-tensor "unknown layer"
usage_refused centred=maybe "malformed option"
finish
