#!/bin/sh
# nemo files scanned on their own: Hydra targets and Python tags found, benign files quiet,
# malformed ones reported (tests/formats/gen_nemo.py).
. "$TOP_SRCDIR/tests/formats/run_format.sh"
run_format gen_nemo.py && pass "nemo fixtures"
finish
