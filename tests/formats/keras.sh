#!/bin/sh
# keras files scanned on their own: Lambda bytecode and foreign modules found, benign files quiet,
# malformed ones reported (tests/formats/gen_keras.py).
. "$TOP_SRCDIR/tests/formats/run_format.sh"
run_format gen_keras.py && pass "keras fixtures"
finish
